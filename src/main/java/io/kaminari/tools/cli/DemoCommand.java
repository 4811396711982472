package io.kaminari.tools.cli;

import static org.apache.spark.sql.functions.col;

import io.kaminari.cli.SparkCommand;
import io.kaminari.cli.Subcommand;
import io.kaminari.common.Columns;
import io.kaminari.common.ConfigException;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.spark.IncidentsJob;
import io.kaminari.incidents.spark.MitigationCheck;
import io.kaminari.ingest.LandJob;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.stream.ScoredWindow;
import io.kaminari.stream.Scorer;
import io.kaminari.tools.evaluate.WindowMetrics;
import io.kaminari.tools.generate.GenerationResult;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.LabelWriter;
import io.kaminari.tools.generate.Scenarios;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import io.kaminari.tools.upstream.Tools;
import io.kaminari.tools.upstream.UpstreamPipeline;
import io.kaminari.tools.upstream.UpstreamReplay;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari demo}: the whole pipeline on the embedded default, from an empty home to tables you can query.
 *
 * <p>It starts its own single-node Kafka broker, generates two days of traffic with labelled attacks on day two,
 * lands and compacts them, builds port vectors, trains the autoencoder on day one, publishes it as champion, scores
 * day two and prints the detections next to the labels, runs the streaming scorer on the same topic (its alerts and
 * incidents), and ends with day two's incidents from the batch job and the mitigations proposed for them. It resets the demo state of the home first (the kaminari
 * database, landing checkpoints and local model store), so it can be rerun; it refuses to run against a remote
 * metastore or warehouse.
 */
@Command(name = "demo", description = "Run the pipeline end to end on the embedded default with generated traffic.")
public final class DemoCommand extends SparkCommand implements Subcommand {
  static final String TOPIC = "pmacct.flows";
  /** The streaming scorer's incident states, so the demo can show them beside the batch job's. */
  static final String INCIDENTS_TOPIC = "kaminari.incidents";
  static final String MODEL = "flow-ae";

  @Option(names = "--flows-per-day", defaultValue = "150000", description = "benign flows per day; default ${DEFAULT-VALUE}")
  long flowsPerDay;

  @Option(names = "--seed", defaultValue = "42", description = "traffic seed; default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--http-port", defaultValue = "0", description = "scorer dashboard port (0: any free port)")
  int httpPort;

  @Option(names = "--serve", description = "keep the scorer's dashboard up at the end until interrupted (not with --upstream)")
  boolean serve;

  @Option(names = "--upstream", description = "produce the flows with the real upstream chain: generated packets and real"
      + " attack captures -> softflowd -> nfacctd -> Kafka (needs the Debian packages pmacct and softflowd)")
  boolean upstream;

  @Option(names = "--verbose", description = "also show the warnings of Spark, Hive, Hadoop and Kafka (hidden by default:"
      + " on one machine they are start-up noise)")
  boolean verbose;

  @Override
  protected Schema schema() {
    return Schema.OWN;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    String warehouse = config.get(Settings.WAREHOUSE);
    if (!config.embeddedMetastore() || warehouse.contains("://") && !warehouse.startsWith("file:")
        || Warehouse.Target.of(config).external()) {
      throw new ConfigException("the demo resets its tables, so it only runs on the embedded default "
          + "(no metastore.uris, a local warehouse.dir, no warehouse.external-location)");
    }
    Path home = Path.of(config.get(Settings.HOME)).toAbsolutePath().normalize();
    if (upstream) {
      if (serve) throw new ConfigException("--serve is not available with --upstream");
      // Before Spark starts: a missing program fails at once, naming the Debian packages.
      Tools.requireChain();
    }
    // Before Spark starts, so that its and Hive's start-up warnings go too; Kaminari's own log stays at info.
    if (!verbose) Configurator.setRootLevel(Level.ERROR);
    return upstream ? spark -> runUpstream(config, spark, home) : spark -> run(config, spark, home);
  }

  private final long t0 = System.nanoTime();

