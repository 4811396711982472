package io.kaminari.cli;

import io.kaminari.common.ConfigException;
import io.kaminari.common.JobRun;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.Warehouse;
import io.kaminari.generate.GenerationResult;
import io.kaminari.generate.KafkaFlowSink;
import io.kaminari.generate.LabelWriter;
import io.kaminari.generate.Scenarios;
import io.kaminari.generate.TrafficGenerator;
import io.kaminari.ingest.CompactConfig;
import io.kaminari.ingest.CompactJob;
import io.kaminari.ingest.LandConfig;
import io.kaminari.ingest.LandJob;
import io.kaminari.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari demo}: the whole pipeline on the embedded default, from an empty home to tables you can query.
 *
 * <p>It starts its own single-node Kafka broker, generates two days of traffic with labelled attacks on day two,
 * lands and compacts them, and prints what it did. It resets the demo state of the home first (the kaminari database
 * and landing checkpoints), so it can be rerun; it refuses to run against a remote metastore or warehouse.
 */
@Command(name = "demo", description = "Run the pipeline end to end on the embedded default with generated traffic.")
final class DemoCommand extends SparkCommand {
  static final String TOPIC = "pmacct.flows";

  @Option(names = "--flows-per-day", defaultValue = "150000", description = "benign flows per day; default ${DEFAULT-VALUE}")
  long flowsPerDay;

  @Option(names = "--seed", defaultValue = "42", description = "traffic seed; default ${DEFAULT-VALUE}")
  long seed;

  @Override
  Task prepare(KaminariConfig config) {
    String warehouse = config.get(Settings.WAREHOUSE);
    if (!config.embeddedMetastore() || warehouse.contains("://") && !warehouse.startsWith("file:")) {
      throw new ConfigException("the demo resets its tables, so it only runs on the embedded default "
          + "(no metastore.uris, a local warehouse.dir)");
    }
    Path home = Path.of(config.get(Settings.HOME)).toAbsolutePath().normalize();
    return spark -> run(config, spark, home);
  }

  private final long t0 = System.nanoTime();

  private int run(KaminariConfig config, SparkSession spark, Path home) throws Exception {
    step("Kaminari demo in " + home);
    spark.sql("DROP DATABASE IF EXISTS " + Warehouse.DATABASE + " CASCADE");
    deleteTree(Path.of(config.get(Settings.CHECKPOINTS).replaceFirst("^file:", ""), "land"));
    Warehouse.ensure(spark);

    try (EmbeddedKafka kafka = EmbeddedKafka.start(home.resolve("kafka"))) {
      kafka.createTopics(2, TOPIC);
      step("1. Kafka broker (KRaft, in-process) on " + kafka.bootstrapServers() + ", topic " + TOPIC);

      var gen = Scenarios.demo(seed, flowsPerDay);
      GenerationResult result;
      try (KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), TOPIC)) {
        result = new TrafficGenerator(gen).run(sink);
      }
      Path labels = home.resolve("demo/labels.csv");
      Files.createDirectories(labels.getParent());
      LabelWriter.write(labels, LabelWriter.labels(result));
      step(String.format("2. generated %,d flow records (%,d of them attacks) for %s .. %s; labels in %s",
          result.flows(), result.attackFlows(), gen.start(), gen.end(), labels));
      gen.attacks().forEach(a -> System.out.printf("     %-15s %s for %s on %s%n", a.kind(), a.start(),
          a.duration(), a.victim()));

      LandConfig land = new LandConfig(kafka.bootstrapServers(), java.util.List.of(TOPIC), java.util.Map.of(), null,
          config.get(Settings.CHECKPOINTS), config.get(Settings.MAX_OFFSETS_PER_TRIGGER));
      JobRun landed = new LandJob(spark, land).run();
      step(String.format("3. landed %,d Kafka records into %s", landed.inputRecords(), Warehouse.FLOWS_LANDING));
    }

    Instant to = Scenarios.DEMO_START.plus(Duration.ofDays(2)).plus(Duration.ofHours(1));
    JobRun compacted = new CompactJob(spark, CompactConfig.from(config)).compactRange(Scenarios.DEMO_START, to);
    step(String.format("4. compacted into %s: %,d flows, %,d rejected, %,d duplicates, %,d markers (reconciled)",
        Warehouse.FLOWS, compacted.outputRows(), compacted.rejected(), compacted.duplicates(), compacted.markers()));

    step("Tables");
    for (String t : new String[] {Warehouse.FLOWS_LANDING, Warehouse.FLOWS, Warehouse.FLOWS_REJECTED, Warehouse.JOB_RUNS}) {
      long partitions = t.equals(Warehouse.JOB_RUNS) ? 0 : spark.sql("SHOW PARTITIONS " + t).count();
      System.out.printf("  %-26s %,12d rows %6d partitions%n", t, spark.table(t).count(), partitions);
    }
    step("Busiest hours of " + Warehouse.FLOWS);
    spark.sql("SELECT dt, hour, count(*) AS flows, sum(packets) AS packets FROM " + Warehouse.FLOWS
        + " GROUP BY dt, hour ORDER BY flows DESC LIMIT 5").show(false);
    step("Done. Look next:");
    System.out.println("  warehouse:  " + config.get(Settings.WAREHOUSE));
    System.out.println("  labels:     " + home.resolve("demo/labels.csv"));
    System.out.println("  job log:    SELECT * FROM kaminari.job_runs  (spark-sql against " + home.resolve("metastore_db")
        + ")");
    return 0;
  }

  private void step(String s) {
    System.out.printf("%n== [%4.0f s] %s%n", (System.nanoTime() - t0) / 1e9, s);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
