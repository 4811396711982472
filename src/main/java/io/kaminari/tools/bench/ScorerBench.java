package io.kaminari.tools.bench;

import io.kaminari.common.Durations;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Micros;
import io.kaminari.flow.Flow;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureVector;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.InMemoryVectorSource;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelMetadata;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.Trainer;
import io.kaminari.stream.ScoredWindow;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code kaminari bench scorer}: preloads N generator flows into a local broker, then measures a raw consumer (the
 * limit) and the real scorer ({@code kaminari-scorer.jar} in its own JVM, so its RSS is its own) end to end, with a
 * hot swap at half way; ends with {@code BENCH scorer flows=.. flows_per_s_per_core=.. raw_flows_per_s=.. p50_ms=..
 * p99_ms=.. swap_ms=.. lost_windows=.. rss_mb=..}.
 *
 * <p>Per core = flows / CPU seconds: the raw consumer's thread CPU time, and the scorer process's whole CPU time (all
 * its threads: consumer, producer, GC). {@code raw_flows_per_s} is what its name says, the raw single-thread
 * consumer's flows per wall-clock second; the console line before it gives both per core and their ratio. Latency is the scorer's close-to-commit histogram, interpolated inside its
 * buckets. Swap time is the background load + validation of the new version plus its wait for the scoring loop.
 */
public final class ScorerBench {
  public static final String NAME = "scorer";
  /** Generated flows per minute of event time: 60 s windows of ~20 k flows. */
  static final long FLOWS_PER_MINUTE = 20_000;
  static final Instant START = Instant.parse("2024-05-01T00:00:00Z");
  static final String INPUT = "bench.flows";
  static final String OUTPUT = "bench.scores";
  /**
   * The scorer JVM's heap and collector. Its live set under this load is about 38 MB (what every full collection
   * leaves, {@code -Xlog:gc}), so 192 MB is five times that; 256 MB, the size before 2026-12-07, gave the same
   * flows per raw-consumer flow but 55-60 MB more peak RSS, since a serial collector's heap is touched to its maximum
   * before the first full collection. The serial collector: one scoring thread, and no concurrent collector's native
   * overhead.
   */
  static final List<String> SCORER_JVM = List.of("-Xmx192m", "-XX:+UseSerialGC");
  /**
   * The scorer's lateness: the default, passed to the scorer explicitly, so that a {@code KAMINARI_*} variable of the
   * environment cannot leave the stream's last window open behind the flush flow.
   */
  static final Duration LATENESS = Settings.SCORER_ALLOWED_LATENESS.parsedDefault();
  static final FeatureSpec SPEC = new FeatureSpec("bench-seed-60", "the seed ports in 60 s windows", 60,
      Scope.GLOBAL, 24, 64, FeatureSpec.SEED_SRC_PORTS, FeatureSpec.SEED_DST_PORTS, FeatureSpec.DEFAULT_FEATURES, true);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ScorerBench() {}

