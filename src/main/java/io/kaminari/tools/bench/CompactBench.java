package io.kaminari.tools.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.to_timestamp;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.flow.FlowSchema;
import io.kaminari.ingest.CompactConfig;
import io.kaminari.ingest.CompactJob;
import io.kaminari.ingest.LandConfig;
import io.kaminari.ingest.LandJob;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code kaminari bench compact}: compaction end to end against a naive Spark JSON job on the same landed input.
 *
 * <p>Generates N flows over one day into a local broker, lands them, then times (a) {@link CompactJob} over the whole
 * landing range (parse, dedup, quarantine, partitioned zstd Parquet, job log) and (b) the naive baseline:
 * {@code spark.read.json} with an inferred schema over the same landed values, then
 * {@code write.partitionBy("dt","hour").parquet}. Both read the landing table, so only the work differs. Both are timed
 * warm (after a run on one hour of the input), three times each, alternating; the figures are the medians.
 */
public final class CompactBench {
  private CompactBench() {}

  public static final String NAME = "compact";
  /** The landing hour (from the start of the generated day) both jobs warm up on: a busy one, at midday. */
  private static final int WARM_UP_HOUR = 12;
  /** Timed runs of each job; the median counts. */
  private static final int RUNS = 3;

  /** Runs the benchmark in {@code spark} (whose home must be a scratch home) and prints the BENCH line last. */
  public static void run(SparkSession spark, KaminariConfig config, long flows) throws Exception {
    Instant start = Instant.parse("2024-05-01T00:00:00Z");
    Warehouse.Target target = Warehouse.Target.of(config);
    spark.sql("DROP DATABASE IF EXISTS " + target.database() + " CASCADE");
    Warehouse.ensure(spark, target);
    Path home = Path.of(config.get(Settings.HOME)).toAbsolutePath();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(home.resolve("kafka"))) {
      kafka.createTopics(2, "bench.flows");
      long t = System.nanoTime();
      try (KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), "bench.flows")) {
        new TrafficGenerator(GeneratorConfig.of(7, start, Duration.ofDays(1), flows)).run(sink);
      }
      System.out.printf("generated %,d flows into Kafka in %.1f s%n", flows, secondsSince(t));
      t = System.nanoTime();
      String checkpoints = config.get(Settings.CHECKPOINTS) + "/bench-" + System.nanoTime();
      JobRun landed = new LandJob(spark, new LandConfig(kafka.bootstrapServers(), List.of("bench.flows"), Map.of(),
          null, checkpoints, config.get(Settings.MAX_OFFSETS_PER_TRIGGER))).run();
      System.out.printf("landed %,d records in %.1f s%n", landed.inputRecords(), secondsSince(t));
    }
    int cores = spark.sparkContext().defaultParallelism();
    Instant end = start.plus(Duration.ofDays(1)).plus(Duration.ofHours(2));
    CompactJob compact = new CompactJob(spark, CompactConfig.from(config));

    // Both jobs are timed warm: each runs once on one landing hour first, so that JIT compilation and Spark's code
    // generation, paid once per JVM, count against neither. Then each runs RUNS times, alternating, and the median
    // counts: one run on a shared 2-core machine varies by 10%.
    Instant warmFrom = start.plus(Duration.ofHours(WARM_UP_HOUR));
    compact.compact(ArrivalHours.covering(warmFrom, warmFrom.plus(Duration.ofHours(1))));
    naive(spark, warmFrom, warmFrom.plus(Duration.ofHours(1)), home.resolve("naive-warm-up"));
    double[] compactSeconds = new double[RUNS];
    double[] naiveSeconds = new double[RUNS];
    long objects = 0;
    for (int i = 0; i < RUNS; i++) {
      // A fresh flows table, so that every run writes new partitions, as the first compaction of these hours does.
      spark.sql("DROP TABLE " + Warehouse.FLOWS);
      spark.sql("DROP TABLE " + Warehouse.FLOWS_REJECTED);
      Warehouse.ensure(spark, target);
      long t = System.nanoTime();
      objects = compact.compact(ArrivalHours.covering(start, end)).inputObjects();
      compactSeconds[i] = secondsSince(t);
      t = System.nanoTime();
      naive(spark, start, end, home.resolve("naive-out"));
      naiveSeconds[i] = secondsSince(t);
      System.out.printf("run %d: kaminari compact %.1f s, naive %.1f s%n", i + 1, compactSeconds[i], naiveSeconds[i]);
    }
    double rate = objects / median(compactSeconds) / cores;
    double naiveRate = objects / median(naiveSeconds) / cores;
    System.out.printf("kaminari compact: %,d objects in %.1f s (median of %d) = %,.0f flows/s per core (%d cores)%n",
        objects, median(compactSeconds), RUNS, rate, cores);
    System.out.printf("naive read.json -> partitioned parquet: %.1f s (median of %d) = %,.0f flows/s per core%n",
        median(naiveSeconds), RUNS, naiveRate);
    System.out.printf(java.util.Locale.ROOT,
        "BENCH %s flows=%d flows_per_s_per_core=%.0f naive_flows_per_s_per_core=%.0f ratio=%.2f%n",
        NAME, objects, rate, naiveRate, rate / naiveRate);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /**
   * The naive baseline: the landed values of {@code [from, to)} through {@code spark.read.json} (schema inferred), then
   * {@code write.partitionBy("dt","hour").parquet} into {@code out}.
   */
  private static void naive(SparkSession spark, Instant from, Instant to, Path out) {
    Dataset<String> values = spark.table(Warehouse.FLOWS_LANDING).where(ArrivalHours.covering(from, to).where())
        .select(col(Columns.VALUE).cast("string")).as(Encoders.STRING());
    Dataset<Row> naive = spark.read().json(values);
    naive.withColumn(Columns.DT, date_format(to_timestamp(col(FlowSchema.TIMESTAMP_START)), "yyyy-MM-dd"))
        .withColumn(Columns.HOUR, hour(to_timestamp(col(FlowSchema.TIMESTAMP_START))))
        .write().mode("overwrite").partitionBy(Columns.DT, Columns.HOUR)
        .parquet(out.toUri().toString());
  }

  static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }
}
