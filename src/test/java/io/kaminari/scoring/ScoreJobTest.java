package io.kaminari.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.model.Detection;
import io.kaminari.model.DetectorTrainer;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.InMemoryVectorSource;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.ar.ArSeries;
import io.kaminari.model.ar.ArTrainingSeries;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link ScoreJob} splits its event hours, and its pure scoring of a partition's rows. */
class ScoreJobTest {
  private static final FeatureSpec SPEC = new FeatureSpec("s", "", 300, Scope.GLOBAL, 24, 64, List.of(80, 443),
      List.of(80, 443), List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS), false);
  private static final long W = 300_000_000L;
  private static final Instant T0 = Instant.parse("2024-05-01T00:00:00Z");

  @TempDir Path tmp;

  @Test
  void chunksAreRunsOfConsecutiveHoursOfAtMostChunkHours() {
    Hour h = Hour.parse("2024-05-01T00");
    EventHours hours = EventHours.of(List.of(h, h.plus(1), h.plus(2), h.plus(3), h.plus(4), h.plus(9)));
    assertThat(ScoreJob.chunks(hours, 2)).containsExactly(new HourRange(h, h.plus(2)),
        new HourRange(h.plus(2), h.plus(4)), HourRange.of(h.plus(4)), HourRange.of(h.plus(9)));
    assertThat(ScoreJob.chunks(hours, 24)).containsExactly(new HourRange(h, h.plus(5)), HourRange.of(h.plus(9)));
  }

  /** Vectors with a daily rhythm and noise; window {@code attack} carries a flood. */
  private static float[][] vectors(int n, long seed, int attack) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] out = new float[n][SPEC.dimension()];
    for (int t = 0; t < n; t++) {
      double level = 20 * (1.5 + Math.sin(2 * Math.PI * t / 288));
      for (int j = 0; j < out[t].length; j++) {
        out[t][j] = (float) (level * (1 + j % 3) * Math.exp(0.1 * r.nextGaussian()));
      }
      if (t == attack) for (int j = 0; j < out[t].length; j++) out[t][j] *= 40;
    }
    return out;
  }

  /** An internal row in the column order ScoreJob.score selects. */
  private static InternalRow row(int t, float[] v, Long sources, boolean warm) {
    Instant start = T0.plusSeconds(300L * t);
    long packets = (long) (v[0] * 300);
    return new GenericInternalRow(new Object[] {Micros.of(start), Micros.of(start.plusSeconds(300)), text("global"),
        text("global"), ArrayData.toArrayData(v.clone()), packets / 5, packets, text(SPEC.id()), text("2024-05-01"),
        start.atZone(java.time.ZoneOffset.UTC).getHour(), sources, texts("203.0.113.0/24 (70%)"),
        texts("198.51.100.1 (5%)"), texts("443 (60%)"), warm, sources == null ? null : packets / 50,
        sources == null ? null : packets / 500, sources == null ? null : ArrayData.toArrayData(new int[] {53, 443})});
  }

  private static UTF8String text(String s) {
    return UTF8String.fromString(s);
  }

  private static ArrayData texts(String s) {
    return new GenericArrayData(new Object[] {text(s)});
  }

  @Test
  void aPartitionIsScoredInOrderWarmUpRowsOnlyAdvanceTheArStatesAndEachDetectorIsWritten() throws Exception {
    float[][] train = vectors(576, 1, -1);
    ArTrainingSeries series = new ArTrainingSeries(300, ArSeries.names(SPEC));
    for (int t = 0; t < train.length; t++) {
      InternalRow r = row(t, train[t], 50L, false);
      series.add(T0.toEpochMilli() * 1000 + t * W, ArSeries.values(SPEC, r.getLong(6), r.getLong(5), 50, train[t]));
    }
    Hyperparameters hp = new Hyperparameters(List.of(4), 5, 32, 1e-2, "adam", 42L, 0, 0.1,
        ThresholdMethod.parse("quantile:0.999"), 0.0);
    DetectorTrainer.Trained trained = DetectorTrainer.global(InMemoryVectorSource.evenlySpaced(train, W), series,
        null, SPEC, hp, tmp.resolve("model"), p -> { });
    ModelRegistry registry = new ModelRegistry(tmp.resolve("models").toUri(), new Configuration());
    registry.publish("s", tmp.resolve("model"), ModelManifest.draft("s", SPEC, trained.metadata(),
        trained.thresholdMethod(), trained.detectors(), trained.metrics(), T0, T0.plusSeconds(172_800), "test"));

    float[][] day3 = vectors(60, 2, 40);
    List<InternalRow> input = new ArrayList<>();
    for (int t = 0; t < 15; t++) input.add(row(576 + t, day3[t], 50L, true));
    for (int t = 15; t < 60; t++) input.add(row(576 + t, day3[t], t == 30 ? null : 50L, false));
    long scoredAt = Micros.of(Instant.parse("2024-05-03T06:00:00Z"));
    try (ScoringModel model = ScoringModel.load(registry, ModelRef.parse("s@latest"), tmp.resolve("cache"))) {
      List<InternalRow> out = new ArrayList<>();
      ScoreJob.scorePartition(input.iterator(), model, scoredAt).forEachRemaining(out::add);
      // The same windows through the scoring function directly, from a state that saw every one of them.
      List<ScoringModel.Window> windows = input.stream().map(ScoreJob::window).toList();
      List<Detection> direct = model.score(windows, model.newArStates());

      assertThat(out).as("one row per scored window, warm-up rows written nowhere").hasSize(45);
      for (int i = 0; i < out.size(); i++) {
        InternalRow o = out.get(i);
        Detection d = direct.get(15 + i);
        assertThat(o.getLong(0)).isEqualTo(Micros.of(T0.plusSeconds(300L * (576 + 15 + i))));
        assertThat(o.getDouble(4)).as("score: the verdict's").isEqualTo(d.verdict().score());
        assertThat(o.getDouble(5)).isEqualTo(1.0);
        assertThat(o.getBoolean(6)).isEqualTo(o.getDouble(4) > 1.0);
        assertThat(o.getLong(11)).isEqualTo(scoredAt);
        assertThat(o.getDouble(12)).as("ae_score").isEqualTo(d.ae().score());
        assertThat(o.getDouble(13)).as("ae_threshold").isEqualTo(model.threshold());
        assertThat(o.getUTF8String(16)).as("fired").hasToString(d.verdict().fired().text());
        assertThat(o.isNullAt(17)).as("traffic_group under global").isTrue();
        assertThat(o.getUTF8String(18)).hasToString("2024-05-01");
        assertThat(o.getUTF8String(20)).hasToString("s");
        assertThat(o.getInt(21)).isEqualTo(model.version());
        if (i == 15) {
          assertThat(o.isNullAt(14)).as("no sources, no AR score").isTrue();
          assertThat(o.isNullAt(15)).isTrue();
        } else {
          assertThat(o.getDouble(14)).as("ar_score of row %d", i).isEqualTo(d.ar().score());
          assertThat(o.getDouble(15)).isEqualTo(model.manifest().detectors().ar().threshold());
        }
      }
      InternalRow flood = out.get(40 - 15);
      assertThat(flood.getBoolean(6)).isTrue();
      List<String> explanation = new ArrayList<>();
      ArrayData text = flood.getArray(7);
      for (int j = 0; j < text.numElements(); j++) explanation.add(text.getUTF8String(j).toString());
      assertThat(explanation).contains("dst prefix 203.0.113.0/24 (70%)", "src 198.51.100.1 (5%)", "dst port 443 (60%)")
          .anyMatch(e -> e.startsWith("AR "));
    }
  }
}
