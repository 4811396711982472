package io.kaminari.stream;

import static io.kaminari.stream.ScorerFixture.STREAM_START;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.flow.Flow;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import io.kaminari.testing.KaminariJar;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaled-out scorer ({@code scorer.mode=scale-out}), each instance a {@code kaminari scorer} JVM of its own, against
 * a real broker: one instance and three instances of another application on the same records and model emit the same
 * windows with the same verdicts, which are also what the single scorer's pure twin ({@link ScoredWindow#scoreFlows})
 * gives; and killing one of three instances mid-run, with a new model version published meanwhile, loses and doubles
 * no window.
 */
class ScaleOutScorerIT {
  static final Duration STREAM = Duration.ofMinutes(30);
  static final int WINDOWS = 30;
  static final GeneratorConfig TRAFFIC = ScorerFixture.benign(23, STREAM_START, STREAM)
      .withAttacks(AttackSpec.synFlood(STREAM_START.plus(Duration.ofMinutes(15)), Duration.ofMinutes(3),
          "203.0.113.10", 20));
  /** Above the generator's worst disorder, as in ScorerIT's parity test: no flow is late. */
  static final Duration LATENESS = Duration.ofMinutes(2);
  /** A flow this late on every partition moves every source's watermark to minute 30: windows 0..29 close. */
  static final Instant FLUSH = STREAM_START.plus(STREAM).plus(LATENESS);
  static final int PARTITIONS = 3;

  @TempDir static Path tmp;
  static EmbeddedKafka kafka;
  static Path home;
  static ModelRegistry registry;
  static int version;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    home = tmp.resolve("home");
    registry = ScorerFixture.registry(home.resolve("models"));
    version = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  void oneInstanceAndThreeInstancesEmitTheSameWindowsAsTheSingleScorersTwin() throws Exception {
    kafka.createTopics(PARTITIONS, "so.flows");
    kafka.createTopics(1, "so.scores.one", "so.scores.three", "so.dlq");
    ScorerFixture.produce(kafka.bootstrapServers(), "so.flows", TRAFFIC);
    // Odd input: what the single scorer dead-letters, each instance dead-letters once, with the reason.
    ScorerFixture.sendRaw(kafka.bootstrapServers(), "so.flows", "this is not json",
        "{\"ip_src\":\"192.0.2.1\",\"packets\":1,\"bytes\":60}");
    ScorerFixture.flush(kafka.bootstrapServers(), "so.flows", PARTITIONS, FLUSH);

    List<Process> one = List.of(instance("one", 0, "so.scores.one"));
    List<Process> three = new ArrayList<>();
    String group = "three-" + UUID.randomUUID();
    for (int i = 0; i < 3; i++) three.add(instance(group, i, "so.scores.three"));
    try {
      List<ScoredWindow> single = awaitWindows("so.scores.one", one);
      List<ScoredWindow> scaled = awaitWindows("so.scores.three", three);
      List<ScoredWindow> twin;
      try (ScoringModel model = ScoringModel.load(registry.load(ModelRef.version(ScorerFixture.MODEL, version),
          home.resolve("twin")))) {
        List<Flow> flows = TrafficGenerator.parsedFlows(TRAFFIC);
        twin = ScoredWindow.scoreFlows(flows, model).subList(0, WINDOWS);
      }
      assertSame(single, twin);
      assertSame(scaled, twin);
      assertThat(twin.stream().filter(ScoredWindow::isAnomaly).count()).as("the attack's windows").isGreaterThan(0);
      // Both applications wrote to so.dlq: two dead letters each.
      List<DeadLetter> dead = ScorerFixture.readCommitted(kafka.bootstrapServers(), "so.dlq", Duration.ofSeconds(10),
          l -> l.size() >= 4).stream().map(r -> DeadLetter.fromJson(r.value())).toList();
      assertThat(dead).hasSize(4);
      assertThat(dead).filteredOn(d -> d.raw().equals("this is not json")).hasSize(2);
      assertThat(dead).filteredOn(d -> d.raw().contains("192.0.2.1")).hasSize(2)
          .allSatisfy(d -> assertThat(d.reason()).contains("ip_dst"));
    } finally {
      one.forEach(Process::destroyForcibly);
      three.forEach(Process::destroyForcibly);
    }
  }

