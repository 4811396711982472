package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.InMemoryVectorSource;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelMetadata;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
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

  /** Destination-prefix scope, 60 s windows. */
  static final FeatureSpec PREFIX_60 = new FeatureSpec("scorer-test-prefix", "", 60, Scope.DST_PREFIX, 24, 64,
      List.of(80, 443, 53), List.of(80, 443, 53), List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS), true);

  @TempDir static Path tmp;
  static ScoringModel v1;
  static ScoringModel v2;
  static ScoringModel v3;
  static ScoringModel prefix;

  @BeforeAll
  static void models() {
    ModelRegistry registry = new ModelRegistry(tmp.resolve("models").toUri(), new Configuration());
    v1 = tiny(registry, ScorerFixture.SPEC_60, tmp);
    v2 = tiny(registry, ScorerFixture.SPEC_60, tmp);
    v3 = tiny(registry, ScorerFixture.SPEC_120, tmp);
    prefix = tiny(registry, PREFIX_60, tmp);
  }

  @AfterAll
  static void close() {
    v1.close();
    v2.close();
    v3.close();
    prefix.close();
  }

  /** A model trained in a second on random vectors; good enough to score, which is all these rules need. */
  static ScoringModel tiny(ModelRegistry registry, FeatureSpec spec, Path work) {
    int version = publishTiny(registry, spec, work);
    return ScoringModel.load(registry.load(ModelRef.version(ScorerFixture.MODEL, version), work.resolve("cache")));
  }

  /** Trains a {@link #tiny} model for {@code spec} under {@code work} and publishes it; returns its version. */
  static int publishTiny(ModelRegistry registry, FeatureSpec spec, Path work) {
    Random r = new Random(1);
    float[][] v = new float[40][spec.dimension()];
    for (float[] row : v) for (int i = 0; i < row.length; i++) row[i] = r.nextFloat() * 10;
    Path dir = work.resolve("train-" + System.nanoTime());
    Hyperparameters hp = new Hyperparameters(List.of(4), 2, 8, 1e-2, "adam", 1L, 1, 0.2,
        ThresholdMethod.parse("quantile:0.999"));
    Trainer.train(InMemoryVectorSource.evenlySpaced(v, spec.windowMicros()), spec.dimension(), hp, dir, p -> { });
    ModelMetadata meta = ModelMetadata.read(dir);
    ModelManifest draft = ModelManifest.draft(ScorerFixture.MODEL, spec, meta, "q", Map.of(ModelManifest.VAL_LOSS, 1.0),
        Instant.EPOCH, Instant.EPOCH.plusSeconds(60), "test");
    return registry.publish(ScorerFixture.MODEL, dir, draft).version();
  }

  static Flow flow(long t) {
    return flowTo(t, "203.0.113.5", null);
  }

  /** A flow at {@code t} to {@code ipDst}, exported by {@code exporter} (null = unknown). */
  static Flow flowTo(long t, String ipDst, String exporter) {
    return new Flow("purge", exporter, "192.0.2.1", ipDst, 40000, 80, 6, null, null, 1, 60, null, t, null, null,
        null, null, null, null, null, null, null, null, null, null, t, null);
  }

  /**
   * Issue 17: a window profiles its eight heaviest destination prefixes, so an incident on a quiet prefix never learnt
   * its vector. The victims of open incidents are followed in every window, from their next flow on.
   */
  @Test
  void theVictimsOfOpenIncidentsAreProfiledInEveryWindowThoughQuiet() {
    String quiet = "198.51.100.0/24";
    java.util.Set<String> victims = new java.util.HashSet<>();
    WindowManager w = new WindowManager(prefix, LATENESS);
    w.partitions(1);
    w.followVictims(victims::contains);
    long[] offset = {0};
    java.util.function.LongConsumer minute = start -> {
      for (int s = 0; s < 50; s++) {
        for (int busy = 0; busy < 12; busy++) {
          assertThat(w.add(0, offset[0]++, flowTo(start + s * S, "10.0." + busy + ".7", null))).isTrue();
        }
        if (s == 25) victims.add(quiet); // an incident opens mid-window: followed from the victim's next flow on
        if (s % 10 == 0) assertThat(w.add(0, offset[0]++, flowTo(start + s * S, "198.51.100.9", null))).isTrue();
      }
    };
    minute.accept(T0);
    minute.accept(T0 + MIN);
    w.add(0, offset[0]++, flowTo(T0 + 3 * MIN, "10.0.0.7", null));
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).hasSize(2);
    assertThat(closed.get(0).byKey()).containsKey(quiet);
    assertThat(closed.get(0).victims().profiled()).hasSize(io.kaminari.incidents.VictimProfiles.PROFILED + 1)
        .contains(quiet);
    assertThat(closed.get(0).victims().traffic(quiet, Instant.ofEpochSecond(T0 / S)).packets())
        .as("the flows at seconds 30 and 40 of the first window, after the incident opened").isEqualTo(2);
    assertThat(closed.get(1).victims().traffic(quiet, Instant.ofEpochSecond(T0 / S + 60)).packets())
        .as("every flow of the next window").isEqualTo(5);
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

  /**
   * Finding (issue 16): lateness was judged against the last closed window, which moves once per poll batch, so the
   * same records counted differently depending on where a batch ended (and a replay after a restart could differ).
   */
  @Test
  void aFlowForAWindowTheWatermarkPassedIsLateBeforeTheWindowIsClosed() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(1);
    assertThat(w.add(0, 0, flow(T0 + 5 * S))).isTrue();
    assertThat(w.add(0, 1, flow(T0 + MIN + 10 * S))).isTrue();
    assertThat(w.closeReady()).isEmpty();
    assertThat(w.add(0, 2, flow(T0 + 3 * MIN))).isTrue(); // watermark T0 + 2 min: windows 0 and 1 are done
    assertThat(w.add(0, 3, flow(T0 + MIN + 30 * S))).as("late, though window 1 is not closed yet").isFalse();
    assertThat(w.add(0, 4, flow(T0 + 2 * MIN + 30 * S))).as("window 2 is still open").isTrue();
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(T0, T0 + MIN);
    assertThat(closed.get(1).byKey().get("global").flowCount()).isEqualTo(1);
  }

  /** The lateness verdicts and the closed windows are the same whenever the caller closes (one poll batch or many). */
  @Test
  void verdictsAndWindowsDoNotDependOnWhenWindowsAreClosed() {
    Random r = new Random(16);
    int n = 4000;
    int[] partition = new int[n];
    long[] time = new long[n];
    long clock = T0;
    for (int i = 0; i < n; i++) {
      clock += r.nextInt(300) * 1000L; // 0.15 s apart on average: a window holds ~400 flows
      partition[i] = r.nextInt(3);
      // Most flows on time, a fifth up to 3 minutes late against a 1-minute lateness, a few from far back.
      long delay = r.nextInt(5) == 0 ? r.nextInt(180) * S : r.nextInt(5) * S;
      time[i] = r.nextInt(200) == 0 ? clock - 30 * MIN : clock - delay;
    }
    int[] batch = {1, 50, n};
    List<List<Integer>> late = new java.util.ArrayList<>();
    List<List<String>> windows = new java.util.ArrayList<>();
    for (int b : batch) {
      WindowManager w = new WindowManager(v1, LATENESS);
      w.partitions(3);
      List<Integer> lateHere = new java.util.ArrayList<>();
      List<String> windowsHere = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (!w.add(partition[i], i, flow(time[i]))) lateHere.add(i);
        if ((i + 1) % b == 0) {
          for (WindowManager.ClosedWindow c : w.closeReady()) {
            windowsHere.add(c.startMicros() + " " + c.byKey().get("global").flowCount());
          }
        }
      }
      assertThat(lateHere).as("batches of %s: some flows late, most not", b).hasSizeBetween(n / 20, n / 4);
      late.add(lateHere);
      windows.add(windowsHere);
    }
    assertThat(windows.get(0)).hasSizeGreaterThan(5); // it closed windows all along
    assertThat(late.get(1)).isEqualTo(late.get(0));
    assertThat(late.get(2)).isEqualTo(late.get(0));
    assertThat(windows.get(1)).isEqualTo(windows.get(0));
    assertThat(windows.get(2)).isEqualTo(windows.get(0));
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
    idle.caughtUp(1, true);
    assertThat(idle.watermark()).isEqualTo(T0 + 2 * MIN);
  }

  /** A wall clock the test moves by hand. */
  static final class ManualClock implements java.util.function.LongSupplier {
    long now = 1_000_000;

    @Override
    public long getAsLong() {
      return now;
    }
  }

  @Test
  void aPartitionQuietForTheIdleTimeoutAndCaughtUpStopsHoldingTheWatermarkBackUntilItDeliversAgain() {
    ManualClock clock = new ManualClock();
    long timeout = 5 * 60_000;
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(2, timeout, clock);
    w.delivered(0);
    w.add(0, 0, flow(T0));
    w.delivered(1);
    w.add(1, 0, flow(T0 + 10 * S));
    assertThat(w.closeReady()).isEmpty();
    assertThat(w.needsCaughtUpCheck()).isFalse(); // both partitions delivered flows just now

    // Partition 0 keeps delivering; partition 1 goes quiet at T0 + 10 s.
    for (int m = 1; m <= 5; m++) {
      clock.now += 60_000;
      w.delivered(0);
      w.add(0, m, flow(T0 + m * MIN + 30 * S));
    }
    assertThat(w.watermark()).isEqualTo(T0 + 10 * S - LATENESS);
    assertThat(w.closeReady()).as("partition 1 holds the watermark back").isEmpty();

    // Quiet for 5 minutes, but not known to be read to its end: still holds it back.
    assertThat(w.needsCaughtUpCheck()).isTrue();
    assertThat(w.closeReady()).isEmpty();
    w.caughtUp(0, true);
    assertThat(w.idlePartitions()).as("partition 0 delivered just now").isZero();
    assertThat(w.closeReady()).isEmpty();

    // Read to its end: idle. The watermark follows partition 0 alone (T0 + 5.5 min - 1 min).
    w.caughtUp(1, true);
    assertThat(w.idlePartitions()).isEqualTo(1);
    assertThat(w.watermark()).isEqualTo(T0 + 5 * MIN + 30 * S - LATENESS);
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN);
    assertThat(closed.get(0).byKey().get("global").flowCount()).as("both partitions' flows of window 0").isEqualTo(2);

    // It delivers again: it holds the watermark back again at once, and its flow for a closed window is late.
    clock.now += 1;
    w.delivered(1);
    assertThat(w.add(1, 1, flow(T0 + 2 * MIN))).as("late").isFalse();
    assertThat(w.idlePartitions()).isZero();
    assertThat(w.watermark()).isEqualTo(T0 + 2 * MIN - LATENESS);
    assertThat(w.add(1, 2, flow(T0 + 4 * MIN + 5 * S))).as("window 4 is still open").isTrue();
    w.delivered(0);
    w.add(0, 6, flow(T0 + 6 * MIN + 30 * S));
    assertThat(w.closeReady()).as("partition 1 at T0 + 4 min 5 s holds it back").isEmpty();
    // Quiet again, but for less than the timeout: no idleness yet even when caught up.
    clock.now += timeout - 1;
    w.caughtUp(1, true);
    assertThat(w.closeReady()).isEmpty();
    clock.now += 1; // now idle again: the watermark follows partition 0 (T0 + 6.5 min - 1 min)
    closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(T0 + 4 * MIN);
    assertThat(closed.get(0).byKey().get("global").flowCount()).as("with partition 1's flow after it rejoined")
        .isEqualTo(2);
    // A restart resumes partition 1 after everything closed (its late flow is not needed again).
    assertThat(w.resumeOffset(1, 3)).isEqualTo(3);
  }

  @Test
  void whenEveryPartitionIsIdleTheWatermarkIsTheMostAdvancedOne() {
    ManualClock clock = new ManualClock();
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(2, 60_000, clock);
    w.delivered(0);
    w.add(0, 0, flow(T0 + 3 * MIN));
    w.delivered(1);
    w.add(1, 0, flow(T0 + MIN));
    clock.now += 60_000;
    w.caughtUp(0, true);
    w.caughtUp(1, true);
    assertThat(w.idlePartitions()).isEqualTo(2);
    assertThat(w.watermark()).isEqualTo(T0 + 3 * MIN - LATENESS);
    // Without a timeout (the default of partitions(int)) a quiet partition that delivered flows never idles.
    WindowManager never = new WindowManager(v1, LATENESS);
    never.partitions(2);
    never.add(0, 0, flow(T0 + 3 * MIN));
    never.add(1, 0, flow(T0 + MIN));
    never.caughtUp(1, true);
    assertThat(never.watermark()).isEqualTo(T0 + MIN - LATENESS);
    assertThat(never.needsCaughtUpCheck()).isFalse();
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

  /** Resumed from a marker, nothing closes and nothing is late until every partition is heard from or caught up. */
  @Test
  void aResumedStateWaitsForEveryPartitionBeforeClosingOrJudging() {
    WindowManager w = new WindowManager(List.of(new WindowManager.Epoch(v1, WindowManager.UNSET)), T0 + MIN,
        LATENESS);
    w.partitions(2);
    assertThat(w.add(0, 0, flow(T0 + 10 * MIN))).isTrue();
    assertThat(w.watermark()).isEqualTo(WindowManager.UNSET);
    assertThat(w.add(0, 1, flow(T0 + 2 * MIN))).as("no watermark yet: only the closed window is late").isTrue();
    assertThat(w.add(0, 2, flow(T0 + 30 * S))).as("before the committed end").isFalse();
    assertThat(w.closeReady()).isEmpty();
    assertThat(w.closedThrough()).isEqualTo(T0 + MIN);
    w.add(1, 0, flow(T0 + 4 * MIN));
    assertThat(w.closeReady()).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0 + MIN, T0 + 2 * MIN);
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

  /** Finding (issue 16): a flow from 1970 made the global scope close every empty window up to now, one by one. */
  @Test
  void aLongGapIsFilledForMaxGapFillThenSkippedInOneStepAndCounted() {
    WindowManager w = new WindowManager(v1, new WindowManager.Limits(LATENESS, 5 * MIN, Integer.MAX_VALUE));
    w.partitions(1);
    w.add(0, 0, flow(T0));
    w.add(0, 1, flow(T0 + 60 * MIN)); // watermark T0 + 59 min
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN, T0 + 5 * MIN);
    assertThat(closed.get(5).byKey().get("global").flowCount()).isZero();
    assertThat(w.lastDataEnd()).isEqualTo(T0 + MIN);
    w.add(0, 2, flow(T0 + 62 * MIN)); // watermark T0 + 61 min: the window of the second flow closes
    closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(T0 + 60 * MIN);
    assertThat(closed.get(0).byKey().get("global").flowCount()).isEqualTo(1);
    assertThat(w.takeSkippedEmptyWindows()).isEqualTo(60 - 1 - 5);
    assertThat(w.takeSkippedEmptyWindows()).isZero();

    // 1970 then now: two windows and the fill, not 29 million.
    WindowManager far = new WindowManager(v1, new WindowManager.Limits(LATENESS, 5 * MIN, Integer.MAX_VALUE));
    far.partitions(1);
    far.add(0, 0, flow(86_400 * S));
    far.add(0, 1, flow(T0));
    far.add(0, 2, flow(T0 + 2 * MIN));
    closed = far.closeReady();
    assertThat(closed).hasSize(1 + 5 + 1);
    assertThat(closed.get(6).startMicros()).isEqualTo(T0);
    assertThat(far.takeSkippedEmptyWindows()).isEqualTo((T0 - 86_400 * S) / MIN - 1 - 5);
  }

  @Test
  void theGapFillRestartsFromTheCommittedEndOfTheLastWindowWithFlows() {
    // Restored in the middle of a gap: closed through T0 + 3 min, last flows in the window ending at T0 + 1 min.
    WindowManager w = new WindowManager(List.of(new WindowManager.Epoch(v1, WindowManager.UNSET)), T0 + 3 * MIN,
        T0 + MIN, new WindowManager.Limits(LATENESS, 5 * MIN, Integer.MAX_VALUE));
    w.partitions(1);
    w.add(0, 0, flow(T0 + 30 * MIN));
    assertThat(w.closeReady()).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0 + 3 * MIN, T0 + 4 * MIN, T0 + 5 * MIN);
    assertThat(w.takeSkippedEmptyWindows()).isEqualTo(29 - 6);
  }

  @Test
  void aGapIsSkippedAcrossASpecBoundaryAndUnderDstPrefixWithoutWalkingIt() {
    WindowManager w = new WindowManager(List.of(new WindowManager.Epoch(v1, WindowManager.UNSET),
        new WindowManager.Epoch(v3, T0 + 120 * MIN)), WindowManager.UNSET, WindowManager.UNSET,
        new WindowManager.Limits(LATENESS, 2 * MIN, Integer.MAX_VALUE));
    w.partitions(1);
    w.add(0, 0, flow(T0));
    w.add(0, 1, flow(T0 + 180 * MIN));
    w.add(0, 2, flow(T0 + 185 * MIN)); // watermark T0 + 184 min
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 180 * MIN, T0 + 182 * MIN);
    assertThat(closed).extracting(WindowManager.ClosedWindow::model).containsExactly(v1, v1, v1, v3, v3);
    // 60 s windows from minute 3 to 120, then 120 s windows from minute 120 to 180.
    assertThat(w.takeSkippedEmptyWindows()).isEqualTo(117 + 30);

    WindowManager p = new WindowManager(prefix, new WindowManager.Limits(LATENESS, 2 * MIN, Integer.MAX_VALUE));
    p.partitions(1);
    p.add(0, 0, flow(86_400 * S));
    p.add(0, 1, flow(T0 + 2 * MIN));
    assertThat(p.closeReady()).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(86_400 * S);
    assertThat(p.takeSkippedEmptyWindows()).as("dst-prefix has no empty results to skip").isZero();
    assertThat(p.closedThrough()).isEqualTo(T0 + MIN);
  }

  /**
   * Issue 16: the watermark is tracked per exporter. One exporter two minutes behind (its clock, or a slow export) had
   * every flow late beyond the allowed lateness; now the windows wait for it. One three hours behind waits for nothing:
   * its flows are late as before, and the others' windows close as they did without it.
   */
  @Test
  void theWatermarkWaitsForAnExporterBehindWithinTheMaxLagAndNotForOneFurtherBehind() {
    ExporterClocks.Bounds waitFiveMinutes = new ExporterClocks.Bounds(5 * MIN, 5 * MIN);
    for (ExporterClocks.Bounds bounds : List.of(waitFiveMinutes, ExporterClocks.Bounds.OFF)) {
      WindowManager w = new WindowManager(v1, new WindowManager.Limits(LATENESS, Long.MAX_VALUE, 100, bounds));
      w.partitions(1);
      int late = 0;
      int farLate = 0;
      int offset = 0;
      for (int i = 0; i < 600; i++) {
        long now = T0 + i * S;
        long cap = now + S + 30 * S; // arrived a second after it started, plus the arrival tolerance
        assertThat(w.add(0, offset++, flowTo(now, "203.0.113.5", "10.0.0.1"), cap)).isTrue();
        if (!w.add(0, offset++, flowTo(now - 2 * MIN, "203.0.113.5", "10.0.0.2"), cap)) late++;
        // (from when closing has started, so the first of them cannot be the first flow, which is never late)
        if (i >= 130 && !w.add(0, offset++, flowTo(now - 3 * 60 * MIN, "203.0.113.5", "10.0.0.3"), cap)) farLate++;
      }
      List<WindowManager.ClosedWindow> closed = w.closeReady();
      WindowManager.ClosedWindow first = closed.stream().filter(c -> c.startMicros() == T0).findFirst().orElseThrow();
      long last = closed.get(closed.size() - 1).startMicros();
      if (bounds == waitFiveMinutes) {
        assertThat(late).as("flows of the exporter two minutes behind that were late").isZero();
        assertThat(first.byKey().get("global").flowCount()).isEqualTo(120);
        assertThat(w.exporterClocks().holdBackMicros()).isEqualTo(2 * MIN);
        assertThat(last).as("the windows wait two minutes more").isEqualTo(T0 + 5 * MIN);
      } else {
        assertThat(late).as("all but the first, before closing started").isEqualTo(600 - 1);
        assertThat(first.byKey().get("global").flowCount()).isEqualTo(60);
        assertThat(last).isEqualTo(T0 + 7 * MIN);
      }
      assertThat(farLate).as("the exporter three hours behind, bounds %s", bounds).isEqualTo(600 - 130);
    }
  }

  /** Finding (issue 16): one exporter 50 minutes ahead moved the watermark and made every other flow late. */
  @Test
  void aFlowAheadOfItsArrivalCapMovesTheWatermarkOnlyToTheCapButCountsInItsOwnWindow() {
    WindowManager w = new WindowManager(v1, LATENESS);
    w.partitions(1);
    long arrival = T0 + 30 * S;
    assertThat(w.add(0, 0, flow(T0 + 50 * MIN), arrival)).isTrue();
    assertThat(w.watermark()).isEqualTo(arrival - LATENESS);
    assertThat(w.closeReady()).isEmpty();
    for (int m = 0; m <= 5; m++) {
      assertThat(w.add(0, 1 + m, flow(T0 + m * MIN + 10 * S), T0 + m * MIN + 20 * S)).as("minute %s", m).isTrue();
    }
    assertThat(w.closeReady()).extracting(WindowManager.ClosedWindow::startMicros)
        .containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN);
    // Once the others get there, its window closes with it.
    w.add(0, 7, flow(T0 + 52 * MIN), T0 + 52 * MIN);
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed.get(closed.size() - 1).startMicros()).isEqualTo(T0 + 50 * MIN);
    assertThat(closed.get(closed.size() - 1).byKey().get("global").flowCount()).isEqualTo(1);
    // A swap still starts after every event time seen, capped or not (nothing featurised twice).
    assertThat(w.swap(v3)).isEqualTo(T0 + 54 * MIN);
  }

  /** Finding (issue 16): memory was unbounded under a key explosion. */
  @Test
  void keysBeyondTheCapPerWindowGoToTheOverflowKeyAndAreCounted() {
    WindowManager w = new WindowManager(prefix, new WindowManager.Limits(LATENESS, Long.MAX_VALUE, 3));
    w.partitions(1);
    for (int i = 0; i < 10; i++) w.add(0, i, flowTo(T0 + i * S, "198.51." + i + ".7", null));
    w.add(0, 10, flowTo(T0 + 20 * S, "198.51.0.9", null)); // a key within the cap
    w.add(0, 11, flowTo(T0 + MIN + 5 * S, "198.51.9.7", null)); // the next window has room again
    w.add(0, 12, flowTo(T0 + 2 * MIN + 5 * S, "198.51.9.7", null));
    List<WindowManager.ClosedWindow> closed = w.closeReady();
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).byKey().keySet())
        .containsExactly("198.51.0.0/24", "198.51.1.0/24", "198.51.2.0/24", Featurizer.OVERFLOW_KEY);
    assertThat(closed.get(0).byKey().get("198.51.0.0/24").flowCount()).isEqualTo(2);
    assertThat(closed.get(0).byKey().get(Featurizer.OVERFLOW_KEY).flowCount()).isEqualTo(7);
    assertThat(w.takeOverflowFlows()).isEqualTo(7);
    assertThat(w.takeOverflowFlows()).isZero();
  }
}
