package io.kaminari.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Flow;
import io.kaminari.features.FeatureSpec;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.InMemoryVectorSource;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelMetadata;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.Trainer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event-time rules of {@link WindowManager}: closing, lateness, watermark over partitions, resume offsets, swaps. */
class WindowManagerTest {
  static final long S = 1_000_000L;
  static final long MIN = 60 * S;
  static final long T0 = Instant.parse("2024-05-02T10:00:00Z").getEpochSecond() * S;
  static final long LATENESS = 60 * S;

  @TempDir static Path tmp;
  static ScoringModel v1;
  static ScoringModel v2;
  static ScoringModel v3;

  @BeforeAll
  static void models() {
    ModelRegistry registry = new ModelRegistry(tmp.resolve("models").toUri(), new Configuration());
    v1 = tiny(registry, ScorerFixture.SPEC_60);
    v2 = tiny(registry, ScorerFixture.SPEC_60);
    v3 = tiny(registry, ScorerFixture.SPEC_120);
  }

  @AfterAll
  static void close() {
    v1.close();
    v2.close();
    v3.close();
  }

  /** A model trained in a second on random vectors; good enough to score, which is all these rules need. */
  static ScoringModel tiny(ModelRegistry registry, FeatureSpec spec) {
    Random r = new Random(1);
    float[][] v = new float[40][spec.dimension()];
    for (float[] row : v) for (int i = 0; i < row.length; i++) row[i] = r.nextFloat() * 10;
    Path dir = tmp.resolve("train-" + System.nanoTime());
    Hyperparameters hp = new Hyperparameters(List.of(4), 2, 8, 1e-2, "adam", 1L, 1, 0.2,
        ThresholdMethod.parse("quantile:0.999"));
    Trainer.train(InMemoryVectorSource.evenlySpaced(v, spec.windowMicros()), spec.dimension(), hp, dir, p -> { });
    ModelMetadata meta = ModelMetadata.read(dir);
    ModelManifest draft = ModelManifest.draft(ScorerFixture.MODEL, spec, meta, "q", Map.of(ModelManifest.VAL_LOSS, 1.0),
        Instant.EPOCH, Instant.EPOCH.plusSeconds(60), "test");
    int version = registry.publish(ScorerFixture.MODEL, dir, draft).version();
    return ScoringModel.load(registry.load(ModelRef.version(ScorerFixture.MODEL, version), tmp.resolve("cache")));
  }

  static Flow flow(long t) {
    return new Flow("purge", null, "192.0.2.1", "203.0.113.5", 40000, 80, 6, null, null, 1, 60, null, t, null, null,
        null, null, null, null, null, null, null, null, null, t, null);
  }