  @Test
  void killingOneOfThreeInstancesMidRunLosesAndDoublesNoWindow() throws Exception {
    kafka.createTopics(PARTITIONS, "so.kill.flows");
    kafka.createTopics(1, "so.kill.scores", "so.kill.dlq");
    Duration half = STREAM.dividedBy(2);
    GeneratorConfig before = ScorerFixture.benign(24, STREAM_START, half);
    GeneratorConfig after = ScorerFixture.benign(25, STREAM_START.plus(half), half)
        .withAttacks(AttackSpec.synFlood(STREAM_START.plus(half), Duration.ofMinutes(3), "203.0.113.10", 20));
    String group = "kill-" + UUID.randomUUID();
    List<Process> three = new ArrayList<>();
    for (int i = 0; i < 3; i++) three.add(instance(group, i, "so.kill.scores", "so.kill.flows", "so.kill.dlq"));
    try {
      ScorerFixture.produce(kafka.bootstrapServers(), "so.kill.flows", before);
      // Mid-run: windows are coming out, so every instance has tasks with state.
      ScorerFixture.readCommitted(kafka.bootstrapServers(), "so.kill.scores", Duration.ofMinutes(3),
          l -> !l.isEmpty());
      Process victim = three.stream().filter(ScaleOutScorerIT::ownsASource).findFirst().orElseThrow();
      Map<Process, Integer> linesBefore = new HashMap<>();
      for (Process p : three) linesBefore.put(p, Files.readAllLines(err(p)).size());
      victim.destroyForcibly().waitFor();
      // And a hot reload while the group rebalances: a new version (same weights) becomes the champion.
      int v2 = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
      ScorerFixture.produce(kafka.bootstrapServers(), "so.kill.flows", after);
      ScorerFixture.flush(kafka.bootstrapServers(), "so.kill.flows", PARTITIONS, FLUSH);
      List<ScoredWindow> out = awaitWindows("so.kill.scores", three);
      // The kill mattered: a survivor took over a source task of the dead instance and rebuilt its open windows.
      StringBuilder survivorsSince = new StringBuilder();
      for (Process p : three) {
        if (p == victim) continue;
        List<String> lines = Files.readAllLines(err(p));
        lines.subList(linesBefore.get(p), lines.size()).forEach(l -> survivorsSince.append(l).append('\n'));
      }
      assertThat(survivorsSince.toString()).containsPattern("source \\d+: starts with [1-9]\\d* open windows");
      List<Flow> flows = new ArrayList<>(TrafficGenerator.parsedFlows(before));
      flows.addAll(TrafficGenerator.parsedFlows(after));
      try (ScoringModel model = ScoringModel.load(registry.load(ModelRef.version(ScorerFixture.MODEL, version),
          home.resolve("twin-kill")))) {
        assertSame(out, ScoredWindow.scoreFlows(flows, model).subList(0, WINDOWS));
      }
      // Each window scored once, by the version current when it closed: versions never go back, and the last
      // windows (which closed after the flush) have the new one.
      List<ScoredWindow> byStart = out.stream().sorted(java.util.Comparator.comparing(ScoredWindow::windowStart))
          .toList();
      for (int i = 1; i < byStart.size(); i++) {
        assertThat(byStart.get(i).modelVersion()).isGreaterThanOrEqualTo(byStart.get(i - 1).modelVersion());
      }
      assertThat(byStart.get(0).modelVersion()).isEqualTo(version);
      assertThat(byStart.get(byStart.size() - 1).modelVersion()).isEqualTo(v2);
    } finally {
      three.forEach(Process::destroyForcibly);
    }
  }

  private static Process instance(String group, int i, String output) throws Exception {
    return instance(group, i, output, "so.flows", "so.dlq");
  }

