package io.kaminari.tools.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.testing.KaminariJar;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.Capture;
import io.kaminari.tools.generate.CaptureMix;
import io.kaminari.tools.generate.FileFlowSink;
import io.kaminari.tools.generate.GenerationResult;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.Label;
import io.kaminari.tools.generate.LabelWriter;
import io.kaminari.tools.generate.TrafficGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The harness through its fixed CLI, {@code java -jar target/kaminari.jar evaluate ...}, in a JVM of its own (its
 * private warehouse needs its own Spark session; this suite's JVM already holds the shared test session).
 *
 * <p>Floors asserted, and why:
 * <ul>
 *   <li>Baseline, both datasets: every labelled event detected (event recall 1), precision >= 0.8, per-window recall
 *       >= 0.9 on the generator data and >= 0.75 on the mix, whose third copy of the capture straddles a minute
 *       boundary on purpose: its second window holds 7 of the 7,665 records, below any rate threshold (it stays
 *       labelled because the label rule is "attack_flows > 0"). Each attack puts one destination at 10x-100x the
 *       busiest benign destination's flows/s of the training range (generator: 10-20 attack flows/s vs about 0.2/s;
 *       capture: 7,658 records in its first second), so anything less is a bug in the statistics, the calibration or
 *       the window mapping, not a hard case. Precision is left 0.2 of room
 *       because a benign destination may exceed its training maximum x 1.2 on another day.
 *   <li>Autoencoder, generator data: ROC AUC of the window scores >= 0.9, i.e. attack windows rank above nearly all
 *       quiet windows (measured 1.000 here). No floor on its recall at its own threshold: with 72 validation windows,
 *       too few for the 0.999 quantile, the published threshold is the largest score of the 720 training windows
 *       (MODEL_CARD.md), so one odd training window sets it; measured 0 of 4 events here (threshold 8.78, attacks
 *       5.1-7.0, quiet windows at most 3.8; docs/evaluation.md). A floor there would assert the threshold rule,
 *       which the harness measures, not owns; DetectionIT asserts detection on the demo's 5-minute data.
 *   <li>Autoencoder, mix: event recall >= 2/3 and ROC AUC >= 0.8 (measured 3/3 and 0.843; 3/3 and 0.841 on an earlier
 *       conversion of the capture that had lost two thirds of its records, where the three full windows scored
 *       1.08-1.22x the threshold; the tail window ranks low and costs the AUC 0.16 on its own).
 * </ul>
 */
class EvaluateIT {
  static final String HEADER = "window_start,scope,scope_key,score,threshold,is_anomaly,model_version,explanation";
  static final ObjectMapper JSON = new ObjectMapper();

  static Path dir(String name) throws IOException {
    Files.createDirectories(Path.of("target"));
    return Files.createTempDirectory(Path.of("target").toAbsolutePath(), name);
  }

  @Test
  void generatorDataWithKnownLabels() throws Exception {
    Path base = dir("evaluate-it-gen-");
    Instant start = Instant.parse("2024-05-01T12:00:00Z");
    Instant testFrom = Instant.parse("2024-05-02T00:00:00Z");
    Instant testTo = Instant.parse("2024-05-02T12:00:00Z");
    GeneratorConfig gen = GeneratorConfig.of(42, start, Duration.ofHours(24), 60_000).withAttacks(
        AttackSpec.synFlood(testFrom.plus(Duration.ofHours(2)), Duration.ofMinutes(5), "203.0.113.10", 20),
        AttackSpec.udpReflection(testFrom.plus(Duration.ofHours(5)), Duration.ofMinutes(5), "203.0.113.20", 53, 15),
        AttackSpec.udpReflection(testFrom.plus(Duration.ofHours(8)), Duration.ofMinutes(5), "203.0.113.30", 123, 10),
        AttackSpec.portScan(testFrom.plus(Duration.ofHours(10)), Duration.ofMinutes(5), "203.0.113.40", 20));
    Path flows = base.resolve("flows");
    GenerationResult result;
    try (FileFlowSink sink = new FileFlowSink(flows, true)) {
      result = new TrafficGenerator(gen).run(sink);
    }
    // The labels sit next to the flows on purpose: the harness must not land them.
    Path labels = flows.resolve("labels.csv");
    LabelWriter.write(labels, LabelWriter.labels(result, Duration.ofMinutes(1)));
    Path out = base.resolve("out");

    evaluate(flows, labels, "2024-05-01T12:00:00Z", "2024-05-02T00:00:00Z", testFrom, testTo, out);

    List<String> scores = checkFiles(out, testFrom, testTo, 60);
    assertThat(scores).hasSize(720);
    JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
    assertThat(m.at("/test/labelled_attack_windows").asInt()).isEqualTo(20);
    assertThat(m.at("/test/events").asInt()).isEqualTo(4);
    assertThat(m.at("/train/labelled_attack_windows").asInt()).isZero();
    assertFloors(m, 0.9, 0.9, 0.0);
  }

