package io.kaminari.testing;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.SparkSessions;
import io.kaminari.pipeline.Warehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * One real local[2] SparkSession with the embedded Derby metastore per test JVM, built exactly as the CLI builds it.
 *
 * <p>Its home is a fresh directory under {@code target/}, so runs never see each other's tables. Tests that need empty
 * tables call {@link #resetWarehouse()}.
 */
public final class TestSpark {
  private static SparkSession spark;
  private static KaminariConfig config;

  private TestSpark() {}

  /** The shared session (created on first use). */
  public static synchronized SparkSession spark() {
    if (spark == null) {
      config = config();
      spark = SparkSessions.getOrCreate(config);
    }
    return spark;
  }

  /** The configuration of the shared session (its home, warehouse and checkpoints are under target/). */
  public static synchronized KaminariConfig config() {
    if (config == null) {
      try {
        Files.createDirectories(Path.of("target"));
        Path home = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "test-home-");
        config = KaminariConfig.load(null, Map.of(
            Settings.HOME.name(), home.toString(),
            Settings.SPARK_MASTER.name(), "local[2]",
            Settings.SHUFFLE_PARTITIONS.name(), "2"), Map.of());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return config;
  }

  /** Drops the configured database with all its data and creates it again, empty, as the session's current one. */
  public static void resetWarehouse() {
    Warehouse.Target target = Warehouse.Target.of(config());
    spark().sql("DROP DATABASE IF EXISTS " + target.database() + " CASCADE");
    Warehouse.ensure(spark(), target);
  }
}