  /** One {@code kaminari scorer} JVM in scale-out mode. */
  private static Process instance(String group, int i, String output, String input, String dlq) throws Exception {
    // Under target/, not the temporary directory, so that a failed run leaves them to read.
    Path log = Files.createDirectories(Path.of("target", "it-logs", "ScaleOutScorerIT")).resolve(group + "-" + i + ".log");
    Process p = KaminariJar.start(log, List.of("-Xmx1g"), "scorer",
        "--bootstrap-servers", kafka.bootstrapServers(), "--topic", input, "--output-topic", output,
        "--model-store", home.resolve("models").toUri().toString(), "--http-port", "0",
        "--home", tmp.resolve("home-" + group + "-" + i).toString(),
        "--set", "scorer.mode=scale-out", "--set", "scorer.group-id=" + group,
        "--set", "scorer.dead-letter-topic=" + dlq,
        "--set", "scorer.allowed-lateness=" + LATENESS.toSeconds() + "s",
        // No partition goes idle in these tests: every one has flows up to the flush.
        "--set", "scorer.idle-timeout=10m", "--set", "scorer.flush-interval=1s",
        "--set", "scorer.model-poll-interval=1s",
        // A killed instance's tasks move after this, not after Kafka's default 45 s.
        "--set", "kafka.session.timeout.ms=6000", "--set", "kafka.heartbeat.interval.ms=1000");
    LOGS.put(p, log);
    return p;
  }

  static final Map<Process, Path> LOGS = new java.util.concurrent.ConcurrentHashMap<>();

  private static Path err(Process p) {
    return LOGS.get(p).resolveSibling(LOGS.get(p).getFileName() + ".err");
  }

  /** Whether the instance's log says it holds a source task now: its last start of one is after its last close. */
  private static boolean ownsASource(Process p) {
    try {
      Map<String, Boolean> owned = new HashMap<>();
      for (String line : Files.readAllLines(err(p))) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("source (\\d+): (starts|closed)").matcher(line);
        if (m.find()) owned.put(m.group(1), m.group(2).equals("starts"));
      }
      return owned.containsValue(true);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The last {@code lines} lines of each instance's standard error. */
  private static String logs(List<Process> instances, int lines) {
    StringBuilder b = new StringBuilder();
    for (Process p : instances) {
      Path err = err(p);
      try {
        List<String> text = Files.readAllLines(err);
        b.append("\n--- ").append(err.getFileName()).append(p.isAlive() ? " (alive)" : " (exited)").append('\n')
            .append(String.join("\n", text.subList(Math.max(0, text.size() - lines), text.size())));
      } catch (java.io.IOException e) {
        b.append("\n--- ").append(err).append(": ").append(e);
      }
    }
    return b.toString();
  }

  /** The windows on {@code topic} once {@link #WINDOWS} are there, and 3 s more to catch any doubled one. */
  private static List<ScoredWindow> awaitWindows(String topic, List<Process> instances) throws InterruptedException {
    List<ScoredWindow> out = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), topic,
        Duration.ofMinutes(4), l -> l.size() >= WINDOWS));
    assertThat(out).as("windows on %s%s", topic, logs(instances, 30)).hasSizeGreaterThanOrEqualTo(WINDOWS);
    Thread.sleep(3000);
    return ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), topic, Duration.ofSeconds(5),
        l -> false));
  }

  /** Each of {@code twin}'s windows exactly once, with its flows, packets, verdict and score. */
  private static void assertSame(List<ScoredWindow> out, List<ScoredWindow> twin) {
    Map<String, Long> counts = out.stream().collect(Collectors.groupingBy(ScoredWindow::key, TreeMap::new,
        Collectors.counting()));
    assertThat(counts.values()).as("every window once").allMatch(n -> n == 1);
    Map<String, ScoredWindow> byKey = out.stream().collect(Collectors.toMap(ScoredWindow::key, Function.identity()));
    assertThat(byKey.keySet()).containsExactlyInAnyOrderElementsOf(twin.stream().map(ScoredWindow::key).toList());
    for (ScoredWindow t : twin) {
      ScoredWindow w = byKey.get(t.key());
      assertThat(w.flows()).as("flows of %s", t.key()).isEqualTo(t.flows());
      assertThat(w.packets()).as("packets of %s", t.key()).isEqualTo(t.packets());
      assertThat(w.isAnomaly()).as("verdict of %s", t.key()).isEqualTo(t.isAnomaly());
      assertThat(w.fired()).as("detector of %s", t.key()).isEqualTo(t.fired());
      assertThat(w.score()).as("score of %s", t.key())
          .isCloseTo(t.score(), org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(t.score()))));
    }
  }
}
