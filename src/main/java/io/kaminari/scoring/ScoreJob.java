package io.kaminari.scoring;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.EXPLANATION;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.IS_ANOMALY;
import static io.kaminari.common.Columns.MODEL_NAME;
import static io.kaminari.common.Columns.MODEL_VERSION;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SCORE;
import static io.kaminari.common.Columns.SOURCES;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.TOP_DST_PORTS;
import static io.kaminari.common.Columns.TOP_DST_PREFIXES;
import static io.kaminari.common.Columns.TOP_SOURCES;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.VECTOR_FLOWS;
import static io.kaminari.common.Columns.VECTOR_PACKETS;
import static io.kaminari.common.Columns.WINDOW_END;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.kaminari.common.time.EventHours;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.HourRange;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.model.ArStates;
import io.kaminari.model.Detection;
import io.kaminari.model.Fusion;
import io.kaminari.model.ar.ArForecaster;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.model.AnomalyModel;
import io.kaminari.model.LoadedModel;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Scores the port vectors of a set of event hours with one registry model version and writes its production verdicts
 * to {@code kaminari.anomaly_scores}: the fused score against 1.0 in {@code score}/{@code threshold}/{@code is_anomaly},
 * each detector's score and threshold, which one fired, and the explanation ({@link ScoringModel#score}, the function
 * the streaming scorer calls too).
 *
 * <p>With an AR forecaster, or under {@code dst-prefix} with a {@link io.kaminari.model.KeyHistory}, every chunk's
 * vectors are joined by the warm-up vectors of the windows just before it, then grouped by scope key and sorted by
 * window ({@link #inTimeOrderPerKey}), so each key's states advance window by window from where a stream that had been
 * running would be; the warm-up rows are scored for that and written nowhere.
 *
 * <p>The alias is resolved once, on the driver, to a fixed version, which is verified (checksums, spec) before any
 * work starts; every partition then loads that version from the registry (a local, verified copy per executor JVM)
 * into a {@link ScoringModel}, the loading path of the streaming scorer too, and scores its vectors in batches.
 * Idempotent per hour and model version: each chunk (at most {@link ScoreConfig#chunkHours()} consecutive hours)
 * overwrites exactly the (dt, hour, model_name, model_version)
 * partitions it produces.
 */
public final class ScoreJob {
  /** The input column marking a warm-up row: scored to advance its key's states, not written. */
  static final String WARM = "_warm";
  /** The observed counts of a chunk's write. */
  private static final String ROWS = "rows";
  private static final String ANOMALIES = "anomalies";
  /** Windows of warm-up: the most any version's states remember. */
  static final int WARM_UP_WINDOWS = Math.max(ArForecaster.MAX_MEMORY_WINDOWS, io.kaminari.model.KeyHistory.SPAN - 1);

  private final SparkSession spark;
  private final ScoreConfig config;
  private final ModelRegistry registry;

  public ScoreJob(SparkSession spark, ScoreConfig config, ModelRegistry registry) {
    this.spark = spark;
    this.config = config;
    this.registry = registry;
  }

  /** Where executors find the model: registry root, fixed version, and the Hadoop settings to reach it. */
  record ModelSource(String root, String name, int version, Map<String, String> hadoop) implements Serializable {
    /**
     * The verified local copy, fetched once per JVM and source: concurrent tasks of one executor share it, and a
     * private cache directory per JVM keeps executors (or two registries with the same model name) from replacing
     * each other's files while they are read.
     */
    LoadedModel fetch() {
      return LOADED.computeIfAbsent(this, s -> {
        Configuration conf = new Configuration();
        s.hadoop().forEach(conf::set);
        return new ModelRegistry(URI.create(s.root()), conf)
            .load(ModelRef.version(s.name(), s.version()), jvmCache());
      });
    }

    /**
     * A scorer of this version, loaded from the JVM's verified copy; one per partition, because a scorer serialises
     * its callers and an executor runs several tasks at once. The caller closes it.
     */
    ScoringModel open() {
      return ScoringModel.load(fetch());
    }
  }

  private static final Map<ModelSource, LoadedModel> LOADED = new java.util.concurrent.ConcurrentHashMap<>();
  private static Path jvmCacheDir;

  private static synchronized Path jvmCache() {
    if (jvmCacheDir == null) {
      try {
        jvmCacheDir = java.nio.file.Files.createTempDirectory("kaminari-models-");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot create a local model cache", e);
      }
    }
    return jvmCacheDir;
  }

  public JobRun run() throws Exception {
    int version = registry.resolve(config.model());
    ModelManifest manifest = registry.verify(config.model().name(), version);
    HourRange span = config.hours().span();
    boolean withAr = manifest.detectors() != null && manifest.detectors().ar() != null;
    boolean stateful = manifest.detectors() != null && manifest.detectors().keyState();
    return JobRuns.run(spark, "score", span.start(), span.end(), runId -> {
      Map<String, String> hadoop = new java.util.HashMap<>();
      spark.sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
      ModelSource source = new ModelSource(registry.root().toString(), manifest.name(), version, hadoop);
      long windows = 0;
      long anomalies = 0;
      for (HourRange chunk : chunks(config.hours(), config.chunkHours())) {
        Dataset<Row> input = vectors(spark, manifest.specId(), chunk).withColumn(WARM, lit(false));
        if (stateful) input = inTimeOrderPerKey(input.union(warmUp(spark, manifest.spec(), chunk)));
        // One pass: the counts are observed on the write (no cached copy; an empty chunk replaces no partition, as
        // the dynamic overwrite replaces only the partitions it writes, and then fails the run).
        Observation counted = new Observation("score-" + runId + "-" + chunk);
        score(input, source).observe(counted, count(lit(1)).as(ROWS),
                sum(when(col(IS_ANOMALY), 1L).otherwise(0L)).as(ANOMALIES))
            .write().mode("overwrite").insertInto(Warehouse.ANOMALY_SCORES);
        Map<String, Object> c = counted.getAsJava();
        long n = ((Number) c.get(ROWS)).longValue();
        if (n == 0) {
          throw new IllegalStateException("no port vectors of spec " + manifest.specId() + " in event hours " + chunk
              + ": run `kaminari features` for them with that spec first");
        }
        long a = ((Number) c.get(ANOMALIES)).longValue();
        windows += n;
        anomalies += a;
        System.out.printf("scored %s with %s/%d: %,d windows, %,d anomalies%n", chunk, manifest.name(), version, n,
            a);
      }
      return JobRuns.counts(windows, windows, windows, 0, 0, 0, manifest.name() + "/" + version + ": " + anomalies
          + " anomalies" + (withAr ? " (autoencoder and AR forecaster)" : " (autoencoder)"))
          .withEventHours(config.hours());
    });
  }

  /** {@code hours} as runs of at most {@code chunkHours} consecutive hours, in order. */
  static List<HourRange> chunks(EventHours hours, int chunkHours) {
    List<HourRange> out = new ArrayList<>();
    for (HourRange run : hours.ranges()) {
      for (Hour from = run.from(); from.compareTo(run.to()) < 0; from = from.plus(chunkHours)) {
        Hour to = from.plus(chunkHours);
        out.add(new HourRange(from, to.compareTo(run.to()) < 0 ? to : run.to()));
      }
    }
    return out;
  }

  /**
   * The vectors of {@code specId} of the event hours {@code hours}, reading only those hour partitions (a vector's
   * partition is the hour of its window start).
   */
  public static Dataset<Row> vectors(SparkSession spark, String specId, HourRange hours) {
    return spark.table(Warehouse.PORT_VECTORS).where(expr(hours.where()).and(col(SPEC_ID).equalTo(specId)));
  }

  /**
   * The warm-up of a chunk: the vectors of the {@link #WARM_UP_WINDOWS} windows before it, marked {@link #WARM}. A
   * state remembers only its model's own {@code memoryWindows()}, so feeding it these first makes the chunk's scores
   * exactly those of a stream that saw every window (see {@code models/flow-ar/MODEL_CARD.md}).
   */
  static Dataset<Row> warmUp(SparkSession spark, FeatureSpec spec, HourRange chunk) {
    Instant to = chunk.start();
    Instant from = to.minusSeconds((long) WARM_UP_WINDOWS * spec.windowSeconds());
    return spark.table(Warehouse.PORT_VECTORS)
        .where(expr(HourRange.covering(from, to).where()).and(col(SPEC_ID).equalTo(spec.id()))
            .and(col(WINDOW_START).geq(from)).and(col(WINDOW_START).lt(to)))
        .withColumn(WARM, lit(true));
  }

  /** Each scope key's rows in one partition, in time order: the AR states advance window by window. */
  static Dataset<Row> inTimeOrderPerKey(Dataset<Row> rows) {
    return rows.repartition(col(SCOPE_KEY)).sortWithinPartitions(col(SCOPE_KEY), col(WINDOW_START));
  }

  /**
   * Scores vector rows (port_vectors columns, plus {@link #WARM}) with the model version of {@code source}: one
   * anomaly_scores row per vector that is not warm-up. A partition must hold each key's rows in time order when the
   * model has an AR forecaster ({@link #inTimeOrderPerKey}).
   */
  static Dataset<Row> score(Dataset<Row> vectors, ModelSource source) {
    StructType schema = SparkSession.active().table(Warehouse.ANOMALY_SCORES).schema();
    Instant scoredAt = Instant.now();
    return vectors.select(col(WINDOW_START), col(WINDOW_END), col(SCOPE), col(SCOPE_KEY), col(VECTOR),
            col(VECTOR_FLOWS), col(VECTOR_PACKETS), col(SPEC_ID), col(DT), col(HOUR), col(SOURCES),
            col(TOP_DST_PREFIXES), col(TOP_SOURCES), col(TOP_DST_PORTS), col(WARM))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
          if (!rows.hasNext()) return java.util.Collections.emptyIterator();
          // The executor reads the same verified version the driver resolved: the manifest there is the authority.
          try (ScoringModel model = source.open()) {
            return scorePartition(rows, model, scoredAt).iterator();
          }
        }, Encoders.row(schema));
  }

  /**
   * The pure part of {@link #score}: the anomaly_scores rows of one partition's input rows (in the column order
   * {@link #score} selects), scored through {@link ScoringModel#score} in batches of {@link AnomalyModel#BATCH}, in
   * input order (so each key's windows reach its states in time order); a warm-up row is scored like the others, which
   * advances its key's states, and written by nobody.
   */
  static List<Row> scorePartition(Iterator<Row> rows, ScoringModel model, Instant scoredAt) {
    ArStates states = model.newArStates();
    List<Row> out = new ArrayList<>();
    List<Row> batch = new ArrayList<>(AnomalyModel.BATCH);
    List<ScoringModel.Window> windows = new ArrayList<>(AnomalyModel.BATCH);
    while (rows.hasNext()) {
      Row r = rows.next();
      batch.add(r);
      windows.add(window(r));
      if (batch.size() == AnomalyModel.BATCH) flush(model, states, batch, windows, scoredAt, out);
    }
    flush(model, states, batch, windows, scoredAt, out);
    return out;
  }

  /** A vector row as the scorer's {@link ScoringModel.Window}; a null {@code sources} (an older row) becomes -1. */
  static ScoringModel.Window window(Row r) {
    List<Float> v = r.getList(4);
    float[] x = new float[v.size()];
    for (int j = 0; j < x.length; j++) x[j] = v.get(j);
    return new ScoringModel.Window(Micros.of(r.<Instant>getAs(0)), r.getString(3), x, r.getLong(5), r.getLong(6),
        r.isNullAt(10) ? -1 : r.getLong(10), strings(r, 11), strings(r, 12), strings(r, 13));
  }

  private static List<String> strings(Row r, int i) {
    return r.isNullAt(i) ? List.of() : r.getList(i);
  }

  private static void flush(ScoringModel model, ArStates states, List<Row> batch, List<ScoringModel.Window> windows,
      Instant scoredAt, List<Row> out) {
    if (batch.isEmpty()) return;
    List<Detection> detections = model.score(windows, states);
    for (int i = 0; i < batch.size(); i++) {
      Row r = batch.get(i);
      if (r.getBoolean(14)) continue; // warm-up: its scoring only advanced the states
      Detection d = detections.get(i);
      Fusion.Verdict v = d.verdict();
      out.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), v.score(), v.threshold(), v.anomaly(),
          d.explanation().toArray(new String[0]), r.get(5), r.get(6), r.get(7), scoredAt, d.ae().score(),
          d.aeThreshold(), d.ar() == null ? null : d.ar().score(), d.ar() == null ? null : d.arThreshold(),
          v.fired().text(), d.group() < 0 ? null : d.group(), r.get(8), r.get(9), model.name(), model.version()));
    }
    batch.clear();
    windows.clear();
  }
}
