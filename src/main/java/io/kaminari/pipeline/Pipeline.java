package io.kaminari.pipeline;

import static io.kaminari.common.Columns.MODEL_NAME;
import static io.kaminari.common.Columns.MODEL_VERSION;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.kaminari.common.FileTrees;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.features.spark.FeaturesConfig;
import io.kaminari.features.spark.FeaturesJob;
import io.kaminari.features.spark.SelectPortsConfig;
import io.kaminari.features.spark.SelectPortsJob;
import io.kaminari.incidents.spark.IncidentsConfig;
import io.kaminari.incidents.spark.IncidentsJob;
import io.kaminari.ingest.CompactConfig;
import io.kaminari.ingest.CompactJob;
import io.kaminari.ingest.LandConfig;
import io.kaminari.ingest.LandJob;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.spark.TrainConfig;
import io.kaminari.model.spark.TrainJob;
import io.kaminari.scoring.ScoreConfig;
import io.kaminari.scoring.ScoreJob;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The batch pipeline as one chain: {@link #land} -> {@link #compact} -> {@link #features} -> {@link #train} ->
 * {@link #score}, each stage a method that runs the real job (recorded in {@code job_runs} like any run) and returns a
 * typed result that the next stage takes. {@code kaminari demo}, {@code kaminari evaluate} and the upstream chain are
 * this chain on different inputs; the hourly DAG runs the same jobs one subcommand at a time.
 *
 * <p>What the stages share comes from the configuration in this one place: the compaction settings, the model registry,
 * the landing checkpoints, the training scratch directory and the promotion margin. Stages keep no state between
 * calls, so a caller may run any of them alone, repeat one (features of two specs), or add one: another scorer that
 * writes its own columns is one more method taking a {@link TrainJob.Training} or a {@link Scored} and returning its
 * own result.
 */
public final class Pipeline {
  /** Hours per Spark pass of {@link #score} ({@code kaminari score}'s default). */
  public static final int SCORE_CHUNK_HOURS = 24;

  private final SparkSession spark;
  private final KaminariConfig config;
  private final CompactConfig compact;
  private final ModelRegistry registry;
  private final Path workDir;

  /** The chain over {@code spark}'s warehouse with the settings of {@code config}. */
  public Pipeline(SparkSession spark, KaminariConfig config) {
    this.spark = spark;
    this.config = config;
    this.compact = CompactConfig.from(config);
    this.registry = ModelRegistry.fromConfig(config);
    this.workDir = Path.of(config.get(Settings.HOME)).resolve("tmp");
  }

  public SparkSession spark() {
    return spark;
  }

  /** The registry {@link #train} publishes to and {@link #score} loads from. */
  public ModelRegistry registry() {
    return registry;
  }

  /**
   * Empties what earlier runs of the chain left in a private home, so that a rerun starts clean: drops the configured
   * database, deletes the landing checkpoints and (if local) the model store, then recreates the tables. Callers
   * check first that the home is theirs to empty.
   *
   * @throws IllegalStateException for external tables, whose data a dropped database leaves in place
   */
  public void reset() throws IOException {
    Warehouse.Target target = Warehouse.Target.of(config);
    if (target.external()) {
      throw new IllegalStateException("reset empties the tables, which external tables survive: unset"
          + " warehouse.external-location for a private run");
    }
    spark.sql("DROP DATABASE IF EXISTS " + target.database() + " CASCADE");
    FileTrees.delete(Path.of(config.get(Settings.CHECKPOINTS).replaceFirst("^file:", ""), "land"));
    if ("file".equals(config.get(Settings.MODEL_STORE).getScheme())) {
      FileTrees.delete(Path.of(config.get(Settings.MODEL_STORE)));
    }
    Warehouse.ensure(spark, target);
  }

  // -- land -----------------------------------------------------------------------------------------------------------

  /**
   * Lands everything new of {@code topic} on a broker the caller started: the configured {@code kafka.*} client
   * settings (security, TLS) are the production cluster's and do not apply to it.
   */
  public LandJob.Landing land(String bootstrapServers, String topic) throws Exception {
    return land(new LandConfig(bootstrapServers, List.of(topic), Map.of(), null, config.get(Settings.CHECKPOINTS),
        config.get(Settings.MAX_OFFSETS_PER_TRIGGER)));
  }

  /** Lands the JSON-lines files of {@code dir} not landed before. */
  public LandJob.Landing landFiles(Path dir) throws Exception {
    return land(LandConfig.files(config, dir.toString()));
  }

  /** Lands what {@code land} names (any source, any checkpoint root). */
  public LandJob.Landing land(LandConfig land) throws Exception {
    return new LandJob(spark, land).land();
  }

  // -- compact --------------------------------------------------------------------------------------------------------

  /**
   * Compacts the arrival hours {@code landed} wrote. The run's {@link JobRun#eventHours()} are the flows partitions it
   * wrote, which are the hours {@link #features} must (re)build.
   *
   * @throws IllegalStateException if the landing run found nothing new
   */
  public JobRun compact(LandJob.Landing landed) throws Exception {
    ArrivalHours hours = landed.span().orElseThrow(() -> new IllegalStateException(
        "nothing new was landed (" + landed.run().message() + "): nothing to compact"));
    return compact(hours);
  }

  public JobRun compact(ArrivalHours hours) throws Exception {
    return new CompactJob(spark, compact).compact(hours);
  }

  // -- features -------------------------------------------------------------------------------------------------------

  /**
   * Chooses the {@code ports} busiest source and destination ports of {@code [from, to)} and writes them as a new spec
   * in the model store ({@code kaminari select-ports}).
   */
  public SelectPortsJob.Selection selectPorts(Instant from, Instant to, int ports, Scope scope, int windowSeconds,
      String name) throws Exception {
    return new SelectPortsJob(spark, SelectPortsConfig.of(config, from, to, ports, ports, scope, windowSeconds, name,
        null)).run();
  }

  /** Builds the port vectors of {@code spec} for the windows {@code [from, to)} (whole event hours are rebuilt). */
  public JobRun features(FeatureSpec spec, Instant from, Instant to) throws Exception {
    return new FeaturesJob(spark, FeaturesConfig.of(config, spec, from, to)).run();
  }

  // -- train ----------------------------------------------------------------------------------------------------------

  /**
   * Trains {@code model} on the vectors of {@code spec} in {@code [from, to)}, publishes the new version and offers it
   * to {@code champion} through the promotion gate ({@code force}: whatever the gate says).
   */
  public TrainJob.Training train(String model, FeatureSpec spec, Instant from, Instant to, Hyperparameters hp,
      boolean force) throws Exception {
    return new TrainJob(spark, new TrainConfig(model, spec, from, to, hp, ModelRef.CHAMPION, force,
        config.get(Settings.PROMOTION_MARGIN), workDir), registry).train();
  }

  // -- score ----------------------------------------------------------------------------------------------------------

  /**
   * A scoring run of the windows {@code [from, to)} with one fixed model version.
   *
   * @param model the version scored ({@code name/version}), whatever alias the caller named
   */
  public record Scored(JobRun run, ModelRef model, Instant from, Instant to) {}

  /**
   * Scores the windows {@code [from, to)} (their whole event hours) with {@code model}, resolved to a version first so
   * that the result names what was scored even if the alias moves.
   */
  public Scored score(ModelRef model, Instant from, Instant to) throws Exception {
    ModelRef version = ModelRef.version(model.name(), registry.resolve(model));
    JobRun run = new ScoreJob(spark, new ScoreConfig(version, EventHours.covering(from, to), SCORE_CHUNK_HOURS),
        registry).run();
    return new Scored(run, version, from, to);
  }

  /** Recomputes the incidents of {@code scored}'s range from its scores into {@code kaminari.incidents}. */
  public IncidentsJob.Result incidents(Scored scored) throws Exception {
    return new IncidentsJob(spark, new IncidentsConfig(scored.model().name(), scored.model().version(), scored.from(),
        scored.to(), config.get(Settings.INCIDENT_QUIET_WINDOWS), config.get(Settings.INCIDENT_LOOKBACK))).run();
  }

  /** The {@code anomaly_scores} rows {@code scored} wrote for the windows of its range in {@code scope}. */
  public Dataset<Row> scores(Scored scored, Scope scope) {
    return spark.table(Warehouse.ANOMALY_SCORES)
        .where(expr(HourRange.covering(scored.from(), scored.to()).where())
            .and(col(WINDOW_START).geq(scored.from())).and(col(WINDOW_START).lt(scored.to()))
            .and(col(MODEL_NAME).equalTo(scored.model().name()))
            .and(col(MODEL_VERSION).equalTo(scored.model().version()))
            .and(col(SCOPE).equalTo(scope.jsonName())));
  }
}
