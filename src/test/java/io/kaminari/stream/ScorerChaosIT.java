package io.kaminari.stream;

import static io.kaminari.stream.ScorerFixture.STREAM_START;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.common.KaminariConfig;
import io.kaminari.flow.Flow;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming scorer under the input and the accidents of real operations (issue 16), each against a real broker:
 * a 3 MB record, a flow from 1970 and one from a month before, an exporter whose clock is 50 minutes ahead, partitions
 * added to the input topic, input deleted by retention before it was read, a second scorer of the same group, a loop
 * that cannot commit, two stalled HTTP clients, and a broker restart while traffic flows. Each test failed on the
 * scorer before the fixes it names; the HTTP server's slow clients, model-load retries, the per-record guard, the key
 * cap and the health rules have unit tests next to their classes.
 */
class ScorerChaosIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  /** Five minutes of traffic: one part of a test's stream. */
  static final Duration PART = Duration.ofMinutes(5);
  /** A flow this late moves the watermark (default lateness) past the first part's last window: 5 windows close. */
  static final Instant FLUSH_ONE = STREAM_START.plus(PART).plus(ScorerIT.DEFAULT_LATENESS);
  /** The same after two parts: 10 windows. */
  static final Instant FLUSH_TWO = STREAM_START.plus(PART.multipliedBy(2)).plus(ScorerIT.DEFAULT_LATENESS);

  @TempDir static Path tmp;
  static EmbeddedKafka kafka;

  @BeforeAll
  static void broker() {
    kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  /** Finding: a 3 MB non-JSON record wedged the scorer (its dead letter exceeded the producer's request size). */
  @Test
  void aHugeNonJsonRecordIsDeadLetteredAsABoundedExcerptAndTheScorerMovesOn() throws Exception {
    String in = "huge-in";
    createTopic(in, 1, Map.of("max.message.bytes", String.valueOf(8 << 20)));
    kafka.createTopics(1, "huge-out", "huge-dlq");
    Path home = tmp.resolve("huge");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    byte[] garbage = new byte[3 << 20];
    Arrays.fill(garbage, (byte) 'A');
    byte[] head = "<html>not json".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, garbage, 0, head.length);
    try (Scorer scorer = Scorer.start(config(home, in, "huge-out", "huge-dlq", Map.of()))) {
      send(in, 0, null, garbage);
      ScorerFixture.produce(kafka.bootstrapServers(), in, ScorerFixture.benign(41, STREAM_START, PART));
      ScorerFixture.flowAt(kafka.bootstrapServers(), in, 0, FLUSH_ONE);
      List<ScoredWindow> out = windows("huge-out", 5);
      ScorerIT.assertExactlyOnce(out, 5);
      List<JsonNode> dead = deadLetters("huge-dlq", 1);
      assertThat(dead).hasSize(1);
      JsonNode d = dead.get(0);
      assertThat(d.get("offset").asLong()).isZero();
      assertThat(d.get("reason").asText()).startsWith("malformed JSON");
      assertThat(d.get("raw").asText()).startsWith("<html>not json").hasSizeLessThanOrEqualTo(DeadLetter.MAX_RAW_CHARS);
      assertThat(d.get("size").asLong()).isEqualTo(garbage.length);
      assertThat(d.get("truncated").asBoolean()).isTrue();
      assertThat(scorer.metrics().render()).contains("kaminari_scorer_restores_total 1.0\n");
    }
  }

  /**
   * Finding: one flow stamped 1970, accepted as the first record, made the scorer close every window from 1970 to now
   * (OutOfMemoryError on the scoring thread) while /healthz said 200. Now either a parser's event-time policy
   * dead-letters it, or it is scored in its own window and the empty windows after it are skipped but a bounded few.
   */
  @Test
  void aFlowStampedIn1970DoesNotTakeTheScorerDown() throws Exception {
    kafka.createTopics(1, "old-in", "old-out", "old-dlq");
    Path home = tmp.resolve("old");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    try (Scorer scorer = Scorer.start(config(home, "old-in", "old-out", "old-dlq", Map.of()))) {
      ScorerFixture.flowAt(kafka.bootstrapServers(), "old-in", 0, Instant.parse("1970-01-02T00:00:00Z"));
      ScorerFixture.produce(kafka.bootstrapServers(), "old-in", ScorerFixture.benign(42, STREAM_START, PART));
      ScorerFixture.flowAt(kafka.bootstrapServers(), "old-in", 0, FLUSH_ONE);
      List<ScoredWindow> all = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "old-out",
          Duration.ofSeconds(60), l -> l.stream().filter(r -> current(r.value())).count() >= 5));
      List<ScoredWindow> current = all.stream().filter(w -> !w.windowStart().isBefore(STREAM_START)).toList();
      ScorerIT.assertExactlyOnce(current, 5);
      List<ScoredWindow> before = all.stream().filter(w -> w.windowStart().isBefore(STREAM_START)).toList();
      // The 1970 window and at most scorer.max-gap-fill (1 h) of empty windows after it, or nothing if dead-lettered.
      assertThat(before).hasSizeLessThanOrEqualTo(61);
      assertThat(status(scorer, "/healthz")).isEqualTo(200);
      String metrics = scorer.metrics().render();
      if (before.isEmpty()) {
        assertThat(deadLetters("old-dlq", 1)).hasSize(1);
      } else {
        assertThat(before.get(0).flows()).isEqualTo(1);
        assertThat(metric(metrics, "skipped_empty_windows_total")).isPositive();
      }
    }
  }

  /** Finding: empty windows between far-apart events were materialised one by one; now a gap is skipped. */
  @Test
  void theEmptyWindowsOfAMonthLongGapAreSkippedAfterOneHourAndCounted() throws Exception {
    kafka.createTopics(1, "gap-in", "gap-out", "gap-dlq");
    Path home = tmp.resolve("gap");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    Instant monthBefore = STREAM_START.minus(Duration.ofDays(30));
    try (Scorer scorer = Scorer.start(config(home, "gap-in", "gap-out", "gap-dlq", Map.of()))) {
      ScorerFixture.flowAt(kafka.bootstrapServers(), "gap-in", 0, monthBefore);
      ScorerFixture.produce(kafka.bootstrapServers(), "gap-in", ScorerFixture.benign(43, STREAM_START, PART));
      ScorerFixture.flowAt(kafka.bootstrapServers(), "gap-in", 0, FLUSH_ONE);
      List<ScoredWindow> all = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "gap-out",
          Duration.ofSeconds(60), l -> l.stream().filter(r -> current(r.value())).count() >= 5));
      List<ScoredWindow> before = all.stream().filter(w -> w.windowStart().isBefore(STREAM_START)).toList();
      // The month-old flow's window, then one hour of empty windows, then the stream: 30 days minus 61 skipped.
      assertThat(before).hasSize(61);
      assertThat(before.get(0).windowStart()).isEqualTo(monthBefore);
      assertThat(before.get(0).flows()).isEqualTo(1);
      assertThat(before.subList(1, 61)).allSatisfy(w -> assertThat(w.flows()).isZero());
      assertThat(before.get(60).windowStart()).isEqualTo(monthBefore.plus(Duration.ofMinutes(60)));
      ScorerIT.assertExactlyOnce(all.subList(61, all.size()), 5);
      assertThat(metric(scorer.metrics().render(), "skipped_empty_windows_total")).isEqualTo(30 * 24 * 60 - 61);
    }
  }

  /**
   * Finding: one flow stamped 50 minutes ahead (an exporter with a wrong clock) moved the single watermark, and every
   * current flow after it was dropped as late. Now no flow moves the watermark past its arrival (+ tolerance).
   *
   * <p>The lateness is 10 minutes here, so that no benign flow is late on its own: with the default 60 s, a generated
   * flow exported more than a minute after others of later windows is late or not depending on whether its window
   * closed before its poll batch was handled (windows close once per batch), so the count of the first window varied
   * with the machine's load. The point stands either way: without the cap, the ahead flow would move the watermark to
   * 40 minutes past the stream and make every flow of this test late.
   */
  @Test
  void anExporterFiftyMinutesAheadMakesNoOtherFlowLate() throws Exception {
    kafka.createTopics(1, "skew-in", "skew-out", "skew-dlq");
    Path home = tmp.resolve("skew");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    Instant ahead = STREAM_START.plus(Duration.ofMinutes(50));
    GeneratorConfig traffic = ScorerFixture.benign(44, STREAM_START, PART);
    Duration lateness = Duration.ofMinutes(10);
    try (Scorer scorer = Scorer.start(config(home, "skew-in", "skew-out", "skew-dlq",
        Map.of("scorer.allowed-lateness", "10m")))) {
      // Exported (arrived) at the stream start by an exporter whose clock is 50 minutes ahead.
      send("skew-in", 0, STREAM_START.toEpochMilli(), flow("192.0.2.250", ahead).getBytes(StandardCharsets.UTF_8));
      awaitMetric(scorer, "flows_in_total", 1); // read before the current flows, as when it arrives first
      ScorerFixture.produce(kafka.bootstrapServers(), "skew-in", traffic);
      ScorerFixture.flowAt(kafka.bootstrapServers(), "skew-in", 0,
          STREAM_START.plus(PART).plus(lateness)); // the watermark passes the fifth window's end
      List<ScoredWindow> out = windows("skew-out", 5);
      ScorerIT.assertExactlyOnce(out.subList(0, 5), 5);
      Map<Instant, Long> expected = flowsPerMinute(TrafficGenerator.parsedFlows(traffic));
      String metrics = scorer.metrics().render();
      for (ScoredWindow w : out.subList(0, 5)) {
        assertThat(w.flows()).as("flows of %s (late %d, dead letters %d, flows in %d)", w.windowStart(),
            metric(metrics, "late_records_total"), metric(metrics, "parse_errors_total"),
            metric(metrics, "flows_in_total")).isEqualTo(expected.get(w.windowStart()));
      }
      assertThat(metric(scorer.metrics().render(), "late_records_total")).isZero();

      // The flow itself still counts, in its own window, once the watermark gets there (unless a parser policy on
      // event time against arrival dead-lettered it).
      ScorerFixture.flowAt(kafka.bootstrapServers(), "skew-in", 0, ahead.plus(lateness).plus(Duration.ofMinutes(1)));
      List<ScoredWindow> later = windows("skew-out", 51);
      assertThat(later).hasSize(51);
      assertThat(later.stream().map(ScoredWindow::key).distinct()).hasSize(51);
      ScoredWindow own = later.get(50);
      assertThat(own.windowStart()).isEqualTo(ahead);
      if (own.flows() == 0) {
        assertThat(deadLetters("skew-dlq", 1)).hasSize(1);
      } else {
        assertThat(own.flows()).isEqualTo(1);
        assertThat(metric(scorer.metrics().render(), "exporters_ahead")).isEqualTo(1);
        assertThat(metric(scorer.metrics().render(), "flows_ahead_of_arrival_total")).isEqualTo(1);
      }
      assertThat(metric(scorer.metrics().render(), "late_records_total")).isZero();
    }
  }

  /**
   * Finding (issue 16): the scorer must track event time per exporter. An exporter three minutes behind (a clock
   * off, or a slow export), beyond the allowed lateness, had every flow dropped as late; the windows now wait for it,
   * up to {@code scorer.max-exporter-lag}, in both scorers. With the waiting turned off its flows are lost as before.
   */
  @Test
  void anExporterThreeMinutesBehindLosesNoFlowBecauseTheWindowsWaitForIt() throws Exception {
    Path home = tmp.resolve("behind");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    for (String lag : List.of("5m", "0s")) {
      for (String mode : List.of("single", "scale-out")) {
        String run = "behind-" + mode + "-" + lag;
        kafka.createTopics(1, run + "-in", run + "-out", run + "-dlq");
        try (Scorer scorer = Scorer.start(config(home, run + "-in", run + "-out", run + "-dlq",
            Map.of("scorer.allowed-lateness", "90s", "scorer.max-exporter-lag", lag, "scorer.mode", mode)))) {
          // In two halves, so that the scale-out scorer's first stage has flushed the first half's windows (those
          // the watermark passed: to 23:59 when it waits, to 00:02 when not) before it reads the second.
          sendBehind(run + "-in", 0, 300);
          windows(run + "-out", lag.equals("0s") ? 6 : 3);
          sendBehind(run + "-in", 300, 600);
          String late = "late_records_total";
          if (lag.equals("0s")) {
            if (mode.equals("single")) {
              awaitMetric(scorer, late, 599); // every flow but its first: each decided as it is read
            } else {
              // The first stage decides per flush, not per flow: at least its 60 flows of 00:02 in the second half
              long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              while (metric(scorer.metrics().render(), late) < 60 && System.nanoTime() < deadline) Thread.sleep(50);
              assertThat(metric(scorer.metrics().render(), late)).as(run).isGreaterThanOrEqualTo(60);
            }
            continue;
          }
          // Watermark = 00:09:59 - 3 min (the lag) - 90 s: the windows from 23:57 (its first flows) to 00:04 close.
          List<ScoredWindow> out = windows(run + "-out", 8);
          List<Instant> starts = new ArrayList<>();
          for (int m = -3; m <= 4; m++) starts.add(STREAM_START.plus(Duration.ofMinutes(m)));
          assertThat(out).extracting(ScoredWindow::windowStart).as("%s: each window once, in order", run)
              .startsWith(starts.toArray(Instant[]::new));
          for (ScoredWindow w : out.subList(0, 8)) {
            boolean both = !w.windowStart().isBefore(STREAM_START);
            assertThat(w.flows()).as("%s: flows of %s", run, w.windowStart()).isEqualTo(both ? 120 : 60);
          }
          assertThat(metric(scorer.metrics().render(), late)).as(run).isZero();
          awaitMetric(scorer, "exporter_hold_back_seconds", 180); // the gauge is set about once a second
        }
      }
    }
  }

  /**
   * Sends seconds {@code from} to {@code to} (exclusive) of the stream start: a flow a second from an exporter with a
   * right clock and one from an exporter three minutes behind, each arriving a second after it started.
   */
  static void sendBehind(String topic, int from, int to) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(kafka.bootstrapServers()));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = from; i < to; i++) {
        Instant now = STREAM_START.plusSeconds(i);
        long arrival = now.plusSeconds(1).toEpochMilli();
        producer.send(new ProducerRecord<>(topic, 0, arrival, null,
            flow("192.0.2.1", now).getBytes(StandardCharsets.UTF_8)));
        producer.send(new ProducerRecord<>(topic, 0, arrival, null,
            flow("192.0.2.2", now.minus(Duration.ofMinutes(3))).getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  /** Finding: partitions added to the input topic were never read. */
  @Test
  void partitionsAddedToTheInputTopicAreRead() throws Exception {
    kafka.createTopics(1, "grow-in", "grow-out", "grow-dlq");
    Path home = tmp.resolve("grow");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    GeneratorConfig first = ScorerFixture.benign(45, STREAM_START, PART);
    GeneratorConfig then = ScorerFixture.benign(46, STREAM_START.plus(PART), PART);
    try (Scorer scorer = Scorer.start(config(home, "grow-in", "grow-out", "grow-dlq",
        Map.of("kafka.metadata.max.age.ms", "1000")))) {
      ScorerFixture.produce(kafka.bootstrapServers(), "grow-in", first);
      ScorerFixture.flowAt(kafka.bootstrapServers(), "grow-in", 0, FLUSH_ONE);
      ScorerIT.assertExactlyOnce(windows("grow-out", 5), 5);
      try (Admin admin = admin()) {
        admin.createPartitions(Map.of("grow-in", NewPartitions.increaseTo(2))).all().get();
      }
      // Within a metadata refresh and a check (a few seconds here, ~35 s by default); flows a producer writes to the
      // new partition before that may be late, as after any delay.
      awaitMetric(scorer, "partitions", 2);
      ScorerFixture.produce(kafka.bootstrapServers(), "grow-in", then); // to both partitions
      ScorerFixture.flush(kafka.bootstrapServers(), "grow-in", 2, FLUSH_TWO);
      List<ScoredWindow> out = windows("grow-out", 10);
      ScorerIT.assertExactlyOnce(out, 10);
      Map<Instant, Long> expected = flowsPerMinute(TrafficGenerator.parsedFlows(then));
      expected.merge(FLUSH_ONE.truncatedTo(ChronoUnit.MINUTES), 1L, Long::sum); // the flow that closed the first five
      for (ScoredWindow w : out.subList(5, 10)) {
        assertThat(w.flows()).as("flows of %s", w.windowStart()).isEqualTo(expected.get(w.windowStart()));
      }
    }
  }

  /**
   * Finding: input records Kafka's retention deleted before the scorer read them (a scorer stopped for longer than the
   * topic's retention) were skipped without a trace: the consumer reset itself to the earliest offset. Now they are
   * counted in {@code retention_lost_records_total} (an alert) and logged with their offsets, and the scorer goes on
   * with the records still there, exactly once.
   */
  @Test
  void inputDeletedByRetentionBeforeItWasReadIsCountedAndTheScorerGoesOn() throws Exception {
    kafka.createTopics(1, "gone-in", "gone-out", "gone-dlq");
    Path home = tmp.resolve("gone");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    String group = "scorer-gone-" + UUID.randomUUID();
    KaminariConfig config = config(home, "gone-in", "gone-out", "gone-dlq", Map.of("scorer.group-id", group));
    TopicPartition tp = new TopicPartition("gone-in", 0);
    try (Scorer scorer = Scorer.start(config)) {
      ScorerFixture.produce(kafka.bootstrapServers(), "gone-in", ScorerFixture.benign(48, STREAM_START, PART));
      ScorerFixture.flowAt(kafka.bootstrapServers(), "gone-in", 0, FLUSH_ONE);
      ScorerIT.assertExactlyOnce(windows("gone-out", 5), 5);
    }
    // While the scorer is stopped, five more minutes arrive, and retention deletes the first half of what it has not
    // read before it is back.
    ScorerFixture.produce(kafka.bootstrapServers(), "gone-in", ScorerFixture.benign(49, STREAM_START.plus(PART), PART));
    ScorerFixture.flowAt(kafka.bootstrapServers(), "gone-in", 0, FLUSH_TWO);
    long lost;
    try (Admin admin = admin()) {
      long committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp).offset();
      long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
      long deleteBefore = committed + (end - committed) / 2;
      admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(deleteBefore))).all().get();
      lost = deleteBefore - committed;
    }
    assertThat(lost).isGreaterThan(100);
    try (Scorer scorer = Scorer.start(config)) {
      awaitMetric(scorer, "retention_lost_records_total", lost);
      Instant last = STREAM_START.plus(PART.multipliedBy(2)).minusSeconds(60); // the last window the flush closes
      List<ScoredWindow> out = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "gone-out",
          Duration.ofSeconds(60), l -> l.stream().anyMatch(r -> ScoredWindow.fromJson(r.value()).windowStart()
              .equals(last))));
      assertThat(out).extracting(ScoredWindow::windowStart).contains(last).doesNotHaveDuplicates();
      assertThat(status(scorer, "/healthz")).isEqualTo(200);
      assertThat(metric(scorer.metrics().render(), "restores_total")).isEqualTo(1);
    }
  }

  /**
   * Finding: being fenced ended the scoring thread while the JVM stayed healthy (k8s ran two replicas of one group).
   * The fenced scorer now fails /healthz, so Kubernetes restarts it; the other one goes on, exactly once.
   */
  @Test
  void aFencedScorerFailsHealthzAndTheOtherOneGoesOnExactlyOnce() throws Exception {
    kafka.createTopics(2, "fence-in");
    kafka.createTopics(1, "fence-out", "fence-dlq");
    Path home = tmp.resolve("fence");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    KaminariConfig config = config(home, "fence-in", "fence-out", "fence-dlq", Map.of());
    try (Scorer a = Scorer.start(config)) {
      ScorerFixture.produce(kafka.bootstrapServers(), "fence-in", ScorerFixture.benign(47, STREAM_START, PART));
      windows("fence-out", 3);
      assertThat(status(a, "/healthz")).isEqualTo(200);
      try (Scorer b = Scorer.start(config)) {
        awaitReady(b);
        Instant second = STREAM_START.plus(PART);
        ScorerFixture.produce(kafka.bootstrapServers(), "fence-in", ScorerFixture.benign(48, second, PART));
        ScorerFixture.flush(kafka.bootstrapServers(), "fence-in", 2, FLUSH_TWO);
        ScorerIT.assertExactlyOnce(windows("fence-out", 10), 10);
        HttpResponse<String> health = awaitStatus(a, "/healthz", 503);
        assertThat(health.body()).contains("fenced");
        assertThat(status(a, "/readyz")).isEqualTo(503);
        assertThat(status(b, "/healthz")).isEqualTo(200);
      }
    }
  }

  /** A loop that has input but cannot commit (here: its output topic does not exist) fails /healthz. */
  @Test
  void aLoopThatCannotCommitFailsHealthzAfterTheStallTimeout() throws Exception {
    kafka.createTopics(1, "stall-in", "stall-dlq");
    Path home = tmp.resolve("stall");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    try (Scorer scorer = Scorer.start(config(home, "stall-in", "stall-out-missing", "stall-dlq",
        Map.of("scorer.stall-timeout", "3s")))) {
      ScorerFixture.produce(kafka.bootstrapServers(), "stall-in", ScorerFixture.benign(49, STREAM_START, PART));
      ScorerFixture.flowAt(kafka.bootstrapServers(), "stall-in", 0, FLUSH_ONE);
      HttpResponse<String> health = awaitStatus(scorer, "/healthz", 503);
      assertThat(health.body()).contains("no commit");
    }
  }

  /** Finding: two idle TCP connections made /healthz time out (2 HTTP threads, no request timeout). */
  @Test
  void twoStalledHttpConnectionsDoNotMakeHealthzTimeOut() throws Exception {
    kafka.createTopics(1, "http-in", "http-out", "http-dlq");
    Path home = tmp.resolve("http");
    try (Scorer scorer = Scorer.start(config(home, "http-in", "http-out", "http-dlq", Map.of()))) {
      List<java.net.Socket> stalled = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          java.net.Socket s = new java.net.Socket("127.0.0.1", scorer.httpPort());
          s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          stalled.add(s);
        }
        assertThat(status(scorer, "/healthz")).isEqualTo(200); // within get()'s 5 s request timeout
        assertThat(status(scorer, "/readyz")).isEqualTo(503); // no model published: alive, not ready
      } finally {
        for (java.net.Socket s : stalled) s.close();
      }
    }
  }

  /** The chaos scenario: a broker restart while traffic is being produced loses and doubles no window. */
  @Test
  void aBrokerRestartUnderLoadLosesAndDoublesNoWindow() throws Exception {
    kafka.createTopics(2, "restart-in");
    kafka.createTopics(1, "restart-out", "restart-dlq");
    Path home = tmp.resolve("restart");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    List<GeneratorConfig> minutes = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      minutes.add(ScorerFixture.benign(60 + i, STREAM_START.plus(Duration.ofMinutes(i)), Duration.ofMinutes(1)));
    }
    try (Scorer scorer = Scorer.start(config(home, "restart-in", "restart-out", "restart-dlq", Map.of()))) {
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread producer = new Thread(() -> {
        try {
          for (GeneratorConfig minute : minutes) {
            ScorerFixture.produce(kafka.bootstrapServers(), "restart-in", minute);
            Thread.sleep(300); // a steady stream, so that the restart falls in the middle of it
          }
        } catch (Throwable t) {
          failed.set(t);
        }
      });
      producer.start();
      windows("restart-out", 2);
      kafka.restart(); // while the producer sends and the scorer reads and commits
      producer.join();
      assertThat(failed.get()).isNull();
      ScorerFixture.flush(kafka.bootstrapServers(), "restart-in", 2,
          STREAM_START.plus(Duration.ofMinutes(12)).plus(ScorerIT.DEFAULT_LATENESS));
      List<ScoredWindow> out = windows("restart-out", 12);
      ScorerIT.assertExactlyOnce(out, 12);
      List<Flow> all = new ArrayList<>();
      minutes.forEach(m -> all.addAll(TrafficGenerator.parsedFlows(m)));
      Map<Instant, Long> expected = flowsPerMinute(all);
      for (ScoredWindow w : out) {
        assertThat(w.flows()).as("flows of %s", w.windowStart()).isEqualTo(expected.get(w.windowStart()));
      }
    }
  }

  /** Scorer settings for a test, with extra settings given as flags ({@code kafka.*} pass-through ones included). */
  static KaminariConfig config(Path home, String input, String output, String deadLetters, Map<String, String> extra) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("home", home.toString());
    flags.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    flags.put("topics", input);
    flags.put("scorer.output-topic", output);
    flags.put("scorer.dead-letter-topic", deadLetters);
    flags.put("model.store", home.resolve("models").toUri().toString());
    flags.put("scorer.model-poll-interval", "1s");
    flags.put("scorer.http-port", "0");
    flags.put("scorer.group-id", "scorer-" + UUID.randomUUID());
    flags.putAll(extra);
    return KaminariConfig.load(null, flags, Map.of());
  }

  static List<ScoredWindow> windows(String topic, int atLeast) {
    return ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), topic, Duration.ofSeconds(60),
        ScorerIT.atLeast(atLeast)));
  }

  static List<JsonNode> deadLetters(String topic, int atLeast) {
    List<JsonNode> out = new ArrayList<>();
    for (var r : ScorerFixture.readCommitted(kafka.bootstrapServers(), topic, Duration.ofSeconds(20),
        ScorerIT.atLeast(atLeast))) {
      try {
        out.add(JSON.readTree(r.value()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return out;
  }

  static boolean current(byte[] scoredWindow) {
    return !ScoredWindow.fromJson(scoredWindow).windowStart().isBefore(STREAM_START);
  }

  /** Flows per window start (60 s windows) of a generator's parsed flows. */
  static Map<Instant, Long> flowsPerMinute(List<Flow> flows) {
    Map<Instant, Long> out = new TreeMap<>();
    for (Flow f : flows) {
      long minute = Math.floorDiv(f.eventTimeMicros(), 60_000_000L) * 60;
      out.merge(Instant.ofEpochSecond(minute), 1L, Long::sum);
    }
    return out;
  }

  static String flow(String exporter, Instant at) {
    return "{\"peer_ip_src\":\"" + exporter + "\",\"ip_src\":\"198.51.100.7\",\"ip_dst\":\"203.0.113.99\","
        + "\"port_src\":40000,\"port_dst\":443,\"ip_proto\":\"tcp\",\"packets\":1,\"bytes\":60,\"timestamp_start\":"
        + at.getEpochSecond() + "}";
  }

  /** Sends {@code value} to {@code partition} with record timestamp {@code timestampMillis} (null = now). */
  static void send(String topic, int partition, Long timestampMillis, byte[] value) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(kafka.bootstrapServers()));
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, partition, timestampMillis, null, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot send to " + topic, e);
    }
  }

  static void createTopic(String topic, int partitions, Map<String, String> configs) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
    }
  }

  static Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  /**
   * The value of the scorer metric {@code kaminari_scorer_NAME} (a whole number, which the client library writes as
   * {@code 2.0}), or -1 if it is not exported.
   */
  static long metric(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^kaminari_scorer_" + Pattern.quote(name) + " (-?\\d+)(?:\\.0)?$")
        .matcher(metrics);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  static int status(Scorer scorer, String path) throws Exception {
    return get(scorer, path).statusCode();
  }

  static HttpResponse<String> get(Scorer scorer, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + scorer.httpPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> awaitStatus(Scorer scorer, String path, int status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    HttpResponse<String> r = get(scorer, path);
    while (r.statusCode() != status && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = get(scorer, path);
    }
    assertThat(r.statusCode()).as("%s %s", path, r.body()).isEqualTo(status);
    return r;
  }

  static void awaitMetric(Scorer scorer, String name, long value) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (metric(scorer.metrics().render(), name) != value && System.nanoTime() < deadline) Thread.sleep(50);
    assertThat(metric(scorer.metrics().render(), name)).as(name).isEqualTo(value);
  }

  static void awaitReady(Scorer scorer) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!scorer.ready() && System.nanoTime() < deadline) Thread.sleep(100);
    assertThat(scorer.ready()).isTrue();
  }

}
