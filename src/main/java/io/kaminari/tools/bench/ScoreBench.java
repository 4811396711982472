package io.kaminari.tools.bench;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.xxhash64;

import io.kaminari.common.Columns;
import io.kaminari.common.FileTrees;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.scoring.ScoreJob;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * {@code bench score}: the throughput of batch scoring ({@code kaminari score}, {@link Pipeline#score}, the Spark
 * {@code ScoreJob}) over N port vectors; ends with {@code BENCH score windows=<n> windows_per_s_per_core=<x>
 * seconds=<s> cores=<c> floor_windows_per_s_per_core=<f>}, the last the same rows moved through Spark without a model
 * ({@link #floorSeconds}).
 *
 * <p>The vectors are the seed {@code dst-prefix} spec's: {@value #KEYS} destination prefixes per 5-minute window, as
 * many windows as N needs (1M vectors: 1,000 windows, about 3.5 days), written straight into {@code port_vectors}
 * (deterministic hashes of a row number: every run scores the same vectors; a quarter of the features non-zero).
 * Their content does not change the work: every vector goes through the same network. A model is trained on the first
 * hour's vectors (2 epochs: its quality is not what is measured) and published; then the scoring run is timed, from
 * resolving the version to the last committed {@code anomaly_scores} partition, so it includes reading the vectors,
 * the model load per task, inference in batches, and writing. {@code dst-prefix} because that is the scope with many
 * vectors per window: under {@code global} a day is 288 windows, and the AR forecaster's per-key time order puts one
 * key's rows in one task.
 *
 * <p>Per core: divided by Spark's default parallelism (the cores of {@code local[*]}).
 */
public final class ScoreBench {
  private ScoreBench() {}

  public static final String NAME = "score";
  /** Destination prefixes per window. */
  public static final int KEYS = 1000;
  static final String MODEL = "bench-score";
  public static final Instant DAY = Instant.parse("2024-05-01T00:00:00Z");

  /** Writes {@code windows} vectors, trains and publishes a model, times scoring them all, prints the line. */
  public static void run(SparkSession spark, KaminariConfig config, long windows, PrintStream out) throws Exception {
    if (windows < KEYS) throw new IllegalArgumentException("--windows must be >= " + KEYS + " (one window of keys)");
    FeatureSpec spec = FeatureSpec.seed(Scope.DST_PREFIX);
    Pipeline pipeline = new Pipeline(spark, config);
    Warehouse.ensure(spark, Warehouse.Target.of(config));
    long rows = windows / KEYS * KEYS; // whole windows
    vectors(spark, spec, rows).write().mode("overwrite").insertInto(Warehouse.PORT_VECTORS);
    Instant end = DAY.plusSeconds(rows / KEYS * spec.windowSeconds());

    Hyperparameters hp = Hyperparameters.DEFAULTS.withEpochs(2, 0).withTrimFraction(0)
        .withThreshold(ThresholdMethod.parse("quantile:0.999"));
    ModelManifest published = pipeline.train(MODEL, spec, DAY, DAY.plusSeconds(3600), hp, true).published();
    int version = published.version();

    long started = System.nanoTime();
    long scored = pipeline.score(ModelRef.version(MODEL, version), DAY, end).run().outputRows();
    double seconds = (System.nanoTime() - started) / 1e9;
    if (scored != rows) {
      throw new IllegalStateException("scored " + scored + " windows of the " + rows + " written");
    }
    double floor = floorSeconds(spark, spec, end, ScoreJob.keepsKeyState(published),
        Path.of(config.get(Settings.HOME)).resolve("score-floor"));
    int cores = spark.sparkContext().defaultParallelism();
    out.flush();
    out.printf(Locale.ROOT, "BENCH %s windows=%d windows_per_s_per_core=%.0f seconds=%.2f cores=%d"
        + " floor_windows_per_s_per_core=%.0f%n", NAME, rows, rows / seconds / cores, seconds, cores,
        rows / floor / cores);
    out.flush();
  }

  /**
   * Spark's own floor for the scoring job's shape: the same vectors read from {@code port_vectors} and written as rows
   * of {@code anomaly_scores}' columns and partitions to a scratch Parquet directory (deleted after), with verdicts
   * computed by expressions instead of a model. What scoring would cost if the model, the explanation and the verdict
   * rows were free. The rows are put in each prefix's time order first exactly when the timed run did that
   * ({@code keyState}, {@link ScoreJob#keepsKeyState}).
   */
  static double floorSeconds(SparkSession spark, FeatureSpec spec, Instant end, boolean keyState, Path scratch) {
    Column flows = col(Columns.VECTOR_FLOWS);
    Column score = flows.cast("double").divide(700);
    Map<String, Column> values = new HashMap<>();
    for (String passed : List.of(Columns.WINDOW_START, Columns.WINDOW_END, Columns.SCOPE, Columns.SCOPE_KEY,
        Columns.VECTOR_FLOWS, Columns.VECTOR_PACKETS, Columns.SPEC_ID, Columns.DT, Columns.HOUR)) {
      values.put(passed, col(passed));
    }
    values.put(Columns.SCORE, score);
    values.put(Columns.THRESHOLD, lit(1.0));
    values.put(Columns.IS_ANOMALY, score.gt(1.0));
    values.put(Columns.EXPLANATION, array(format_string("dst_port %d pps %d%%", pmod(flows, lit(64)),
        pmod(col(Columns.VECTOR_PACKETS), lit(100))), lit("src_port other dst_ports 20%"), lit("dst_port 80 pps 9%")));
    values.put(Columns.SCORED_AT, current_timestamp());
    values.put(Columns.AE_SCORE, score);
    values.put(Columns.AE_THRESHOLD, lit(1.0));
    values.put(Columns.AR_SCORE, lit(null));
    values.put(Columns.AR_THRESHOLD, lit(null));
    values.put(Columns.FIRED, lit("ae"));
    values.put(Columns.TRAFFIC_GROUP, pmod(flows, lit(4)));
    values.put(Columns.MODEL_NAME, lit(MODEL));
    values.put(Columns.MODEL_VERSION, lit(0));
    List<Column> columns = new ArrayList<>();
    for (StructField f : spark.table(Warehouse.ANOMALY_SCORES).schema().fields()) {
      Column v = values.get(f.name());
      if (v == null) throw new IllegalStateException("no floor value for anomaly_scores." + f.name());
      columns.add(v.cast(f.dataType()).as(f.name()));
    }
    long started = System.nanoTime();
    Dataset<Row> vectors = ScoreJob.vectors(spark, spec.id(), HourRange.covering(DAY, end));
    if (keyState) vectors = ScoreJob.inTimeOrderPerKey(vectors);
    vectors.select(columns.toArray(Column[]::new)).write().mode("overwrite").partitionBy(Columns.DT, Columns.HOUR, Columns.MODEL_NAME, Columns.MODEL_VERSION)
        .parquet(scratch.toUri().toString());
    double seconds = (System.nanoTime() - started) / 1e9;
    FileTrees.deleteQuietly(scratch);
    return seconds;
  }

  /**
   * {@code n} rows of {@code port_vectors} for {@code spec}: {@value #KEYS} prefixes per window from {@link #DAY}, each
   * vector a quarter non-zero values (also the training rows of {@code GroupTrainingIT}).
   */
  public static Dataset<Row> vectors(SparkSession spark, FeatureSpec spec, long n) {
    long windowMicros = spec.windowMicros();
    Column window = col("id").divide(KEYS).cast("long");
    Column key = pmod(col("id"), lit(KEYS));
    Column start = timestamp_micros(lit(Micros.of(DAY)).plus(window.multiply(windowMicros)));
    Column flows = lit(1L).plus(pmod(xxhash64(col("id"), lit(1)), lit(1000L)));
    Map<String, Column> values = new HashMap<>();
    values.put(Columns.WINDOW_START, start);
    values.put(Columns.WINDOW_END, timestamp_micros(lit(Micros.of(DAY)).plus(window.plus(1).multiply(windowMicros))));
    values.put(Columns.SCOPE, lit(spec.scope().jsonName()));
    values.put(Columns.SCOPE_KEY, format_string("10.%d.%d.0/24", key.divide(256).cast("int"), pmod(key, lit(256))));
    values.put(Columns.VECTOR, expr(String.format(Locale.ROOT, "transform(sequence(0, %d), i -> CAST(IF(pmod("
        + "xxhash64(id, i), 4) = 0, pmod(xxhash64(id, i, 7), 10000) / 10.0, 0) AS FLOAT))", spec.dimension() - 1)));
    values.put(Columns.VECTOR_FLOWS, flows);
    values.put(Columns.VECTOR_PACKETS, flows.multiply(10));
    values.put(Columns.SOURCES, pmod(xxhash64(col("id"), lit(2)), lit(100L)));
    values.put(Columns.TOP_DST_PREFIXES, expr("array()"));
    values.put(Columns.TOP_SOURCES, expr("array()"));
    values.put(Columns.TOP_DST_PORTS, expr("array()"));
    values.put(Columns.ESTIMATED_COUNTS, lit(0));
    values.put(Columns.BUSIEST_DST_FLOWS, lit(0L));
    values.put(Columns.BUSIEST_PAIR_FLOWS, lit(0L));
    values.put(Columns.SERVICE_PORTS, expr("array(22, 53, 80, 443)"));
    values.put(Columns.DT, date_format(start, "yyyy-MM-dd"));
    values.put(Columns.HOUR, hour(start));
    values.put(Columns.SPEC_ID, lit(spec.id()));
    List<Column> columns = new ArrayList<>();
    for (StructField f : spark.table(Warehouse.PORT_VECTORS).schema().fields()) {
      Column v = values.get(f.name());
      if (v == null) throw new IllegalStateException("no synthetic value for port_vectors." + f.name());
      columns.add(v.cast(f.dataType()).as(f.name()));
    }
    return spark.range(n).select(columns.toArray(Column[]::new));
  }
}