  @Test
  void realCaptureMixedIntoBenignBackground() throws Exception {
    Path base = dir("evaluate-it-mix-");
    Instant testFrom = Instant.parse("2024-05-02T00:00:00Z");
    Instant testTo = Instant.parse("2024-05-02T06:00:00Z");
    Path flows = base.resolve("flows");
    // Three copies of the real SYN flood, the last straddling a minute boundary (a two-window event); the victim keeps
    // its captured address, which no benign flow uses.
    CaptureMix mix = new CaptureMix(
        GeneratorConfig.of(7, Instant.parse("2024-05-01T18:00:00Z"), Duration.ofHours(12), 24_000),
        Stream.of("2024-05-02T01:00:10Z", "2024-05-02T03:00:40Z", "2024-05-02T04:59:55Z")
            .map(t -> new CaptureMix.Insertion(Capture.DDOSGRID_SYN_FLOOD, Instant.parse(t), null)).toList());
    CaptureMix.Result result;
    try (FileFlowSink sink = new FileFlowSink(flows, true)) {
      result = mix.run(sink, Duration.ofMinutes(1));
    }
    assertThat(result.captureRecords()).isEqualTo(3 * 7_665);
    assertThat(result.labels()).extracting(Label::windowStart).doesNotHaveDuplicates().hasSize(4);
    Path labels = base.resolve("labels.csv");
    LabelWriter.write(labels, result.labels());
    Path out = base.resolve("out");

    evaluate(flows, labels, "2024-05-01T18:00:00Z", "2024-05-02T00:00:00Z", testFrom, testTo, out);

    assertThat(checkFiles(out, testFrom, testTo, 60)).hasSize(360);
    JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
    assertThat(m.at("/test/events").asInt()).isEqualTo(3);
    assertThat(m.at("/test/labelled_attack_windows").asInt()).isEqualTo(4);
    assertFloors(m, 0.75, 0.8, 2.0 / 3);
  }

  static void evaluate(Path flows, Path labels, String trainFrom, String trainTo, Instant testFrom, Instant testTo,
      Path out) throws Exception {
    Files.createDirectories(out);
    KaminariJar.Run run = KaminariJar.run(out.resolveSibling("evaluate.log"), Duration.ofMinutes(6), List.of("-Xmx2g"),
        "evaluate", "--flows", flows.toString(), "--labels", labels.toString(), "--window", "1m", "--scope", "global",
        "--train-from", trainFrom, "--train-to", trainTo, "--test-from", testFrom.toString(),
        "--test-to", testTo.toString(), "--out", out.toString());
    List<String> all = run.shown().lines().toList();
    String tail = String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
    assertThat(run.exit()).as("exit code; output tail:%n%s", tail).isZero();
    System.out.println(tail);
  }

