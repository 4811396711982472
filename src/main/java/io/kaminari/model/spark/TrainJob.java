package io.kaminari.model.spark;

import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelMetadata;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.PromotionDecision;
import io.kaminari.model.Trainer;
import io.kaminari.model.TrainingResult;
import io.kaminari.model.VectorFile;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.kaminari.common.time.HourRange;
import io.kaminari.common.time.Micros;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Trains the autoencoder on the port vectors of a period and publishes it as a new immutable registry version.
 *
 * <p>The vectors are streamed from Spark to a local {@link VectorFile} in time order ({@code toLocalIterator}, one
 * partition at a time), so the driver never holds the training set as Java objects: the limit is local disk (4 bytes
 * per feature per window plus 8 per window), not heap. Training and validation follow {@link Trainer} (the most
 * recent windows validate). The version is then offered to {@link TrainConfig#promoteAlias()} through the registry's
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

  /** The vectors of the spec over the range, in time order (then scope key, so the order is total). */
  public static Dataset<Row> trainingVectors(SparkSession spark, String specId, Instant from, Instant to) {
    return spark.table(Warehouse.PORT_VECTORS)
        .where(expr(HourRange.covering(from, to).where()).and(col(SPEC_ID).equalTo(specId))
            .and(col(WINDOW_START).geq(from)).and(col(WINDOW_START).lt(to)))
        .select(col(WINDOW_START), col(SCOPE_KEY), col(VECTOR))
        .orderBy(col(WINDOW_START), col(SCOPE_KEY));
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
    Warehouse.ensure(spark);
    Training[] done = new Training[1];
    JobRun run = JobRuns.run(spark, "train", config.from(), config.to(), runId -> {
      Path work = Files.createDirectories(config.workDir().resolve("train-" + runId));
      try {
        done[0] = trainAndPublish(work);
        return done[0].run();
      } finally {
        deleteTree(work);
      }
    });
    return new Training(run, done[0].published(), done[0].promotion());
  }

  /** Trains and publishes; the run in the result holds only the counts ({@link JobRuns#run} fills in the rest). */
  private Training trainAndPublish(Path work) throws Exception {
    int dim = config.spec().dimension();
    Path vectors = work.resolve("vectors.bin");
    long windows = 0;
    try (VectorFile.Writer out = VectorFile.create(vectors, dim)) {
      Iterator<Row> it = trainingVectors(spark, config.spec().id(), config.from(), config.to()).toLocalIterator();
      float[] buf = new float[dim];
      while (it.hasNext()) {
        Row r = it.next();
        List<Float> v = r.getList(2);
        if (v.size() != dim) {
          throw new IllegalStateException("a stored vector has " + v.size() + " values, the spec " + config.spec().id()
              + " has " + dim + ": the port_vectors rows do not match the spec");
        }
        for (int i = 0; i < dim; i++) buf[i] = v.get(i);
        Instant t = r.getAs(0);
        out.append(Micros.of(t), buf);
        windows++;
      }
    }
    if (windows < 10) {
      throw new IllegalStateException("only " + windows + " port vectors of spec " + config.spec().id() + " in ["
          + config.from() + ", " + config.to() + "): run `kaminari features` for the range first");
    }
    System.out.printf("training %s on %,d windows of spec %s (%d features)%n", config.name(), windows,
        config.spec().id(), dim);
    Path out = Files.createDirectories(work.resolve("model"));
    TrainingResult result;
    try (VectorFile source = VectorFile.open(vectors)) {
      // Each epoch once, on stdout with the job's other output (the Trainer itself does not log them).
      result = Trainer.train(source, dim, config.hyperparameters(), out, p -> System.out.println(p.line()));
    }
    Files.deleteIfExists(vectors);
    ModelManifest draft = ModelManifest.draft(config.name(), config.spec(), ModelMetadata.read(out),
        result.thresholdMethod().text() + " of " + result.thresholdBasis(), result.validationMetrics(), config.from(),
        config.to(), codeVersion());
    ModelManifest published = registry.publish(config.name(), out, draft);
    String message = "published " + published.name() + "/" + published.version() + " val_loss="
        + published.valLoss() + " threshold=" + published.threshold();
    PromotionDecision d = null;
    if (config.promoteAlias() != null) {
      d = registry.promote(config.name(), published.version(), config.promoteAlias(), config.force(),
          config.margin());
      System.out.println(d.summary());
      message += "; " + d.summary();
    }
    recordVersion(spark, published, d, registry.root().toString());
    System.out.println(message);
    return new Training(JobRuns.counts(windows, windows, 1, 0, 0, 0, message), published, d);
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

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