  @Test
  void closesEachWindowOnceWhenTheWatermarkPassesItsEndAndCountsLaterFlowsAsLate() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(1);
    assertThat(w.add(0, 0, flow(T0 + 5 * S))).isTrue();
    assertThat(w.add(0, 1, flow(T0 + MIN + 10 * S))).isTrue();
    assertThat(w.closeReady()).isEmpty(); // watermark T0 + 10 s
    assertThat(w.add(0, 2, flow(T0 + 2 * MIN))).isTrue(); // watermark T0 + 60 s: window 0 closes
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(T0);
    assertThat(closed.get(0).byKey().get("global").flowCount()).isEqualTo(1);
    assertThat(closed.get(0).model()).isSameAs(v1);
    assertThat(w.closeReady()).isEmpty();
    assertThat(w.add(0, 3, flow(T0 + 30 * S))).as("late").isFalse();
    assertThat(w.closedThrough()).isEqualTo(T0 + MIN);
  }

  @Test
  void globalScopeScoresEmptyWindowsInAGap() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(1);
    w.add(0, 0, flow(T0));
    w.add(0, 1, flow(T0 + 5 * MIN));
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN);
    assertThat(closed.get(2).byKey().get("global").flowCount()).isZero();
  }

  @Test
  void theWatermarkWaitsForEveryPartitionUnlessItIsCaughtUpAndEmpty() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(2);
    w.add(0, 0, flow(T0));
    w.add(0, 1, flow(T0 + 5 * MIN));
    assertThat(w.watermark()).isEqualTo(WindowManager.UNSET);
    w.add(1, 0, flow(T0 + 2 * MIN));
    assertThat(w.watermark()).isEqualTo(T0 + MIN); // min over partitions, minus lateness
    WindowManager idle = new WindowManager(v1, LATENESS);
    idle.partitions(2);
    idle.add(0, 0, flow(T0 + 3 * MIN));
    idle.idle(1, true);
    assertThat(idle.watermark()).isEqualTo(T0 + 2 * MIN);
  }

  @Test
  void aRestartResumesEachPartitionAtItsFirstRecordOfAnOpenWindow() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(2);
    w.add(0, 10, flow(T0));
    w.add(1, 20, flow(T0 + 10 * S));
    w.add(0, 11, flow(T0 + MIN + 1));
    w.add(1, 21, flow(T0 + 2 * MIN + 10 * S));
    w.add(0, 12, flow(T0 + 2 * MIN + 20 * S)); // watermark T0 + 70 s: window 0 closes
    assertThat(w.closeReady()).hasSize(1);
    assertThat(w.resumeOffset(0, 13)).isEqualTo(11);
    assertThat(w.resumeOffset(1, 22)).isEqualTo(21);
    assertThat(w.resumeOffset(2, 5)).isEqualTo(5);
  }

  @Test
  void aVersionOnTheSameSpecScoresFromTheNextWindowToClose() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(1);
    w.add(0, 0, flow(T0));
    w.add(0, 1, flow(T0 + MIN));
    w.add(0, 2, flow(T0 + 2 * MIN));
    assertThat(w.closeReady()).extracting(WindowManager.ClosedWindow::model).containsExactly(v1);
    assertThat(w.swap(v2)).isEqualTo(T0 + MIN);
    w.add(0, 3, flow(T0 + 4 * MIN)); // watermark T0 + 3 min: windows 1 and 2 close, with v2
    assertThat(w.closeReady()).extracting(WindowManager.ClosedWindow::model).containsExactly(v2, v2);
    assertThat(w.drainRetired()).containsExactly(v1);
    assertThat(w.epochs()).extracting(WindowManager.Epoch::model).containsExactly(v2);
  }

  @Test
  void aVersionOnAnotherSpecStartsAtTheFirstCommonBoundaryAfterEverythingSeen() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(1);
    w.add(0, 0, flow(T0));
    w.add(0, 1, flow(T0 + MIN + 30 * S)); // max event T0 + 90 s
    long boundary = w.swap(v3); // 60 s -> 120 s windows
    assertThat(boundary).isEqualTo(T0 + 2 * MIN);
    w.add(0, 2, flow(T0 + MIN + 50 * S)); // still the old spec's window [T0+60, T0+120)
    w.add(0, 3, flow(T0 + 2 * MIN + 5 * S)); // the new spec's window [T0+120, T0+240)
    w.add(0, 4, flow(T0 + 5 * MIN));
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0, T0 + MIN, T0 + 2 * MIN);
    assertThat(closed).extracting(WindowManager.ClosedWindow::model).containsExactly(v1, v1, v3);
    assertThat(closed.get(1).byKey().get("global").flowCount()).isEqualTo(2);
    assertThat(closed.get(2).spec()).isEqualTo(ScorerFixture.SPEC_120);
    assertThat(w.drainRetired()).containsExactly(v1);
  }

  @Test
  void stateRestoredFromEpochsKeepsTheSpecBoundary() {
    WindowManager w = new WindowManager(List.of(new WindowManager.Epoch(v1, WindowManager.UNSET),
        new WindowManager.Epoch(v3, T0 + 2 * MIN)), T0 + MIN, LATENESS);
    w.partitions(1);
    assertThat(w.add(0, 0, flow(T0 + 30 * S))).isFalse();
    w.add(0, 1, flow(T0 + MIN + 5 * S));
    w.add(0, 2, flow(T0 + 5 * MIN + 5 * S)); // watermark T0 + 4 min 5 s
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::model).containsExactly(v1, v3);
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(T0 + MIN, T0 + 2 * MIN);
  }
}
