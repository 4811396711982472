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
import static io.kaminari.common.Columns.SCORED_AT;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.THRESHOLD;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.VECTOR_FLOWS;
import static io.kaminari.common.Columns.VECTOR_PACKETS;
import static io.kaminari.common.Columns.WINDOW_END;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.kaminari.common.time.EventHours;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.HourRange;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.model.AnomalyModel;
import io.kaminari.model.LoadedModel;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.Score;
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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Scores the port vectors of a set of event hours with one registry model version and writes
 * {@code kaminari.anomaly_scores}.
 *
 * <p>The alias is resolved once, on the driver, to a fixed version, which is verified (checksums, spec) before any
 * work starts; every partition then loads that version from the registry (a local, verified copy per executor JVM)
 * into a {@link ScoringModel}, the loading path of the streaming scorer too, and scores its vectors in batches.
 * Idempotent per hour and model version: each chunk (at most {@link ScoreConfig#chunkHours()} consecutive hours)
 * overwrites exactly the (dt, hour, model_name, model_version)
 * partitions it produces.
 */
public final class ScoreJob {
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
    Warehouse.ensure(spark);
    int version = registry.resolve(config.model());
    ModelManifest manifest = registry.verify(config.model().name(), version);
    HourRange span = config.hours().span();
    return JobRuns.run(spark, "score", span.start(), span.end(), runId -> {
      Map<String, String> hadoop = new java.util.HashMap<>();
      spark.sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
      ModelSource source = new ModelSource(registry.root().toString(), manifest.name(), version, hadoop);
      long windows = 0;
      long anomalies = 0;
      for (HourRange chunk : chunks(config.hours(), config.chunkHours())) {
        Dataset<Row> scored = score(vectors(spark, manifest.specId(), chunk), source)
            .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        try {
          long n = scored.count();
          if (n == 0) {
            throw new IllegalStateException("no port vectors of spec " + manifest.specId() + " in event hours " + chunk
                + ": run `kaminari features` for them with that spec first");
          }
          scored.write().mode("overwrite").insertInto(Warehouse.ANOMALY_SCORES);
          long a = scored.where(col(IS_ANOMALY)).count();
          windows += n;
          anomalies += a;
          System.out.printf("scored %s with %s/%d: %,d windows, %,d anomalies%n", chunk, manifest.name(), version, n,
              a);
        } finally {
          scored.unpersist();
        }
      }
      return JobRuns.counts(windows, windows, windows, 0, 0, 0, manifest.name() + "/" + version + ": " + anomalies
          + " anomalies").withEventHours(config.hours());
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

  /** Scores vector rows (port_vectors columns) with the model version of {@code source}: one row per vector. */
  static Dataset<Row> score(Dataset<Row> vectors, ModelSource source) {
    StructType schema = SparkSession.active().table(Warehouse.ANOMALY_SCORES).schema();
    Instant scoredAt = Instant.now();
    return vectors.select(col(WINDOW_START), col(WINDOW_END), col(SCOPE), col(SCOPE_KEY), col(VECTOR),
            col(VECTOR_FLOWS), col(VECTOR_PACKETS), col(SPEC_ID), col(DT), col(HOUR))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
          if (!rows.hasNext()) return java.util.Collections.emptyIterator();
          // The executor reads the same verified version the driver resolved: the manifest there is the authority.
          try (ScoringModel model = source.open()) {
            List<Row> out = new ArrayList<>();
            List<Row> batch = new ArrayList<>(AnomalyModel.BATCH);
            while (rows.hasNext()) {
              batch.add(rows.next());
              if (batch.size() == AnomalyModel.BATCH || !rows.hasNext()) {
                scoreBatch(model, batch, scoredAt, out);
                batch.clear();
              }
            }
            return out.iterator();
          }
        }, Encoders.row(schema));
  }

  private static void scoreBatch(ScoringModel model, List<Row> batch, Instant scoredAt, List<Row> out) {
    float[][] x = new float[batch.size()][];
    for (int i = 0; i < x.length; i++) {
      List<Float> v = batch.get(i).getList(4);
      x[i] = new float[v.size()];
      for (int j = 0; j < x[i].length; j++) x[i][j] = v.get(j);
    }
    Score[] scores = model.score(x);
    double threshold = model.threshold();
    for (int i = 0; i < x.length; i++) {
      Row r = batch.get(i);
      Score s = scores[i];
      out.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), s.score(), threshold, s.score() > threshold,
          model.explain(s).toArray(new String[0]), r.get(5), r.get(6), r.get(7), scoredAt, r.get(8), r.get(9),
          model.name(), model.version()));
    }
  }
}
