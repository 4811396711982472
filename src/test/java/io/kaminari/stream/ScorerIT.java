package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import io.kaminari.tools.generate.TrafficGenerator;
import static io.kaminari.stream.ScorerFixture.STREAM_START;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Settings;
import io.kaminari.flow.Flow;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.kafka.EmbeddedKafka;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorer against a real in-process Kafka broker, a real registry and generator traffic with an injected attack. */
class ScorerIT {
  static final Duration STREAM = Duration.ofMinutes(30);
  static final Instant ATTACK = STREAM_START.plus(Duration.ofMinutes(15));
  static final GeneratorConfig TRAFFIC = ScorerFixture.benign(22, STREAM_START, STREAM)
      .withAttacks(AttackSpec.synFlood(ATTACK, Duration.ofMinutes(3), "203.0.113.10", 20));
  static final int CLOSED_WINDOWS = 30;
  /** The default lateness, which the tests that do not set one run with. */
  static final Duration DEFAULT_LATENESS = Settings.SCORER_ALLOWED_LATENESS.parsedDefault();
  /** A flush flow this late on every partition moves the watermark (default lateness) to minute 30: 30 windows. */
  static final Instant FLUSH = STREAM_START.plus(STREAM).plus(DEFAULT_LATENESS);
  /**
   * The parity test's lateness, above the generator's worst disorder (a long flow is exported at the 60 s active
   * timeout plus 1-4 s of export delay, so its start can lie up to ~65 s behind the newest flow), with room to spare:
   * a lateness below that makes the stream rightly count such a flow late, and the pure twin, which has no lateness,
   * keeps it. Its flush moves the watermark to minute 30 as well.
   */
  static final Duration PARITY_LATENESS = Duration.ofMinutes(2);
  static final Instant PARITY_FLUSH = STREAM_START.plus(STREAM).plus(PARITY_LATENESS);

