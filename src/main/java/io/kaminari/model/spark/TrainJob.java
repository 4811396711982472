package io.kaminari.model.spark;

import static io.kaminari.common.Columns.BUSIEST_DST_FLOWS;
import static io.kaminari.common.Columns.BUSIEST_PAIR_FLOWS;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SERVICE_PORTS;
import static io.kaminari.common.Columns.SOURCES;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.VECTOR_FLOWS;
import static io.kaminari.common.Columns.VECTOR_PACKETS;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import io.kaminari.common.FileTrees;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.model.DetectorTrainer;
import io.kaminari.model.Detectors;
import io.kaminari.model.EpochProgress;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.PromotionDecision;
import io.kaminari.model.ScopeGroups;
import io.kaminari.model.VectorFile;
import io.kaminari.model.ar.ArSeries;
import io.kaminari.model.ar.ArTrainingSeries;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Trains a model version on the port vectors of a period and publishes it as a new immutable registry version: the
 * autoencoder, and under {@code global} the AR forecaster beside it; under {@code dst-prefix} one autoencoder per
 * traffic-level group of prefixes ({@link DetectorTrainer}).
 *
 * <p>Under {@code global} the vectors are streamed from Spark to a local {@link VectorFile} in time order
 * ({@code toLocalIterator}, one partition at a time), so the driver never holds the training set as Java objects: the
 * limit is local disk (4 bytes per feature per window plus 8 per window), not heap. Under {@code dst-prefix} each
 * traffic group trains in a Spark task of its own on the executors ({@link GroupTraining}), its rows streamed to the
 * task's local disk in the same way. Training and validation follow {@link io.kaminari.model.Trainer} (the most recent
 * windows validate). The version is then offered to {@link TrainConfig#promoteAlias()} through the registry's
 * promotion gate, and the decision is printed and recorded in the alias history.
 */
public final class TrainJob {

  private final SparkSession spark;
  private final TrainConfig config;
  private final ModelRegistry registry;

  public TrainJob(SparkSession spark, TrainConfig config, ModelRegistry registry) {
    this.spark = spark;
    this.config = config;
    this.registry = registry;
  }

  /**
   * The vectors of the spec over the range, in no order, with the totals the AR forecaster and the traffic-level groups
   * read: window_start, scope_key, vector, packets, flows, sources, busiest_dst_flows, busiest_pair_flows,
   * service_ports.
   */
  static Dataset<Row> trainingRows(SparkSession spark, String specId, Instant from, Instant to) {
    return spark.table(Warehouse.PORT_VECTORS)
        .where(expr(HourRange.covering(from, to).where()).and(col(SPEC_ID).equalTo(specId))
            .and(col(WINDOW_START).geq(from)).and(col(WINDOW_START).lt(to)))
        .select(col(WINDOW_START), col(SCOPE_KEY), col(VECTOR), col(VECTOR_PACKETS), col(VECTOR_FLOWS), col(SOURCES),
            col(BUSIEST_DST_FLOWS), col(BUSIEST_PAIR_FLOWS), col(SERVICE_PORTS));
  }

  /** A row's {@code service_ports} at {@code i} as ints, null when the row predates the column. */
  private static int[] servicePorts(Row r, int i) {
    if (r.isNullAt(i)) return null;
    List<Integer> ports = r.getList(i);
    return ports.stream().mapToInt(Integer::intValue).toArray();
  }

  /** {@link #trainingRows} in time order, then scope key, so the order is total. */
  public static Dataset<Row> trainingVectors(SparkSession spark, String specId, Instant from, Instant to) {
    return trainingRows(spark, specId, from, to).orderBy(col(WINDOW_START), col(SCOPE_KEY));
  }

  /**
   * A training run: its job_runs row, the version it published, and the promotion gate's decision.
   *
   * @param promotion the gate's decision on {@link TrainConfig#promoteAlias()}; null when the version was only published
   */
  public record Training(JobRun run, ModelManifest published, PromotionDecision promotion) {}

  /** Trains, publishes, runs the gate; returns the job run (output_rows = 1 published version). */
  public JobRun run() throws Exception {
    return train().run();
  }

  /** {@link #run}, also returning the published version and the gate's decision. */
  public Training train() throws Exception {
    Training[] done = new Training[1];
    JobRun run = JobRuns.run(spark, "train", config.from(), config.to(), runId -> {
      Path work = Files.createDirectories(config.workDir().resolve("train-" + runId));
      try {
        done[0] = trainAndPublish(work);
        return done[0].run();
      } finally {
        FileTrees.delete(work);
      }
    });
    return new Training(run, done[0].published(), done[0].promotion());
  }

  /** Trains and publishes; the run in the result holds only the counts ({@link JobRuns#run} fills in the rest). */
  private Training trainAndPublish(Path work) throws Exception {
    FeatureSpec spec = config.spec();
    Path out = Files.createDirectories(work.resolve("model"));
    // Each epoch once, on stdout with the job's other output (the Trainer itself does not log them).
    Consumer<EpochProgress> progress = p -> System.out.println(p.line());
    DetectorTrainer.Trained trained;
    long windows;
    if (spec.scope() == Scope.GLOBAL) {
      Path vectors = work.resolve("vectors.bin");
      ArTrainingSeries series = new ArTrainingSeries(spec.windowSeconds(), ArSeries.names(spec));
      String arMissing = null;
      try (VectorFile.Writer writer = VectorFile.create(vectors, spec.dimension())) {
        Iterator<Row> it = trainingVectors(spark, spec.id(), config.from(), config.to()).toLocalIterator();
        while (it.hasNext()) {
          Row r = it.next();
          float[] v = vector(r, spec);
          long start = Micros.of(r.<Instant>getAs(0));
          writer.append(start, v);
          if (r.isNullAt(5)) {
            arMissing = "port_vectors rows of the range predate the sources column: rerun `kaminari features` for it";
          } else if (arMissing == null) {
            series.add(start, ArSeries.values(spec, r.getLong(3), r.getLong(4), r.getLong(5), v),
                r.isNullAt(6) ? -1 : r.getLong(6), r.isNullAt(7) ? -1 : r.getLong(7), servicePorts(r, 8));
          }
        }
        windows = writer.count();
      }
      checkEnough(windows);
      announce(windows);
      try (VectorFile source = VectorFile.open(vectors)) {
        trained = DetectorTrainer.global(source, arMissing == null ? series : null, arMissing, spec,
            config.hyperparameters(), out, progress);
      }
      Files.deleteIfExists(vectors);
    } else {
      ScopeGroups.Plan plan = plan();
      windows = plan.rows().stream().mapToLong(Long::longValue).sum();
      checkEnough(windows);
      announce(windows);
      GroupTraining.Trained groups = GroupTraining.train(trainingRows(spark, spec.id(), config.from(), config.to()),
          plan, spec, config.hyperparameters(), out, work);
      trained = DetectorTrainer.assemble(groups.groups(), plan, rangeWindows(), spec, config.hyperparameters(), out,
          groups.heldOutRows(), GroupTraining.TRAINING);
    }
    ModelManifest draft = ModelManifest.draft(config.name(), spec, trained.metadata(), trained.thresholdMethod(),
        trained.detectors(), trained.metrics(), config.from(), config.to(), codeVersion());
    ModelManifest published = registry.publish(config.name(), out, draft);
    Detectors d = published.detectors();
    String message = "published " + published.name() + "/" + published.version() + " val_loss="
        + published.valLoss() + " threshold=" + published.threshold()
        + (d.ar() != null ? " ar_threshold=" + d.ar().threshold() : "; no AR forecaster: " + d.arNote())
        + (d.scopeGroups() != null ? "; " + d.scopeGroups().groups().size() + " traffic group(s), "
            + String.format(java.util.Locale.ROOT, "%.1f", d.scopeGroups().keysPerWindow()) + " keys per window" : "")
        + (d.keyHistory() != null ? "; " + d.keyHistory().keys() + " prefix(es) with a threshold of their own" : "");
    PromotionDecision decision = null;
    if (config.promoteAlias() != null) {
      decision = registry.promote(config.name(), published.version(), config.promoteAlias(), config.force(),
          config.margin());
      System.out.println(decision.summary());
      message += "; " + decision.summary();
    }
    recordVersion(spark, published, decision, registry.root().toString());
    System.out.println(message);
    return new Training(JobRuns.counts(windows, windows, 1, 0, 0, 0, message), published, decision);
  }

  /** The traffic of every scope key over the range, grouped by {@link ScopeGroups#plan}. */
  private ScopeGroups.Plan plan() {
    Dataset<Row> rows = trainingRows(spark, config.spec().id(), config.from(), config.to());
    Map<String, ScopeGroups.KeyTraffic> traffic = new HashMap<>();
    for (Row r : rows.groupBy(col(SCOPE_KEY)).agg(count(lit(1)), sum(col(VECTOR_PACKETS)), max(col(VECTOR_FLOWS)),
        max(col(VECTOR_PACKETS))).collectAsList()) {
      traffic.put(r.getString(0), new ScopeGroups.KeyTraffic(r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2),
          r.isNullAt(3) ? 0 : r.getLong(3), r.isNullAt(4) ? 0 : r.getLong(4)));
    }
    long windowsWithKeys = rows.select(col(WINDOW_START)).distinct().count();
    if (traffic.isEmpty()) {
      checkEnough(0);
    }
    ScopeGroups.Plan plan = ScopeGroups.plan(traffic, rangeWindows(), windowsWithKeys);
    System.out.printf("grouping %,d scope keys by traffic: %d group(s) of %s rows; %.1f keys per window%n",
        traffic.size(), plan.groups(), plan.rows(), plan.keysPerWindow());
    return plan;
  }

  /** The windows of the training range. */
  private long rangeWindows() {
    return java.time.Duration.between(config.from(), config.to()).toSeconds() / config.spec().windowSeconds();
  }

  /** The vector of a row whose third column is the vector column, checked against the spec's dimension. */
  static float[] vector(Row r, FeatureSpec spec) {
    List<Float> v = r.getList(2);
    if (v.size() != spec.dimension()) {
      throw new IllegalStateException("a stored vector has " + v.size() + " values, the spec " + spec.id() + " has "
          + spec.dimension() + ": the port_vectors rows do not match the spec");
    }
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) out[i] = v.get(i);
    return out;
  }

  private void checkEnough(long windows) {
    if (windows < 10) {
      throw new IllegalStateException("only " + windows + " port vectors of spec " + config.spec().id() + " in ["
          + config.from() + ", " + config.to() + "): run `kaminari features` for the range first");
    }
  }

  private void announce(long windows) {
    System.out.printf("training %s on %,d windows of spec %s (%d features)%n", config.name(), windows,
        config.spec().id(), config.spec().dimension());
  }

  /**
   * Appends the published version to {@code kaminari.model_versions}, so SQL and notebooks see versions, metrics and
   * the promotion next to the scores; the registry stays the authority (a failed append leaves a published version
   * without its row, which {@code v_model_history} still lists from its scores).
   */
  static void recordVersion(SparkSession spark, ModelManifest m, PromotionDecision d, String registryRoot) {
    Row row = org.apache.spark.sql.RowFactory.create(m.name(), m.version(), m.created(), m.specId(), m.threshold(),
        m.thresholdMethod(), m.valLoss(), scala.collection.JavaConverters.mapAsScalaMap(m.metrics()),
        m.trainFrom(), m.trainTo(), m.trainSamples(), m.validationSamples(),
        d != null && d.moved() ? d.alias() : null, d == null ? null : d.summary(), registryRoot, m.codeVersion());
    spark.createDataFrame(List.of(row), spark.table(Warehouse.MODEL_VERSIONS).schema())
        .coalesce(1).write().insertInto(Warehouse.MODEL_VERSIONS);
  }

  /** The jar's version, or "dev" when run from classes. */
  static String codeVersion() {
    String v = TrainJob.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
