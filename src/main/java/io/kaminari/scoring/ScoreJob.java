package io.kaminari.scoring;

import static io.kaminari.common.Columns.BUSIEST_DST_FLOWS;
import static io.kaminari.common.Columns.BUSIEST_PAIR_FLOWS;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.EXPLANATION;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.IS_ANOMALY;
import static io.kaminari.common.Columns.MODEL_NAME;
import static io.kaminari.common.Columns.MODEL_VERSION;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SCORE;
import static io.kaminari.common.Columns.SERVICE_PORTS;
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

import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.model.AnomalyModel;
import io.kaminari.model.ArStates;
import io.kaminari.model.Detection;
import io.kaminari.model.Fusion;
import io.kaminari.model.LoadedModel;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import io.kaminari.model.ar.ArForecaster;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.TaskCompletionListener;

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
    boolean stateful = keepsKeyState(manifest);
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

  /**
   * Whether scoring {@code manifest}'s version puts each key's rows in time order first ({@link #inTimeOrderPerKey}),
   * with the warm-up windows before each chunk: its verdicts depend on a key's earlier windows.
   */
  public static boolean keepsKeyState(ModelManifest manifest) {
    return manifest.detectors() != null && manifest.detectors().keyState();
  }

  /** Each scope key's rows in one partition, in time order: the AR states advance window by window. */
  public static Dataset<Row> inTimeOrderPerKey(Dataset<Row> rows) {
    return rows.repartition(col(SCOPE_KEY)).sortWithinPartitions(col(SCOPE_KEY), col(WINDOW_START));
  }

  /**
   * Scores vector rows (port_vectors columns, plus {@link #WARM}) with the model version of {@code source}: one
   * anomaly_scores row per vector that is not warm-up. A partition must hold each key's rows in time order when the
   * model has an AR forecaster ({@link #inTimeOrderPerKey}).
   *
   * <p>Rows go in and out as Spark's internal rows: the vectors are read as {@code float[]} where the reader put them
   * and the verdicts built in Spark's own representation, where {@code Row}s boxed every value of every vector on the
   * way in and converted every field again on the way out (about a fifth of the scoring stage, docs/benchmarks.md).
   */
  static Dataset<Row> score(Dataset<Row> vectors, ModelSource source) {
    SparkSession spark = SparkSession.active();
    StructType schema = spark.table(Warehouse.ANOMALY_SCORES).schema();
    long scoredAt = Micros.of(Instant.now());
    Dataset<Row> input = vectors.select(col(WINDOW_START), col(WINDOW_END), col(SCOPE), col(SCOPE_KEY), col(VECTOR),
        col(VECTOR_FLOWS), col(VECTOR_PACKETS), col(SPEC_ID), col(DT), col(HOUR), col(SOURCES),
        col(TOP_DST_PREFIXES), col(TOP_SOURCES), col(TOP_DST_PORTS), col(WARM), col(BUSIEST_DST_FLOWS),
        col(BUSIEST_PAIR_FLOWS), col(SERVICE_PORTS));
    JavaRDD<InternalRow> scored = input.queryExecution().toRdd().toJavaRDD().mapPartitions(
        (FlatMapFunction<Iterator<InternalRow>, InternalRow>) rows -> {
          if (!rows.hasNext()) return Collections.emptyIterator();
          // The executor reads the same verified version the driver resolved: the manifest there is the authority.
          ScoringModel model = source.open();
          TaskContext.get().addTaskCompletionListener((TaskCompletionListener) task -> model.close());
          return scorePartition(rows, model, scoredAt);
        });
    return spark.internalCreateDataFrame(scored.rdd(), schema, false);
  }

  /**
   * The pure part of {@link #score}: the anomaly_scores rows of one partition's input rows (in the column order
   * {@link #score} selects), scored through {@link ScoringModel#score} in batches of {@link AnomalyModel#BATCH}, in
   * input order (so each key's windows reach its states in time order); a warm-up row is scored like the others, which
   * advances its key's states, and written by nobody. Lazy, a batch at a time, so a partition's verdicts are never all
   * in memory at once; {@code model} must stay open until the iterator is drained.
   */
  static Iterator<InternalRow> scorePartition(Iterator<InternalRow> rows, ScoringModel model, long scoredAtMicros) {
    ArStates states = model.newArStates();
    UTF8String name = UTF8String.fromString(model.name());
    return new Iterator<>() {
      private final List<InternalRow> batch = new ArrayList<>(AnomalyModel.BATCH);
      private final List<ScoringModel.Window> windows = new ArrayList<>(AnomalyModel.BATCH);
      private final List<InternalRow> out = new ArrayList<>(AnomalyModel.BATCH);
      private int next;

      @Override
      public boolean hasNext() {
        while (next == out.size() && rows.hasNext()) {
          out.clear();
          next = 0;
          while (batch.size() < AnomalyModel.BATCH && rows.hasNext()) {
            InternalRow r = rows.next().copy(); // the scan reuses its row; a batch holds 1,024 of them
            batch.add(r);
            windows.add(window(r));
          }
          List<Detection> detections = model.score(windows, states);
          for (int i = 0; i < batch.size(); i++) {
            InternalRow r = batch.get(i);
            if (r.getBoolean(14)) continue; // warm-up: its scoring only advanced the states
            out.add(verdict(r, detections.get(i), model.version(), name, scoredAtMicros));
          }
          batch.clear();
          windows.clear();
        }
        return next < out.size();
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) throw new NoSuchElementException();
        return out.get(next++);
      }
    };
  }

  /** The anomaly_scores row of an input row and its detection, in the table's column order. */
  private static InternalRow verdict(InternalRow r, Detection d, int version, UTF8String model, long scoredAt) {
    Fusion.Verdict v = d.verdict();
    List<String> explanation = d.explanation();
    Object[] text = new Object[explanation.size()];
    for (int i = 0; i < text.length; i++) text[i] = UTF8String.fromString(explanation.get(i));
    return new GenericInternalRow(new Object[] {r.getLong(0), r.getLong(1), r.getUTF8String(2), r.getUTF8String(3),
        v.score(), v.threshold(), v.anomaly(), new GenericArrayData(text), r.getLong(5), r.getLong(6),
        r.getUTF8String(7), scoredAt, d.ae().score(), d.aeThreshold(), d.ar() == null ? null : d.ar().score(),
        d.ar() == null ? null : d.arThreshold(), UTF8String.fromString(v.fired().text()),
        d.group() < 0 ? null : d.group(), r.getUTF8String(8), r.getInt(9), model, version});
  }

  /**
   * A vector row as the scorer's {@link ScoringModel.Window}; a null {@code sources}, {@code busiest_dst_flows} or
   * {@code busiest_pair_flows} (an older row) becomes -1, a null {@code service_ports} (an older row, or
   * {@code dst-prefix}) stays null.
   */
  static ScoringModel.Window window(InternalRow r) {
    return new ScoringModel.Window(r.getLong(0), r.getUTF8String(3).toString(), r.getArray(4).toFloatArray(),
        r.getLong(5), r.getLong(6), r.isNullAt(10) ? -1 : r.getLong(10), r.isNullAt(15) ? -1 : r.getLong(15),
        r.isNullAt(16) ? -1 : r.getLong(16), r.isNullAt(17) ? null : r.getArray(17).toIntArray(), strings(r, 11),
        strings(r, 12), strings(r, 13));
  }

  private static List<String> strings(InternalRow r, int i) {
    if (r.isNullAt(i)) return List.of();
    ArrayData a = r.getArray(i);
    String[] out = new String[a.numElements()];
    for (int j = 0; j < out.length; j++) out[j] = a.getUTF8String(j).toString();
    return List.of(out);
  }
}
