package io.kaminari.tools.bench;

import io.kaminari.common.Durations;
import io.kaminari.common.Settings;
import io.kaminari.model.ModelRegistry;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code kaminari bench scorer-scaleout}: preloads N generator flows into a 2-partition topic of a local broker, then
 * scores them three times, each run a fresh application on the same records and model, each scorer a
 * {@code kaminari-scorer.jar} JVM pinned to one core with {@code taskset}: the single scorer ({@code scorer.mode=single},
 * today's process), one scale-out instance, and two scale-out instances on cores 0 and 1. Ends with
 * {@code BENCH scorer-scaleout flows=.. single_flows_per_s=.. one_flows_per_s=.. two_flows_per_s=.. speedup=..
 * one_vs_single=.. lost_windows=..}.
 *
 * <p>Throughput = flows / wall seconds in the steady state: from the first poll (every 100 ms) at which every instance
 * answers {@code /readyz} (its group formed and its tasks restored) to the one at which they have read every flow,
 * by their {@code flows_in_total} metrics; the flows read before it (start-up, the first rebalances) are left out. The broker runs in this JVM, unpinned, so it competes with the
 * pinned scorers for the machine's cores (on a 2-core machine, with both of them). {@code lost_windows} counts windows
 * missing or doubled over all three runs' outputs.
 */
public final class ScaleOutBench {
  public static final String NAME = "scorer-scaleout";
  static final String INPUT = "bench.scaleout.flows";
  static final int PARTITIONS = 2;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ScaleOutBench() {}

  /** A run's result: flows per wall second, and windows lost or doubled on its output topic. */
  private record Result(double flowsPerSecond, long lostWindows) {}

  public static void run(long flows, Path workDir, Path scorerJar, PrintStream out) throws Exception {
    if (!Files.isRegularFile(scorerJar)) {
      throw new IllegalArgumentException("no scorer jar at " + scorerJar.toAbsolutePath()
          + ": `mvn package` builds kaminari-scorer.jar beside kaminari.jar");
    }
    Files.createDirectories(workDir);
    long minutes = Math.max(3, flows / ScorerBench.FLOWS_PER_MINUTE);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"))) {
      kafka.createTopics(PARTITIONS, INPUT);
      kafka.createTopics(1, "bench.scaleout.dead-letters", "bench.scaleout.single", "bench.scaleout.one",
          "bench.scaleout.two");
      ModelRegistry registry = new ModelRegistry(workDir.resolve("models").toUri(), new Configuration());
      ScorerBench.publish(registry, ScorerBench.train(workDir.resolve("train")));
      long t0 = System.nanoTime();
      try (KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), INPUT)) {
        new TrafficGenerator(GeneratorConfig.of(7, ScorerBench.START, Duration.ofMinutes(minutes), flows)).run(sink);
      }
      ScorerBench.flush(kafka.bootstrapServers(), INPUT, PARTITIONS,
          ScorerBench.START.plus(Duration.ofMinutes(minutes + 1)).plus(ScorerBench.LATENESS));
      long total = flows + PARTITIONS;
      out.printf(Locale.ROOT, "preloaded %d flows (%d min of event time) on %d partitions in %.1f s%n", flows, minutes,
          PARTITIONS, (System.nanoTime() - t0) / 1e9);
      long windows = minutes + 1;
      Result single = measure(kafka, workDir, scorerJar, "single", "single", 1, total, windows, out);
      Result one = measure(kafka, workDir, scorerJar, "scale-out", "one", 1, total, windows, out);
      Result two = measure(kafka, workDir, scorerJar, "scale-out", "two", 2, total, windows, out);
      out.printf(Locale.ROOT, "BENCH %s flows=%d single_flows_per_s=%.0f one_flows_per_s=%.0f two_flows_per_s=%.0f"
          + " speedup=%.2f one_vs_single=%.2f lost_windows=%d%n", NAME, flows, single.flowsPerSecond(),
          one.flowsPerSecond(), two.flowsPerSecond(), two.flowsPerSecond() / one.flowsPerSecond(),
          one.flowsPerSecond() / single.flowsPerSecond(),
          single.lostWindows() + one.lostWindows() + two.lostWindows());
    }
  }

  private static boolean ready(int port) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static long cpuMillis(List<Process> procs) throws IOException {
    long sum = 0;
    for (Process p : procs) sum += ScorerBench.cpuMillis(p.pid());
    return sum;
  }

  /** Runs {@code instances} scorers of mode {@code mode} (instance i on core i) until they have read every flow. */
  private static Result measure(EmbeddedKafka kafka, Path workDir, Path scorerJar, String mode, String name,
      int instances, long total, long windows, PrintStream out) throws Exception {
    String output = "bench.scaleout." + name;
    List<Process> procs = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      for (int i = 0; i < instances; i++) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        ports.add(port);
        Path log = workDir.resolve(name + "-" + i + ".log");
        procs.add(new ProcessBuilder("taskset", "-c", Integer.toString(i),
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
            "-jar", scorerJar.toAbsolutePath().toString(),
            "--home", workDir.resolve(name + "-" + i).toString(), "--bootstrap-servers", kafka.bootstrapServers(),
            "--topic", INPUT, "--output-topic", output, "--model-store", workDir.resolve("models").toUri().toString(),
            "--http-port", Integer.toString(port), "-D", "scorer.dead-letter-topic=bench.scaleout.dead-letters",
            "-D", "scorer.mode=" + mode, "-D", "scorer.group-id=bench-" + name,
            "-D", Settings.SCORER_ALLOWED_LATENESS.name() + "=" + Durations.text(ScorerBench.LATENESS))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start());
      }
      long started = System.nanoTime();
      long first = -1;
      long last = -1;
      double readAtFirst = 0;
      long cpu0 = 0;
      long cpu1 = 0;
      double read = 0;
      while (System.nanoTime() - started < Duration.ofMinutes(30).toNanos()) {
        Thread.sleep(100);
        for (Process p : procs) {
          if (!p.isAlive()) {
            throw new IllegalStateException(name + ": a scorer exited with code " + p.exitValue() + "; its output is"
                + " in " + workDir);
          }
        }
        read = 0;
        boolean allReady = true;
        for (int port : ports) {
          read += ScorerBench.metrics(port).getOrDefault("kaminari_scorer_flows_in_total", 0.0);
          allReady &= ready(port);
        }
        // Steady state only: from when every instance is ready (its group formed, its tasks restored).
        if (first < 0 && allReady && read > 0) {
          first = System.nanoTime();
          readAtFirst = read;
          cpu0 = cpuMillis(procs);
        }
        if (read >= total) {
          last = System.nanoTime();
          cpu1 = cpuMillis(procs);
          break;
        }
      }
      if (last < 0) throw new IllegalStateException(name + ": read " + read + " of " + total + " flows in 30 minutes");
      if (readAtFirst > total * 0.8) {
        throw new IllegalStateException(name + ": " + readAtFirst + " of " + total + " flows were read before every"
            + " instance was ready; measure with more --flows");
      }
      double rate = (total - readAtFirst) / ((last - first) / 1e9);
      long lost = ScorerBench.lostWindows(kafka.bootstrapServers(), output, windows);
      out.printf(Locale.ROOT, "%s (%s, %d instance(s), one core each): %.0f flows/s, %.0f flows per CPU second of"
          + " the scorers, %d windows lost or doubled%n", name, mode, instances, rate,
          (total - readAtFirst) / ((cpu1 - cpu0) / 1e3),
          lost);
      return new Result(rate, lost);
    } finally {
      for (Process p : procs) p.destroy();
      for (Process p : procs) p.waitFor();
    }
  }

}