  /** The fixed files: headers, one global row per test window in order for both detectors; returns scores.csv rows. */
  static List<String> checkFiles(Path out, Instant from, Instant to, int windowSeconds) throws IOException {
    for (String f : EvaluateJob.FILES) assertThat(out.resolve(f)).isNotEmptyFile();
    List<String> ae = Files.readAllLines(out.resolve("scores.csv"));
    List<String> base = Files.readAllLines(out.resolve("baseline_scores.csv"));
    List<String> aeOnly = Files.readAllLines(out.resolve("ae_scores.csv"));
    List<String> arOnly = Files.readAllLines(out.resolve("ar_scores.csv"));
    // Every file has the fixed header; under global every detector scores every window (the AR too: the global
    // version carries a forecaster).
    for (List<String> rows : List.of(ae, base, aeOnly, arOnly)) assertThat(rows.get(0)).isEqualTo(HEADER);
    for (List<String> rows : List.of(ae, base, aeOnly, arOnly)) {
      Instant expected = from;
      for (String row : rows.subList(1, rows.size())) {
        String[] f = Labels.split(row).toArray(new String[0]);
        assertThat(f).hasSize(8);
        assertThat(Instant.parse(f[0])).isEqualTo(expected);
        assertThat(f[1]).isEqualTo("global");
        assertThat(f[2]).isEqualTo("global");
        assertThat(Double.parseDouble(f[3])).isFinite();
        assertThat(f[5]).isIn("true", "false");
        assertThat(Boolean.parseBoolean(f[5])).isEqualTo(Double.parseDouble(f[3]) > Double.parseDouble(f[4]));
        expected = expected.plusSeconds(windowSeconds);
      }
      assertThat(expected).isEqualTo(to);
    }
    assertThat(ae.get(1)).contains(",eval-ae/1,");
    assertThat(base.get(1)).contains(",baseline-fastnetmon,");
    String html = Files.readString(out.resolve("report.html"));
    assertThat(html).contains("<svg").contains("labelled attack").contains("Production verdict")
        .contains("Autoencoder").contains("AR forecaster").contains("Baseline");
    // The production verdict is the fused one: threshold 1.0, and a window is flagged when a detector fires.
    for (int i = 1; i < ae.size(); i++) {
      String[] prod = Labels.split(ae.get(i)).toArray(new String[0]);
      String[] a = Labels.split(aeOnly.get(i)).toArray(new String[0]);
      String[] r = Labels.split(arOnly.get(i)).toArray(new String[0]);
      assertThat(Double.parseDouble(prod[4])).isEqualTo(1.0);
      assertThat(Boolean.parseBoolean(prod[5])).as(ae.get(i))
          .isEqualTo(Boolean.parseBoolean(a[5]) || Boolean.parseBoolean(r[5]));
    }
    return ae.subList(1, ae.size());
  }

  static void assertFloors(JsonNode m, double baselineRecall, double aeAuc, double aeEventRecall) {
    for (String d : List.of("production", "autoencoder", "ar", "baseline")) {
      for (String k : List.of("precision", "recall", "f1", "true_positives", "false_positives", "false_negatives",
          "event_recall", "events_detected", "events", "mean_detection_delay_windows", "max_detection_delay_windows",
          "false_alarms_per_day", "roc_auc", "per_event", "model_version")) {
        assertThat(m.get(d).has(k)).as(d + "." + k).isTrue();
      }
    }
    JsonNode b = m.get("baseline");
    assertThat(b.get("event_recall").asDouble()).as("baseline event recall").isEqualTo(1.0);
    assertThat(b.get("recall").asDouble()).as("baseline window recall").isGreaterThanOrEqualTo(baselineRecall);
    assertThat(b.get("precision").asDouble()).as("baseline window precision").isGreaterThanOrEqualTo(0.8);
    assertThat(m.at("/autoencoder/roc_auc").asDouble()).as("autoencoder ROC AUC").isGreaterThanOrEqualTo(aeAuc);
    assertThat(m.at("/autoencoder/event_recall").asDouble()).as("autoencoder event recall")
        .isGreaterThanOrEqualTo(aeEventRecall);
  }
}
