package io.kaminari.stream;

import static io.kaminari.stream.ScorerFixture.STREAM_START;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.KaminariConfig;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code k8s/monitoring} against a running scorer (issues 17 and 20): every {@code kaminari_*} metric that the alerting
 * rules and the Grafana dashboard query is exported on {@code /metrics}, beside the Prometheus Java client's JVM and
 * process metrics; the scraped exposition passes
 * {@code promtool check metrics} (Prometheus naming: base units, {@code _total} counters); the rules pass
 * {@code promtool check rules} and their unit tests ({@code k8s/monitoring/tests}). promtool is Debian's
 * {@code prometheus} package, which {@code .ci/run} installs; without it the test fails rather than skips.
 * The manifests' own structure (ServiceMonitor against the scorer Service) is {@code dags/tests/test_monitoring.py}.
 */
class MonitoringIT {
  static final Path MONITORING = Path.of("k8s", "monitoring").toAbsolutePath();
  static final Pattern QUERIED = Pattern.compile("\\bkaminari_[a-z0-9_]+");

  @TempDir Path tmp;

  @Test
  void everyMetricTheRulesAndTheDashboardQueryIsExportedAndPromtoolAcceptsThemAll() throws Exception {
    String exposition = scrape();
    Set<String> exported = seriesNames(exposition);
    Set<String> queried = new TreeSet<>();
    for (String file : List.of("kaminari-scorer.rules.yml", "kaminari-scorer-dashboard.json")) {
      Matcher m = QUERIED.matcher(Files.readString(MONITORING.resolve(file)));
      while (m.find()) queried.add(m.group());
    }
    assertThat(queried).as("the dashboard shows scores, thresholds, lag and throughput").contains(
        "kaminari_scorer_window_score", "kaminari_scorer_ae_threshold", "kaminari_scorer_consumer_lag",
        "kaminari_scorer_flows_in_total", "kaminari_scorer_close_to_commit_seconds_bucket",
        "kaminari_scorer_incidents_open", "kaminari_scorer_alerts_dead_lettered_total");
    assertThat(exported).containsAll(queried);
    assertThat(exposition).contains("kaminari_scorer_window_score ").doesNotContain("_ms ");
    // The client library's JVM and process metrics come with the scorer's own (issue 20), and promtool checks them too.
    assertThat(exported).contains("jvm_memory_used_bytes", "jvm_gc_collection_seconds_count", "jvm_threads_current",
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds");

    Promtool ok = promtool(exposition, "check", "metrics");
    assertThat(ok.exit()).as(ok.output()).isZero();
    // The check can fail: a unit in milliseconds, as the swap time once was, is refused.
    Promtool ms = promtool("# HELP kaminari_scorer_last_swap_ms swap\n# TYPE kaminari_scorer_last_swap_ms gauge\n"
        + "kaminari_scorer_last_swap_ms 41\n", "check", "metrics");
    assertThat(ms.exit()).as(ms.output()).isNotZero();

    Promtool rules = promtool(null, "check", "rules", MONITORING.resolve("kaminari-scorer.rules.yml").toString());
    assertThat(rules.exit()).as(rules.output()).isZero();
    assertThat(rules.output()).contains("SUCCESS: 18 rules found");
    Promtool unit = promtool(null, "test", "rules",
        MONITORING.resolve("tests/kaminari-scorer.rules.test.yml").toString());
    assertThat(unit.exit()).as(unit.output()).isZero();
    assertThat(unit.output()).contains("SUCCESS");
  }

  /** Three minutes of traffic through a real scorer and broker, then its /metrics over HTTP. */
  private String scrape() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      kafka.createTopics(1, "mon-in", "mon-out", "mon-dlq");
      Path home = tmp.resolve("home");
      ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
      KaminariConfig config = KaminariConfig.load(null, Map.of("home", home.toString(),
          "kafka.bootstrap.servers", kafka.bootstrapServers(), "topics", "mon-in", "scorer.output-topic", "mon-out",
          "scorer.dead-letter-topic", "mon-dlq", "model.store", home.resolve("models").toUri().toString(),
          "scorer.http-port", "0", "scorer.group-id", "scorer-" + UUID.randomUUID()), Map.of());
      try (Scorer scorer = Scorer.start(config)) {
        ScorerFixture.produce(kafka.bootstrapServers(), "mon-in",
            ScorerFixture.benign(51, STREAM_START, Duration.ofMinutes(3)));
        ScorerFixture.flowAt(kafka.bootstrapServers(), "mon-in", 0, STREAM_START.plus(Duration.ofMinutes(5)));
        ScorerFixture.readCommitted(kafka.bootstrapServers(), "mon-out", Duration.ofSeconds(60), ScorerIT.atLeast(3));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + scorer.httpPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ScorerChaosIT.metric(r.body(), "windows_scored_total")).isGreaterThanOrEqualTo(3);
        return r.body();
      }
    }
  }

  /** The series names of a text exposition (histogram buckets, sums and counts each by their own name). */
  static Set<String> seriesNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
      names.add(line.substring(0, end));
    }
    return names;
  }

  record Promtool(int exit, String output) {}

  /** Runs promtool with {@code args}, {@code stdin} on its input (null = none). */
  static Promtool promtool(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("promtool is not on PATH: install Debian's prometheus package (.ci/run does)", e);
    }
    try (var in = p.getOutputStream()) {
      if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool %s finished", args[0]).isTrue();
    return new Promtool(p.exitValue(), out);
  }
}