  private int run(KaminariConfig config, SparkSession spark, Path home) throws Exception {
    step("Kaminari demo in " + home);
    Pipeline pipeline = new Pipeline(spark, config);
    pipeline.reset();

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

      LandJob.Landing landed = pipeline.land(kafka.bootstrapServers(), TOPIC);
      step(String.format("3. landed %,d Kafka records into %s", landed.run().inputRecords(), Warehouse.FLOWS_LANDING));
      Pipeline.Scored scored = batch(pipeline, landed, labels);
      stream(config, kafka);
      incidents(config, pipeline, scored);
    }
    summary(config, spark, home, "2024-05-02T00", "2024-05-03T00");
    return 0;
  }

  /**
   * {@code --upstream}: the flows come from the real producer ({@link UpstreamPipeline}, docs/upstream.md): generated
   * benign packets with three real attack captures at known times (two in the scored hour), exported by softflowd and
   * collected by nfacctd into the demo's broker; then the same stages as the generated demo, on the replayed timeline.
   */
  private int runUpstream(KaminariConfig config, SparkSession spark, Path home) throws Exception {
    step("Kaminari demo --upstream in " + home);
    new Pipeline(spark, config).reset();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(home.resolve("kafka"))) {
      step("1. Kafka broker (KRaft, in-process) on " + kafka.bootstrapServers() + "; the attacks replayed:");
      for (UpstreamReplay.Attack a : UpstreamReplay.ATTACKS) {
        System.out.printf("     %s at %s (%s)%s%n", a.what(), a.at(), a.file(), a.scored() ? "" : " [not scored]");
      }
      step("2-8. packets -> softflowd -> nfacctd -> " + TOPIC + " -> land -> compact -> features -> train -> score"
          + " -> streaming scorer");
      UpstreamPipeline.Result r = UpstreamPipeline.run(
          config.with(Settings.SCORER_HTTP_PORT, String.valueOf(httpPort)), spark, kafka, TOPIC,
          home.resolve("demo/upstream"), seed, System.out);
      step(String.format("Detections in the test hour %s .. %s: %d attack windows; batch flagged %d, stream %d",
          UpstreamReplay.TRAIN_TO, UpstreamReplay.TEST_TO, r.attackWindows().size(), r.batchFlagged().size(),
          r.streamFlagged().size()));
      System.out.println("  per-window (batch)  " + WindowMetrics.of(r.batchFlagged().keySet(),
          r.attackWindows().keySet()));
      System.out.println("  per-window (stream) " + WindowMetrics.of(r.streamFlagged().keySet(),
          r.attackWindows().keySet()));
    }
    summary(config, spark, home, "2024-05-01T15", "2024-05-01T16");
    return 0;
  }

  /** Steps 4-7: compaction, features, training on day one, batch scoring of day two; returns the scoring. */
  private Pipeline.Scored batch(Pipeline pipeline, LandJob.Landing landed, Path labels) throws Exception {
    JobRun compacted = pipeline.compact(landed);
    step(String.format("4. compacted into %s: %,d flows, %,d rejected, %,d duplicates, %,d markers (reconciled)",
        Warehouse.FLOWS, compacted.outputRows(), compacted.rejected(), compacted.duplicates(), compacted.markers()));

    Instant day2 = Scenarios.DEMO_START.plus(Duration.ofDays(1));
    Instant end = day2.plus(Duration.ofDays(1));
    FeatureSpec spec = FeatureSpec.seed(Scope.GLOBAL);
    for (FeatureSpec s : List.of(spec, FeatureSpec.seed(Scope.DST_PREFIX))) {
      JobRun built = pipeline.features(s, Scenarios.DEMO_START, end);
      step(String.format("5. built %,d port vectors of spec %s (%s, %d features) into %s", built.outputRows(), s.id(),
          s.scope().jsonName(), s.dimension(), Warehouse.PORT_VECTORS));
    }
    printVectors(pipeline.spark(), spec);

    pipeline.train(MODEL, spec, Scenarios.DEMO_START, day2, Hyperparameters.DEFAULTS, false);
    step("6. trained on day 1 and published to " + pipeline.registry().root() + ": "
        + pipeline.registry().aliases(MODEL));

    Pipeline.Scored scored = pipeline.score(ModelRef.alias(MODEL, ModelRef.CHAMPION), day2, end);
    step("7. scored day 2 into " + Warehouse.ANOMALY_SCORES + "; detections next to the generator's labels:");
    printDetections(pipeline, scored, labels);
    return scored;
  }

  /**
   * Step 9: day two's incidents, grouped from the batch scores, and the mitigation each would get after the safety
   * checks; nothing is announced.
   */
  private void incidents(KaminariConfig config, Pipeline pipeline, Pipeline.Scored scored) throws Exception {
    List<Incident> incidents = pipeline.incidents(scored).incidents();
    step("9. " + incidents.size() + " incident(s) of day 2 in " + Warehouse.INCIDENTS
        + ", with the mitigations proposed for each (nothing announced):");
    Mitigations.Options options = Mitigations.Options.of(config, Mitigations.Format.EXABGP);
    for (Incident i : incidents) {
      System.out.println("  " + IncidentsJob.line(i));
      for (String line : Mitigations.brief(MitigationCheck.decisions(pipeline.spark(), i, options), options)) {
        System.out.println("      " + line);
      }
    }
    System.out.println("  full proposals, safety checks and GoBGP syntax: java -jar target/kaminari.jar mitigate"
        + " --home " + Path.of(config.get(Settings.HOME)).toAbsolutePath().normalize() + " --incident ID");
  }

  /**
   * Step 8: the streaming scorer on the same topic, with the champion just published; prints the alerts of the global
   * scope as they fire, then the incidents it grouped them into (the ids the batch job of step 9 gives too).
   */
  private void stream(KaminariConfig config, EmbeddedKafka kafka) throws Exception {
    KaminariConfig scorerConfig = config.with(Settings.BOOTSTRAP_SERVERS, kafka.bootstrapServers())
        .with(Settings.TOPICS, TOPIC).with(Settings.SCORER_HTTP_PORT, String.valueOf(httpPort))
        .with(Settings.SCORER_INCIDENTS_TOPIC, INCIDENTS_TOPIC);
    kafka.createTopics(1, scorerConfig.get(Settings.SCORER_OUTPUT_TOPIC),
        scorerConfig.get(Settings.SCORER_DEAD_LETTER_TOPIC), INCIDENTS_TOPIC);
    try (Scorer scorer = Scorer.start(scorerConfig)) {
      String url = "http://" + config.get(Settings.SCORER_HTTP_HOST) + ":" + scorer.httpPort() + "/";
      step("8. streaming scorer consuming " + TOPIC + " with " + MODEL + "@champion; dashboard at " + url);
      Set<Instant> alerted = new TreeSet<>();
      long last = -1;
      long idleSince = System.nanoTime();
      // The stream is finite here: stop once the scorer has made no progress for a while.
      while (System.nanoTime() - idleSince < 15_000_000_000L) {
        for (ScoredWindow w : scorer.recent().query(Instant.EPOCH, Scope.GLOBAL.jsonName())) {
          if (w.isAnomaly() && alerted.add(w.windowStart())) {
            System.out.printf("  ALERT %s score=%.3f threshold=%.3f model=%s/%d %s%n", w.windowStart(), w.score(),
                w.threshold(), w.model(), w.modelVersion(), w.topFeatures().stream()
                    .map(c -> String.format("%s (%.0f%%)", c.feature(), 100 * c.share())).toList());
          }
        }
        long scored = scorer.metrics().windowsScored();
        if (scored != last) {
          last = scored;
          idleSince = System.nanoTime();
        }
        Thread.sleep(500);
      }
      System.out.printf("  %,d windows scored by the stream, %d global alerts%n", last, alerted.size());
      List<IncidentEvent> incidents = new ArrayList<>(scorer.recent().incidents());
      incidents.sort(java.util.Comparator.comparing(IncidentEvent::start));
      System.out.printf("  %d incident(s) in the stream (%s):%n", incidents.size(), INCIDENTS_TOPIC);
      for (IncidentEvent e : incidents) {
        // The vector from the scorer's profile of the victim's flows in the incident's latest anomalous window.
        System.out.printf("  stream incident %s %s %s %s .. %s, %d windows, peak score %.2f: %s (%s)%n", e.id(),
            e.scope(), e.victim(), e.start(), e.end() == null ? "open" : e.end(), e.windows(), e.peakScore(),
            e.traffic() == null ? "vector unknown" : e.traffic().vector().describe(),
            e.kind().name().toLowerCase(java.util.Locale.ROOT));
      }
      if (serve) {
        System.out.println("  serving the dashboard at " + url + " until interrupted (Ctrl-C)");
        Thread.currentThread().join();
      }
    }
  }

  private void summary(KaminariConfig config, SparkSession spark, Path home, String from, String to) {
    step("Tables");
    for (String t : new String[] {Warehouse.FLOWS_LANDING, Warehouse.FLOWS, Warehouse.FLOWS_REJECTED,
        Warehouse.PORT_VECTORS, Warehouse.ANOMALY_SCORES, Warehouse.INCIDENTS, Warehouse.JOB_RUNS}) {
      long partitions = t.equals(Warehouse.JOB_RUNS) ? 0 : spark.sql("SHOW PARTITIONS " + t).count();
      System.out.printf("  %-26s %,12d rows %6d partitions%n", t, spark.table(t).count(), partitions);
    }
    step("Done. Look next:");
    System.out.println("  warehouse:  " + config.get(Settings.WAREHOUSE));
    if (!upstream) System.out.println("  labels:     " + home.resolve("demo/labels.csv"));
    System.out.println("  SQL:        java -jar target/kaminari.jar sql --home " + home
        + " -e 'SELECT * FROM kaminari.v_anomalies'");
    System.out.println("  report:     java -jar target/kaminari.jar report --home " + home
        + " --from " + from + " --to " + to + " --out " + home.resolve("report"));
    System.out.println("  models:     java -jar target/kaminari.jar models list --home " + home);
  }

  /** The busiest attack window next to a quiet one, as readable port: value pairs. */
  private static void printVectors(SparkSession spark, FeatureSpec spec) {
    List<Row> rows = spark.table(Warehouse.PORT_VECTORS)
        .where(col(Columns.SPEC_ID).equalTo(spec.id()))
        .orderBy(col(Columns.VECTOR_PACKETS).desc()).limit(1)
        .union(spark.table(Warehouse.PORT_VECTORS).where(col(Columns.SPEC_ID).equalTo(spec.id())
            .and(col(Columns.WINDOW_START).equalTo(Instant.parse("2024-05-01T12:00:00Z")))))
        .collectAsList();
    List<String> names = spec.featureNames();
    for (Row r : rows) {
      System.out.printf("  window %s  flows=%d packets=%d%n", r.getAs(Columns.WINDOW_START), r.<Long>getAs(
          Columns.VECTOR_FLOWS), r.<Long>getAs(Columns.VECTOR_PACKETS));
      List<Float> v = r.getList(r.fieldIndex(Columns.VECTOR));
      StringBuilder line = new StringBuilder("    ");
      for (int i = 0; i < v.size(); i++) {
        if (v.get(i) == 0f) continue;
        line.append(String.format("%s: %.1f   ", names.get(i), v.get(i)));
        if (line.length() > 100) {
          System.out.println(line);
          line.setLength(0);
          line.append("    ");
        }
      }
      System.out.println(line);
    }
  }

  /** Flagged global windows of day 2 with their explanation, and precision/recall against the labels. */
  private static void printDetections(Pipeline pipeline, Pipeline.Scored scored, Path labelsFile) throws IOException {
    Set<Instant> labelled = new TreeSet<>();
    List<String> lines = Files.readAllLines(labelsFile);
    for (String line : lines.subList(1, lines.size())) {
      labelled.add(Instant.parse(line.split(",")[0]));
    }
    List<Row> flagged = pipeline.scores(scored, Scope.GLOBAL).where(col(Columns.IS_ANOMALY))
        .orderBy(Columns.WINDOW_START).collectAsList();
    Set<Instant> flaggedStarts = new TreeSet<>();
    for (Row r : flagged) {
      Instant w = r.getAs(Columns.WINDOW_START);
      flaggedStarts.add(w);
      System.out.printf("  %s score=%8.3f threshold=%.3f %-8s %s%n", w, r.<Double>getAs(Columns.SCORE),
          r.<Double>getAs(Columns.THRESHOLD), labelled.contains(w) ? "ATTACK" : "(quiet)",
          r.getList(r.fieldIndex(Columns.EXPLANATION)));
    }
    System.out.println("  labelled attack windows: " + labelled.size() + "; per-window "
        + WindowMetrics.of(flaggedStarts, labelled));
  }

  private void step(String s) {
    System.out.printf("%n== [%4.0f s] %s%n", (System.nanoTime() - t0) / 1e9, s);
  }

}
