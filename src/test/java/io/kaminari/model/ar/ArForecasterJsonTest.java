package io.kaminari.model.ar;

import static io.kaminari.model.ar.Traffic.DAY;
import static io.kaminari.model.ar.Traffic.DAY0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kaminari.model.ThresholdMethod;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArForecasterJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Traffic traffic;
  private static ArForecaster f;

  @BeforeAll
  static void fit() {
    traffic = new Traffic(300, 6, 0.05, true, 4);
    ArTrainingSeries train = traffic.series(DAY0, 2 * 288);
    f = ArForecaster.fit(train, new ArParameters(3, true)).calibrated(new ThresholdMethod.Quantile(0.99), train);
  }

  @Test
  void aForecasterReadBackScoresBitForBitTheSame(@TempDir Path dir) throws Exception {
    Path file = f.write(dir);
    assertThat(file.getFileName().toString()).isEqualTo(ArForecaster.FILE_NAME);
    ArForecaster back = ArForecaster.read(dir);
    assertThat(back.toJson()).isEqualTo(f.toJson());
    assertThat(back.names()).isEqualTo(f.names());
    assertThat(back.threshold()).isEqualTo(f.threshold());
    assertThat(back.thresholdMethod()).isEqualTo(f.thresholdMethod());
    assertThat(back.trainFrom()).isEqualTo(f.trainFrom()).hasToString("2024-05-01T00:00:00Z");
    assertThat(back.trainTo()).isEqualTo(f.trainTo()).hasToString("2024-05-03T00:00:00Z");
    ArState a = f.newState();
    ArState b = back.newState();
    for (int t = 0; t < 288; t++) {
      if (t % 37 == 5) continue; // some missing windows, so imputation is compared too
      long start = DAY0 + 2 * DAY + t * 300_000_000L;
      float[] v = traffic.next(start);
      if (t == 100) v[0] *= 4;
      assertThat(b.update(start, v)).isEqualTo(a.update(start, v));
    }
    JsonShape shape = JSON.readValue(Files.readString(file), JsonShape.class);
    assertThat(shape.format).isEqualTo(ArForecaster.FORMAT);
    assertThat(shape.witness).isEqualTo("breadth");
    assertThat(shape.quorum).isEqualTo(1);
    assertThat(shape.sustain).isZero();
  }

  /** The sustained score's window and threshold survive the round trip, and so do its scores. */
  @Test
  void aSustainedForecasterReadBackScoresBitForBitTheSame() throws Exception {
    ArTrainingSeries train = traffic.series(DAY0, 2 * 288);
    ArForecaster s = ArForecaster.fit(train, ArParameters.DEFAULTS).calibrated(new ThresholdMethod.Quantile(0.99),
        train);
    ArForecaster back = ArForecaster.fromJson(s.toJson());
    assertThat(back.sustain()).isEqualTo(ArParameters.DEFAULT_SUSTAIN);
    assertThat(back.sustainedThreshold()).isEqualTo(s.sustainedThreshold())
        .isGreaterThanOrEqualTo(ArForecaster.MIN_SUSTAINED_THRESHOLD);
    JsonShape shape = JSON.readValue(s.toJson(), JsonShape.class);
    assertThat(shape.sustain).isEqualTo(10);
    assertThat(shape.sustained_threshold).isEqualTo(s.sustainedThreshold());
    ArState a = s.newState();
    ArState b = back.newState();
    for (int t = 0; t < 288; t++) {
      long start = DAY0 + 2 * DAY + t * 300_000_000L;
      float[] v = traffic.next(start);
      if (t >= 100 && t < 120) v[0] *= 1.5f;
      assertThat(b.update(start, v)).isEqualTo(a.update(start, v));
    }
  }

  /** A champion published before the quorum (format 1) keeps scoring as it did: by its largest z. */
  @Test
  void aFormatOneFileIsReadWithQuorumOne() throws Exception {
    ArTrainingSeries train = traffic.series(DAY0, 2 * 288);
    ArForecaster fitted = ArForecaster.fit(train, new ArParameters(2, true, 2)).calibrated(
        new ThresholdMethod.Quantile(0.99), train);
    ObjectNode tree = (ObjectNode) JSON.readTree(fitted.toJson());
    tree.put("witness", "any"); // the quorum alone, as before the witness rule (ArStateTest covers the rule)
    ArForecaster two = ArForecaster.fromJson(tree.toString());
    tree.put("format", 1);
    tree.remove("quorum");
    tree.remove("sustain");
    tree.remove("witness");
    ArForecaster old = ArForecaster.fromJson(tree.toString());
    assertThat(old.quorum()).isEqualTo(1);
    assertThat(two.quorum()).isEqualTo(2);
    ArState a = old.newState();
    ArState b = two.newState();
    boolean differed = false;
    for (int t = 0; t < 288; t++) {
      long start = DAY0 + 2 * DAY + t * 300_000_000L;
      float[] v = traffic.next(start);
      ArScore one = a.update(start, v);
      ArScore quorum = b.update(start, v);
      assertThat(one.score()).isEqualTo(one.topZ().length == 0 ? 0 : one.topZ()[0]);
      assertThat(quorum.score()).isEqualTo(quorum.topZ().length < 2 ? 0
          : Math.sqrt(quorum.topZ()[0] * quorum.topZ()[1]));
      differed |= one.score() != quorum.score();
    }
    assertThat(differed).isTrue();
    assertThat(JSON.readTree(old.toJson()).get("format").asInt()).isEqualTo(ArForecaster.FORMAT); // today's layout
    assertThat(JSON.readTree(old.toJson()).get("witness").asText()).isEqualTo("any"); // and scoring as it did
  }

  /** A champion published before the sustained score (format 2) keeps scoring as it did: by its instant score. */
  @Test
  void aFormatTwoFileIsReadWithoutSustainedScore() throws Exception {
    ArTrainingSeries train = traffic.series(DAY0, 2 * 288);
    ArForecaster now = ArForecaster.fit(train, ArParameters.DEFAULTS).calibrated(new ThresholdMethod.Quantile(0.99),
        train);
    ObjectNode tree = (ObjectNode) JSON.readTree(now.toJson());
    tree.put("format", 2);
    tree.remove("sustain");
    tree.remove("sustained_threshold");
    tree.remove("witness");
    ArForecaster old = ArForecaster.fromJson(tree.toString());
    assertThat(old.sustain()).isZero();
    assertThat(old.sustainedThreshold()).isNaN();
    assertThat(old.memoryWindows()).isEqualTo(now.memoryWindows() - (ArParameters.DEFAULT_SUSTAIN - 1));
    ArState a = old.newState();
    for (int t = 0; t < 288; t++) {
      long start = DAY0 + 2 * DAY + t * 300_000_000L;
      ArScore score = a.update(start, traffic.next(start));
      assertThat(score.score()).isEqualTo(score.instant());
      assertThat(score.sustained()).isZero();
      assertThat(score.sustainedSeries()).isEmpty();
    }
    tree.put("sustain", 10);
    assertThatThrownBy(() -> ArForecaster.fromJson(tree.toString())).hasMessageContaining(
        "format 2 has no sustained score; it came with format 3");
  }

  /** The header fields an operator reads, as a plain reader sees them. */
  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
  static final class JsonShape {
    public int format;
    public int window_seconds;
    public boolean seasonal;
    public String witness;
    public int quorum;
    public int sustain;
    public Double sustained_threshold;
  }

  @Test
  void anUncalibratedForecasterHasNoThresholdFields() throws Exception {
    ArForecaster plain = ArForecaster.fit(traffic.series(DAY0, 288), ArParameters.DEFAULTS);
    ObjectNode tree = (ObjectNode) JSON.readTree(plain.toJson());
    assertThat(tree.has("threshold")).isFalse();
    assertThat(tree.has("threshold_method")).isFalse();
    assertThat(ArForecaster.fromJson(plain.toJson()).isCalibrated()).isFalse();
  }

  @Test
  void invalidFilesAreRefusedSayingWhat() {
    refused(t -> t.put("format", 8), "format 8 is not an AR forecaster layout this code reads (1 to 7)");
    refused(t -> t.put("format", 6).put("new_ports_threshold", 4.0).put("service_ports", "53"),
        "format 6 has no new-ports rule");
    refused(t -> t.put("new_ports_threshold", 4.0), "new_ports_threshold and service_ports come together");
    refused(t -> t.put("new_ports_threshold", 0.0).put("service_ports", "53"), "new_ports_threshold must be finite");
    refused(t -> t.put("new_ports_threshold", 4.0).put("service_ports", "53, 80-22"), "a range that runs backwards");
    refused(t -> t.put("new_ports_threshold", 4.0).put("service_ports", "53, www"), "must list ports and ranges");
    refused(t -> t.put("new_ports_threshold", 4.0).put("service_ports", "53, 40000"),
        "must hold ports 0..32767 (below the ephemeral range), got 40000");
    refused(t -> t.put("new_ports_threshold", 4.0).put("service_ports", "80, 53"), "must be strictly increasing");
    refused(t -> t.put("format", 5).put("pair_rate_threshold", 2.0), "format 5 has no pair-rate rule");
    refused(t -> t.put("pair_rate_threshold", 0.0), "pair_rate_threshold must be finite and > 0");
    refused(t -> t.put("format", 4).put("dst_rate_threshold", 2.0), "format 4 has no destination-rate rule");
    refused(t -> t.put("dst_rate_threshold", -1.0), "dst_rate_threshold must be finite and > 0");
    refused(t -> {
      t.remove("threshold");
      t.remove("threshold_method");
      t.remove("sustained_threshold");
      t.put("dst_rate_threshold", 2.0);
    }, "dst_rate_threshold must be finite and > 0, and only on a calibrated");
    refused(t -> t.put("format", 3), "format 3 has no witness rule; it came with format 4");
    refused(t -> t.remove("witness"), "witness must be \"any\" or \"breadth\" from format 4, got null");
    refused(t -> t.put("witness", "most"), "witness must be \"any\" or \"breadth\" from format 4, got most");
    refused(t -> t.remove("quorum"), "quorum is required from format 2");
    refused(t -> t.remove("sustain"), "sustain is required from format 3");
    refused(t -> t.put("sustain", 1), "AR sustain must be 0 (off) or 2 to 30 windows, got 1");
    refused(t -> t.put("sustain", 31), "AR sustain must be 0 (off) or 2 to 30 windows, got 31");
    refused(t -> t.put("sustained_threshold", 5.0), "sustained_threshold goes with threshold when sustain > 0");
    refused(t -> t.put("sustain", 10), "sustained_threshold goes with threshold when sustain > 0");
    refused(t -> t.put("format", 1), "format 1 has no quorum");
    refused(t -> t.put("quorum", 0), "AR quorum must be 1 to 3");
    refused(t -> t.put("quorum", 4), "AR quorum must be 1 to 3");
    refused(t -> t.put("colour", "red"), "unknown field \"colour\"");
    refused(t -> t.remove("series"), "series must list at least one series");
    refused(t -> t.put("order", 5), "AR order must be 1 to 3");
    refused(t -> t.put("bucket_seconds", 1000), "bucket_seconds must be a multiple of window_seconds (300)");
    refused(t -> t.put("train_from", "yesterday"), "train_from must be an ISO-8601 UTC instant");
    refused(t -> t.put("train_to", "2024-04-01T00:00:00Z"), "must be before train_to");
    refused(t -> t.remove("threshold_method"), "threshold and threshold_method go together");
    refused(t -> t.put("threshold", -1.0), "threshold must be finite and > 0");
    refused(t -> series(t, 0).put("scale", 0.0), "series \"total pps\" has scale 0.0");
    refused(t -> series(t, 1).putArray("coefficients").add(0.9).add(0.5).add(0.0),
        "series \"total flows/s\": the sum of |coefficients| is 1.4");
    refused(t -> series(t, 1).putArray("coefficients").add(0.5), "has 1 coefficients, expected order 3");
    refused(t -> series(t, 2).putArray("profile").add(1.0), "has 1 profile values, expected 48");
    refused(t -> series(t, 2).put("name", "total pps"), "series \"total pps\" appears twice");
    refused(t -> t.put("seasonal", false), "a flat profile (seasonal false) has one bucket of 86400 s");
  }

  @Test
  void aMissingFileIsAnErrorNamingIt(@TempDir Path dir) {
    assertThatThrownBy(() -> ArForecaster.read(dir)).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(dir.resolve(ArForecaster.FILE_NAME).toString());
  }

  private static ObjectNode series(ObjectNode tree, int i) {
    return (ObjectNode) ((ArrayNode) tree.get("series")).get(i);
  }

  private static void refused(Consumer<ObjectNode> edit, String message) {
    ObjectNode tree;
    try {
      tree = (ObjectNode) JSON.readTree(f.toJson());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    edit.accept(tree);
    assertThatThrownBy(() -> ArForecaster.fromJson(tree.toString())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid AR forecaster").hasMessageContaining(message);
  }
}
