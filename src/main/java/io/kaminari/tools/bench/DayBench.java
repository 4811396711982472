package io.kaminari.tools.bench;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.ingest.LandJob;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench day}: one day of traffic from Kafka to scores, each stage timed, as the hourly and retrain DAGs run it;
 * ends with {@code BENCH day flows=<n> seconds=<total> land_s= compact_s= features_s= train_s= score_s= vectors=
 * scored=}.
 *
 * <p>N flows of a generated day (the demo's generator: diurnal benign traffic and its labelled attacks) are written to
 * the embedded broker, untimed. Then, timed: {@code land} of the topic, {@code compact} of every arrival hour it wrote,
 * {@code features} of the day for both seed specs, {@code train} of one model per seed spec on the previous day's
 * vectors (the default hyperparameters, as {@code kaminari train} without a definition), and {@code score} of the day
 * by each. The previous day is the same generator's day before, with as many flows, and goes through land, compact and
 * features before the clock starts: the timed day is the second the JVM runs, so JIT compilation and Spark's code
 * generation are warm, as in a long-lived driver. The DAGs start a JVM per task (spark-submit), a few seconds each,
 * which this does not count.
 */
public final class DayBench {
  private DayBench() {}

  public static final String NAME = "day";
  /** The day timed; its previous day is the training range. */
  static final Instant DAY = Instant.parse("2024-05-02T00:00:00Z");
  private static final String PREVIOUS_TOPIC = "bench.previous-day";
  private static final String TOPIC = "bench.day";
  private static final String MODEL = "bench-day";
  private static final List<Scope> SCOPES = List.of(Scope.GLOBAL, Scope.DST_PREFIX);

  /** Runs the benchmark in {@code spark} (whose home must be a scratch home) and prints the BENCH line last. */
  public static void run(SparkSession spark, KaminariConfig config, long flows, PrintStream out) throws Exception {
    if (flows <= 0) throw new IllegalArgumentException("--flows must be > 0");
    Instant previous = DAY.minus(Duration.ofDays(1));
    Instant end = DAY.plus(Duration.ofDays(1));
    Pipeline pipeline = new Pipeline(spark, config);
    pipeline.reset();
    Map<String, Double> seconds = new LinkedHashMap<>();
    long vectors = 0;
    long scored = 0;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(config.get(Settings.HOME)).toAbsolutePath()
        .resolve("kafka"))) {
      kafka.createTopics(2, PREVIOUS_TOPIC, TOPIC);
      generate(kafka, PREVIOUS_TOPIC, 7, previous, flows, out);
      pipeline.compact(pipeline.land(kafka.bootstrapServers(), PREVIOUS_TOPIC));
      for (Scope scope : SCOPES) pipeline.features(FeatureSpec.seed(scope), previous, DAY);
      out.println("prepared the previous day (land, compact, features; untimed)");
      generate(kafka, TOPIC, 8, DAY, flows, out);

      long started = System.nanoTime();
      LandJob.Landing landed = time(seconds, "land", () -> pipeline.land(kafka.bootstrapServers(), TOPIC), out);
      JobRun compacted = time(seconds, "compact", () -> pipeline.compact(landed), out);
      if (compacted.outputRows() == 0) throw new IllegalStateException("compaction wrote no flows: " + compacted);
      vectors = time(seconds, "features", () -> {
        long n = 0;
        for (Scope scope : SCOPES) n += pipeline.features(FeatureSpec.seed(scope), DAY, end).outputRows();
        return n;
      }, out);
      List<ModelRef> models = time(seconds, "train", () -> {
        List<ModelRef> trained = new ArrayList<>();
        for (Scope scope : SCOPES) {
          int version = pipeline.train(model(scope), FeatureSpec.seed(scope), previous, DAY, Hyperparameters.DEFAULTS,
              true).published().version();
          trained.add(ModelRef.version(model(scope), version));
        }
        return trained;
      }, out);
      scored = time(seconds, "score", () -> {
        long n = 0;
        for (ModelRef m : models) n += pipeline.score(m, DAY, end).run().outputRows();
        return n;
      }, out);
      seconds.put("total", (System.nanoTime() - started) / 1e9);
    }
    if (scored != vectors) {
      throw new IllegalStateException("scored " + scored + " windows of the " + vectors + " built");
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "BENCH %s flows=%d seconds=%.2f", NAME, flows,
        seconds.get("total")));
    for (String stage : List.of("land", "compact", "features", "train", "score")) {
      line.append(String.format(Locale.ROOT, " %s_s=%.2f", stage, seconds.get(stage)));
    }
    line.append(" vectors=").append(vectors).append(" scored=").append(scored);
    out.flush();
    out.println(line);
    out.flush();
  }

  /** The model trained on {@code scope}'s seed spec. */
  private static String model(Scope scope) {
    return MODEL + "-" + scope.jsonName();
  }

  private static void generate(EmbeddedKafka kafka, String topic, long seed, Instant day, long flows, PrintStream out)
      throws Exception {
    long t = System.nanoTime();
    try (KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), topic)) {
      new TrafficGenerator(GeneratorConfig.of(seed, day, Duration.ofDays(1), flows)).run(sink);
    }
    out.printf(Locale.ROOT, "generated %,d flows of %s into %s in %.1f s (untimed)%n", flows, day, topic,
        (System.nanoTime() - t) / 1e9);
  }

  @FunctionalInterface
  private interface Stage<T> {
    T run() throws Exception;
  }

  /** Runs one stage, recording and printing its wall seconds. */
  private static <T> T time(Map<String, Double> seconds, String stage, Stage<T> body, PrintStream out)
      throws Exception {
    long t = System.nanoTime();
    T result = body.run();
    double s = (System.nanoTime() - t) / 1e9;
    seconds.put(stage, s);
    out.printf(Locale.ROOT, "%s: %.1f s%n", stage, s);
    return result;
  }
}