  /**
   * Runs the benchmark in {@code workDir} (a scratch directory), starting {@code scorerJar} (normally
   * {@code target/kaminari-scorer.jar}) as the scorer; prints progress and the BENCH line to {@code out}.
   */
  public static void run(long flows, Path workDir, Path scorerJar, PrintStream out) throws Exception {
    if (!Files.isRegularFile(scorerJar)) {
      throw new IllegalArgumentException("no scorer jar at " + scorerJar.toAbsolutePath()
          + ": `mvn package` builds kaminari-scorer.jar beside kaminari.jar");
    }
    Files.createDirectories(workDir);
    long minutes = Math.max(3, flows / FLOWS_PER_MINUTE);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"))) {
      kafka.createTopics(1, INPUT, OUTPUT, "bench.dead-letters");
      ModelRegistry registry = new ModelRegistry(workDir.resolve("models").toUri(), new Configuration());
      Path modelDir = train(workDir.resolve("train"));
      publish(registry, modelDir);

      long t0 = System.nanoTime();
      GeneratorConfig traffic = GeneratorConfig.of(7, START, Duration.ofMinutes(minutes), flows);
      try (KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), INPUT)) {
        new TrafficGenerator(traffic).run(sink);
      }
      // One flow past the last window's end plus the scorer's lateness: the watermark then closes every window of
      // the stream, minutes + 1 of them (the generator's last flows spill into the minute after).
      flush(kafka.bootstrapServers(), INPUT, 1, START.plus(Duration.ofMinutes(minutes + 1)).plus(LATENESS));
      out.printf(Locale.ROOT, "preloaded %d flows (%d min of event time) in %.1f s%n", flows, minutes,
          (System.nanoTime() - t0) / 1e9);

      double[] raw = rawConsume(kafka.bootstrapServers(), flows + 1);
      out.printf(Locale.ROOT, "raw consumer: %.0f flows/s wall, %.0f flows/s per core%n", raw[0], raw[1]);

      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(SCORER_JVM);
      command.addAll(List.of("-jar", scorerJar.toAbsolutePath().toString(),
          "--home", workDir.resolve("scorer").toString(), "--bootstrap-servers", kafka.bootstrapServers(),
          "--topic", INPUT, "--output-topic", OUTPUT, "--model-store", workDir.resolve("models").toUri().toString(),
          "--http-port", Integer.toString(port), "-D", "scorer.dead-letter-topic=bench.dead-letters",
          "-D", "scorer.model-poll-interval=1s",
          "-D", Settings.SCORER_ALLOWED_LATENESS.name() + "=" + Durations.text(LATENESS)));
      Process scorer = new ProcessBuilder(command)
          .redirectErrorStream(true).redirectOutput(workDir.resolve("scorer.log").toFile()).start();
      long pid = scorer.pid();
      long expectedWindows = minutes + 1;
      try {
        long started = System.nanoTime();
        double startupSeconds = -1;
        long firstNanos = -1;
        long firstCpu = 0;
        boolean swapped = false;
        Map<String, Double> m = Map.of();
        boolean finished = false;
        while (!finished && System.nanoTime() - started < Duration.ofMinutes(30).toNanos()) {
          Thread.sleep(100);
          if (!scorer.isAlive()) {
            throw new IllegalStateException("the scorer exited with code " + scorer.exitValue() + " before it"
                + " scored the stream; its output: " + workDir.resolve("scorer.log"));
          }
          m = metrics(port);
          if (m.isEmpty()) continue;
          if (startupSeconds < 0) startupSeconds = (System.nanoTime() - started) / 1e9;
          double in = m.getOrDefault("kaminari_scorer_records_in_total", 0.0);
          if (in > 0 && firstNanos < 0) {
            firstNanos = System.nanoTime();
            firstCpu = cpuMillis(pid);
          }
          if (!swapped && in >= flows / 2.0) {
            publish(registry, modelDir); // v2 on the same spec: hot swap under load
            swapped = true;
          }
          finished = m.getOrDefault("kaminari_scorer_windows_scored_total", 0.0) >= expectedWindows && swapped
              && m.getOrDefault("kaminari_scorer_model_version", 0.0) >= 2;
        }
        if (!finished) {
          throw new IllegalStateException(String.format(Locale.ROOT, "in 30 minutes the scorer scored %.0f of the"
              + " %d windows (model version %.0f, swap %s); its output: %s",
              m.getOrDefault("kaminari_scorer_windows_scored_total", 0.0), expectedWindows,
              m.getOrDefault("kaminari_scorer_model_version", 0.0), swapped ? "published" : "not yet published",
              workDir.resolve("scorer.log")));
        }
        long wallNanos = System.nanoTime() - firstNanos;
        double cpuSeconds = (cpuMillis(pid) - firstCpu) / 1000.0;
        double rssMb = peakRssMb(pid);
        double perCore = flows / Math.max(cpuSeconds, 1e-9);
        double wall = flows / (wallNanos / 1e9);
        double p50 = quantileMs(m, 0.50);
        double p99 = quantileMs(m, 0.99);
        double swapMs = 1e3 * m.getOrDefault("kaminari_scorer_last_swap_seconds", -1e-3);
        long lost = lostWindows(kafka.bootstrapServers(), OUTPUT, expectedWindows);
        out.printf(Locale.ROOT, "scorer: started in %.1f s, %.0f flows/s wall (incl. scoring and commits), %.0f flows/s"
            + " per core, %.2f of the raw per-core limit%n", startupSeconds, wall, perCore, perCore / raw[1]);
        out.printf(Locale.ROOT, "BENCH scorer flows=%d flows_per_s_per_core=%.0f raw_flows_per_s=%.0f p50_ms=%.1f"
            + " p99_ms=%.1f swap_ms=%.0f lost_windows=%d rss_mb=%.0f%n", flows, perCore, raw[0], p50, p99, swapMs, lost,
            rssMb);
      } finally {
        scorer.destroy();
        scorer.waitFor();
      }
    }
  }

  /** Trains a small autoencoder on one hour of benign traffic in {@link #SPEC}. */
  static Path train(Path dir) {
    Instant from = START.minus(Duration.ofHours(2));
    GeneratorConfig cfg = GeneratorConfig.of(3, from, Duration.ofHours(2), 120 * FLOWS_PER_MINUTE / 10);
    List<Flow> flows = TrafficGenerator.parsedFlows(cfg);
    float[][] v = Featurizer.vectors(flows.stream(), SPEC, Micros.of(from), Micros.of(START)).stream()
        .map(FeatureVector::values).toArray(float[][]::new);
    Hyperparameters hp = new Hyperparameters(List.of(20, 20), 10, 32, 1e-2, "adam", 42L, 3, 0.1,
        ThresholdMethod.parse("quantile:0.999"));
    Trainer.train(InMemoryVectorSource.evenlySpaced(v, SPEC.windowMicros()), SPEC.dimension(), hp, dir, p -> { });
    return dir;
  }

  /** Publishes the trained directory as the next version of {@code flow-ae} and points {@code champion} at it. */
  static int publish(ModelRegistry registry, Path dir) {
    ModelMetadata meta = ModelMetadata.read(dir);
    ModelManifest draft = ModelManifest.draft("flow-ae", SPEC, meta, meta.hyperparameters().threshold().text(),
        Map.of(ModelManifest.VAL_LOSS, 1.0), START.minus(Duration.ofHours(2)), START, "bench");
    int v = registry.publish("flow-ae", dir, draft).version();
    registry.promote("flow-ae", v, "champion", true, 0.05);
    return v;
  }

  /** One flow at {@code at} on each of {@code partitions}: every partition's watermark passes the stream's end. */
  static void flush(String bootstrap, String topic, int partitions, Instant at) {
    String flow = "{\"ip_src\":\"198.51.100.1\",\"ip_dst\":\"203.0.113.99\",\"port_src\":40000,\"port_dst\":443,"
        + "\"ip_proto\":\"tcp\",\"packets\":1,\"bytes\":60,\"timestamp_start\":" + at.getEpochSecond() + "}";
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KafkaFlowSink.producerConfig(bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < partitions; i++) {
        p.send(new ProducerRecord<>(topic, i, null, flow.getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  /** Reads {@code records} records with one plain consumer; returns {wall records/s, records per CPU second}. */
  private static double[] rawConsume(String bootstrap, long records) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    var threads = ManagementFactory.getThreadMXBean();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(INPUT, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long n = 0;
      long bytes = 0;
      long t0 = System.nanoTime();
      long cpu0 = threads.getCurrentThreadCpuTime();
      while (n < records) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          n++;
          bytes += r.value().length; // touch the value, as any consumer does
        }
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
      return new double[] {n / wall, n / cpu, bytes};
    }
  }

  /**
   * Global windows of {@code topic} missing among the stream's first {@code expected}, or doubled: waits up to two
   * minutes for them (the last ones close when the watermark passes them), then two seconds for any sent twice.
   */
  static long lostWindows(String bootstrap, String topic, long expected) throws InterruptedException {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Set<Instant> starts = new HashSet<>();
    long records = 0;
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          records++;
          starts.add(ScoredWindow.fromJson(r.value()).windowStart());
        }
        if (starts.size() >= expected && quietUntil == Long.MAX_VALUE) quietUntil = System.nanoTime() + 2_000_000_000L;
      }
    }
    long lost = 0;
    for (long i = 0; i < expected; i++) {
      if (!starts.contains(START.plusSeconds(60 * i))) lost++;
    }
    return lost + (records - starts.size());
  }

  static Map<String, Double> metrics(int port) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      Map<String, Double> out = new HashMap<>();
      for (String line : r.body().split("\n")) {
        if (line.startsWith("#") || line.isBlank()) continue;
        int sp = line.lastIndexOf(' ');
        out.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
      }
      return out;
    } catch (IOException | InterruptedException e) {
      return Map.of();
    }
  }

  /** The q-quantile of the close-to-commit histogram in ms, linearly interpolated inside its bucket. */
  static double quantileMs(Map<String, Double> m, double q) {
    Pattern le = Pattern.compile("kaminari_scorer_close_to_commit_seconds_bucket\\{le=\"([^\"]+)\"}");
    List<double[]> buckets = new ArrayList<>();
    m.forEach((k, v) -> {
      Matcher x = le.matcher(k);
      if (x.matches()) {
        buckets.add(new double[] {x.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(x.group(1)),
            v});
      }
    });
    buckets.sort((a, b) -> Double.compare(a[0], b[0]));
    double total = buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1)[1];
    if (total == 0) return -1;
    double prevBound = 0;
    double prevCount = 0;
    for (double[] b : buckets) {
      if (b[1] >= q * total) {
        double bound = Double.isInfinite(b[0]) ? prevBound : b[0];
        double frac = b[1] == prevCount ? 1 : (q * total - prevCount) / (b[1] - prevCount);
        return 1000 * (prevBound + frac * (bound - prevBound));
      }
      prevBound = b[0];
      prevCount = b[1];
    }
    return 1000 * prevBound;
  }

  static long cpuMillis(long pid) throws IOException {
    String[] f = Files.readString(Path.of("/proc", Long.toString(pid), "stat")).split("\\) ")[1].split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, in clock ticks (100 Hz)
    return ticks * 10;
  }

  private static double peakRssMb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
    }
    return -1;
  }

  /** {@code java -cp target/kaminari.jar io.kaminari.tools.bench.ScorerBench [flows [workDir]]}. */
  public static void main(String[] args) throws Exception {
    long flows = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
    Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("scorer-bench-");
    run(flows, work, Path.of("target", "kaminari-scorer.jar"), System.out);
    System.exit(0);
  }
}
