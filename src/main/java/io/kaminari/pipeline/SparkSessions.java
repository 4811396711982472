package io.kaminari.pipeline;

import io.kaminari.common.HadoopLogin;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the one SparkSession every job runs in, from the configuration alone.
 *
 * <p>The embedded default (no metastore URI) puts the Derby metastore and warehouse under {@code home}; a production
 * run differs only by configuration (remote metastore, {@code hdfs://} warehouse, a cluster master). Pass-through
 * {@code spark.*} settings are applied last, so they can override anything set here.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /** The active session if there is one (spark-submit, tests), configured for Kaminari; otherwise a new one. */
  public static SparkSession getOrCreate(KaminariConfig config) {
    Path home = Path.of(config.get(Settings.HOME)).toAbsolutePath().normalize();
    SparkSession.Builder b = SparkSession.builder()
        .appName("kaminari")
        .config("spark.sql.warehouse.dir", config.get(Settings.WAREHOUSE))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", config.get(Settings.SHUFFLE_PARTITIONS))
        // Reruns and late records overwrite exactly the partitions they produce, never the whole table.
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("hive.exec.dynamic.partition", "true")
        .config("hive.exec.dynamic.partition.mode", "nonstrict")
        .config("spark.sql.parquet.compression.codec", "zstd")
        // Timestamps as int64 microseconds, not the legacy INT96: Parquet's dictionary for 12-byte INT96 values hashes so
        // badly that writing the flows' five timestamp columns cost more than parsing the JSON (compaction profile).
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        // Hive's per-partition statistics gathering costs a metastore round trip per partition and nothing uses it.
        .config("spark.hadoop.hive.stats.autogather", "false")
        // Spark's console bar is off (it garbles logs); RunProgress logs each run's progress instead.
        .config("spark.ui.showConsoleProgress", "false")
        .config(RunProgress.CONF, String.valueOf(config.get(Settings.PROGRESS_INTERVAL).toMillis()))
        // Timestamps cross the Java API as java.time.Instant, not the legacy java.sql.Timestamp.
        .config("spark.sql.datetime.java8API.enabled", "true")
        .enableHiveSupport();
    if (System.getProperty("spark.master") == null) {
      b.master(config.get(Settings.SPARK_MASTER));
    }
    if (config.embeddedMetastore()) {
      try {
        java.nio.file.Files.createDirectories(home);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot create the home directory " + home, e);
      }
      System.setProperty("derby.stream.error.file", home.resolve("derby.log").toString());
      b.config("spark.hadoop.javax.jdo.option.ConnectionURL",
          "jdbc:derby:;databaseName=" + home.resolve("metastore_db") + ";create=true");
    } else {
      b.config("spark.hadoop.hive.metastore.uris", config.get(Settings.METASTORE_URIS));
    }
    config.passThrough(Settings.SPARK_PREFIX).forEach(b::config);
    SparkSession spark = b.getOrCreate();
    // The driver's own Hadoop clients (the warehouse's file system, the embedded metastore's) run as the keytab's
    // principal, from the keys Spark reads on a cluster manager too (spark.kerberos.principal and .keytab). After the
    // session starts: starting, Spark hands Hadoop's login code a configuration of its own, from the system properties
    // only, which would turn a login made before back to simple authentication.
    HadoopLogin.ensure(config);
    return spark;
  }
}