  @TempDir static Path tmp;
  static EmbeddedKafka kafka;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void broker() {
    kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  void flagsTheAttackWindowExplainsItAndDeadLettersMalformedInput() throws Exception {
    Path home = tmp.resolve("home1");
    kafka.createTopics(2, "flows1");
    kafka.createTopics(1, "scores1", "dlq1");
    var config = ScorerFixture.config(home, kafka.bootstrapServers(), "flows1", "scores1", "dlq1")
        .with(Settings.SCORER_ALLOWED_LATENESS, PARITY_LATENESS.toSeconds() + "s")
        .with(Settings.SCORER_IDLE_TIMEOUT, ScorerFixture.END_OF_INPUT_IDLE);
    try (Scorer scorer = Scorer.start(config)) {
      // Liveness answers at once; readiness waits for a model, which is not published yet.
      assertThat(get(scorer, "/healthz").statusCode()).isEqualTo(200);
      Thread.sleep(1500);
      assertThat(get(scorer, "/readyz").statusCode()).isEqualTo(503);
      ModelRegistry registry = ScorerFixture.registry(home.resolve("models"));
      int version = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
      ScorerFixture.produce(kafka.bootstrapServers(), "flows1", TRAFFIC);
      ScorerFixture.sendRaw(kafka.bootstrapServers(), "flows1", "this is not json", "{\"ip_src\":\"192.0.2.1\",\"packets\":1,\"bytes\":60}");
      ScorerFixture.flush(kafka.bootstrapServers(), "flows1", 2, PARITY_FLUSH);

      List<ScoredWindow> out = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores1",
          Duration.ofSeconds(90), atLeast(CLOSED_WINDOWS)));
      assertExactlyOnce(out, CLOSED_WINDOWS);
      for (ScoredWindow w : out) {
        long minute = Duration.between(STREAM_START, w.windowStart()).toMinutes();
        assertThat(w.modelVersion()).isEqualTo(version);
        assertThat(w.windowEnd()).isEqualTo(w.windowStart().plusSeconds(60));
        if (minute >= 15 && minute < 18) {
          assertThat(w.isAnomaly()).as("attack window %s score %s", w.windowStart(), w.score()).isTrue();
          assertThat(w.topFeatures().get(0).feature()).startsWith("dst_port 80");
          assertThat(w.topFeatures().get(0).share()).isGreaterThan(0.3);
        } else if (minute < 14 || minute > 18) {
          assertThat(w.isAnomaly()).as("quiet window %s score %s > %s", w.windowStart(), w.score(), w.threshold())
              .isFalse();
        }
      }

      // Parity: the pure function over the same flows gives the same windows and scores.
      try (ScoringModel model = ScoringModel.load(registry.load(ModelRef.version(ScorerFixture.MODEL, version),
          home.resolve("parity")))) {
        List<Flow> flows = TrafficGenerator.parsedFlows(TRAFFIC);
        List<ScoredWindow> batch = ScoredWindow.scoreFlows(flows, model).subList(0, CLOSED_WINDOWS);
        for (int i = 0; i < CLOSED_WINDOWS; i++) {
          assertThat(out.get(i).key()).isEqualTo(batch.get(i).key());
          assertThat(out.get(i).flows()).isEqualTo(batch.get(i).flows());
          assertThat(out.get(i).score()).isCloseTo(batch.get(i).score(), org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
      }

      List<DeadLetter> dead = ScorerFixture.readCommitted(kafka.bootstrapServers(), "dlq1", Duration.ofSeconds(10),
          l -> l.size() >= 2).stream().map(r -> DeadLetter.fromJson(r.value())).toList();
      assertThat(dead).hasSize(2);
      assertThat(dead).allSatisfy(d -> {
        assertThat(d.topic()).isEqualTo("flows1");
        assertThat(d.reason()).isNotBlank();
        assertThat(d.offset()).isGreaterThanOrEqualTo(0);
      });
      assertThat(dead).extracting(DeadLetter::raw).contains("this is not json");
      assertThat(dead.stream().filter(d -> d.raw().contains("192.0.2.1")).findFirst().orElseThrow().reason())
          .contains("ip_dst");

      assertThat(get(scorer, "/readyz").statusCode()).isEqualTo(200);
      String metrics = get(scorer, "/metrics").body();
      assertThat(metrics).contains("kaminari_scorer_parse_errors_total 2")
          .contains("kaminari_scorer_model_version " + version)
          .contains("kaminari_scorer_close_to_commit_seconds_bucket{le=\"+Inf\"}")
          .containsPattern("kaminari_scorer_anomalies_total [1-9]");
      String api = get(scorer, "/api/scores?since=" + ATTACK + "&scope=global").body();
      assertThat(api).startsWith("[{\"window_start\":\"" + ATTACK + "\"").contains("\"is_anomaly\":true");

      // The dashboard, rendered by a real headless Chromium: the chart holds every scored window and the attack.
      String url = "http://127.0.0.1:" + scorer.httpPort() + "/";
      Path shot = Path.of("target", "scorer-dashboard.png").toAbsolutePath();
      chromium(tmp.resolve("chrome1"), "--screenshot=" + shot, "--window-size=1280,1000", url);
      assertThat(shot).isNotEmptyFile();
      String dom = chromium(tmp.resolve("chrome2"), "--dump-dom", url);
      assertThat(dom).contains("data-scope=\"global\" data-windows=\"" + CLOSED_WINDOWS + "\"")
          .contains("class=\"anomaly\" data-window=\"" + ATTACK + "\"")
          .contains("model version <b>" + version + "</b>")
          .containsPattern("<td>dst_port 80 [a-z_]+ \\(\\d+%\\)");
    }
  }

  @Test
  void noWindowLostOrDoubledAcrossAScorerKillAndABrokerRestart() throws Exception {
    Path home = tmp.resolve("home2");
    kafka.createTopics(2, "flows2");
    kafka.createTopics(1, "scores2", "dlq2");
    var config = ScorerFixture.config(home, kafka.bootstrapServers(), "flows2", "scores2", "dlq2")
        .with(Settings.SCORER_IDLE_TIMEOUT, ScorerFixture.END_OF_INPUT_IDLE);
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    Instant mid = STREAM_START.plus(Duration.ofMinutes(12));
    GeneratorConfig first = ScorerFixture.benign(22, STREAM_START, Duration.ofMinutes(12));
    GeneratorConfig second = ScorerFixture.benign(23, mid, Duration.ofMinutes(10));
    GeneratorConfig third = ScorerFixture.benign(24, mid.plus(Duration.ofMinutes(10)), Duration.ofMinutes(8));

    Scorer a = Scorer.start(config);
    ScorerFixture.produce(kafka.bootstrapServers(), "flows2", first);
    ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores2", Duration.ofSeconds(60), atLeast(5));
    a.close(); // killed with open windows and possibly an open transaction
    ScorerFixture.produce(kafka.bootstrapServers(), "flows2", second);
    try (Scorer b = Scorer.start(config)) {
      ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores2", Duration.ofSeconds(60), atLeast(15));
      kafka.restart();
      ScorerFixture.produce(kafka.bootstrapServers(), "flows2", third);
      ScorerFixture.flush(kafka.bootstrapServers(), "flows2", 2, FLUSH);
      List<ScoredWindow> out = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores2",
          Duration.ofSeconds(90), atLeast(CLOSED_WINDOWS)));
      assertExactlyOnce(out, CLOSED_WINDOWS);
      assertThat(b.metrics().render()).containsPattern("kaminari_scorer_restores_total [1-9]");
    }
  }

  @Test
  void aPartitionThatWentQuietStopsHoldingTheWatermarkBackAfterTheIdleTimeout() throws Exception {
    Path home = tmp.resolve("home3");
    kafka.createTopics(2, "flows3");
    kafka.createTopics(1, "scores3", "dlq3");
    var config = ScorerFixture.config(home, kafka.bootstrapServers(), "flows3", "scores3", "dlq3")
        .with(io.kaminari.common.Settings.SCORER_IDLE_TIMEOUT, "2s");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    // 12 minutes on both partitions, then partition 0 alone moves on to minute 12 + the lateness; partition 1 goes
    // quiet with its max event time before minute 12, so without idleness the watermark would stay below minute 11
    // (10 windows). Produced before the scorer starts, so that no partition is caught up before it has delivered its
    // flows.
    ScorerFixture.produce(kafka.bootstrapServers(), "flows3",
        ScorerFixture.benign(25, STREAM_START, Duration.ofMinutes(12)));
    ScorerFixture.flowAt(kafka.bootstrapServers(), "flows3", 0,
        STREAM_START.plus(Duration.ofMinutes(12)).plus(DEFAULT_LATENESS));
    try (Scorer scorer = Scorer.start(config)) {
      List<ScoredWindow> out = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores3",
          Duration.ofSeconds(60), atLeast(12)));
      assertExactlyOnce(out, 12);
      assertThat(scorer.metrics().render()).contains("kaminari_scorer_late_records_total 0");
      // Both partitions are read to their end and quiet by now: both idle (the gauge refreshes once a second).
      awaitMetric(scorer, "kaminari_scorer_idle_partitions 2");

      // Partition 1 delivers again: it rejoins, and its flow for a window closed meanwhile is counted as late.
      ScorerFixture.flowAt(kafka.bootstrapServers(), "flows3", 1, STREAM_START.plus(Duration.ofMinutes(5)));
      awaitMetric(scorer, "kaminari_scorer_late_records_total 1");
    }
  }

  static void awaitMetric(Scorer scorer, String line) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!scorer.metrics().render().contains(line) && System.nanoTime() < deadline) Thread.sleep(100);
    assertThat(scorer.metrics().render()).contains(line);
  }

  /** Global windows from the stream start, contiguous, each exactly once, and nothing else. */
  static void assertExactlyOnce(List<ScoredWindow> out, int windows) {
    Set<String> keys = new HashSet<>();
    for (ScoredWindow w : out) assertThat(keys.add(w.key())).as("duplicate %s", w.key()).isTrue();
    assertThat(out).hasSize(windows);
    for (int i = 0; i < windows; i++) {
      assertThat(out.get(i).windowStart()).isEqualTo(STREAM_START.plusSeconds(60L * i));
      assertThat(out.get(i).flows()).isPositive();
    }
  }

  static Predicate<List<ConsumerRecord<byte[], byte[]>>> atLeast(int n) {
    return l -> l.size() >= n;
  }

  static String chromium(Path profile, String... args) throws Exception {
    return io.kaminari.testing.Chromium.run(profile, args);
  }

  static HttpResponse<String> get(Scorer scorer, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + scorer.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
