package io.kaminari.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.cli.Main;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link RetainJob} on the embedded metastore: two tables of its own shape (hour partitions with a further column, and
 * day partitions), so that the shared kaminari tables of the other tests keep their data. A dry run drops nothing, a
 * run drops exactly the partitions wholly before the cutoff with their files, a rerun nothing more; the CLI refuses
 * what it cannot apply.
 */
class RetainIT {
  static final String HOURS = "retain_it.hours";
  static final String DAYS = "retain_it.days";
  static final Instant CUTOFF = Instant.parse("2024-05-02T00:30:00Z");
  private static SparkSession spark;

  @BeforeAll
  static void tables() {
    spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    spark.sql("DROP DATABASE IF EXISTS retain_it CASCADE");
    spark.sql("CREATE DATABASE retain_it");
    spark.sql("CREATE TABLE " + HOURS + " (x INT) PARTITIONED BY (dt STRING, hour INT, model_name STRING)"
        + " STORED AS PARQUET");
    spark.sql("CREATE TABLE " + DAYS + " (x INT) PARTITIONED BY (dt STRING) STORED AS PARQUET");
    StringBuilder rows = new StringBuilder();
    for (int h = 0; h < 24; h++) rows.append(h == 0 ? "" : ", ").append("(").append(h).append(", '2024-05-01', ")
        .append(h).append(", 'flow-ae')");
    rows.append(", (100, '2024-05-02', 0, 'flow-ae'), (101, '2024-05-02', 1, 'flow-ae')");
    spark.sql("SET spark.sql.sources.partitionOverwriteMode=dynamic");
    spark.sql("SET hive.exec.dynamic.partition.mode=nonstrict");
    spark.sql("INSERT INTO " + HOURS + " PARTITION (dt, hour, model_name) VALUES " + rows);
    spark.sql("INSERT INTO " + DAYS + " PARTITION (dt) VALUES (1, '2024-04-30'), (2, '2024-05-01'), (3, '2024-05-02')");
  }

  private static long partitions(String table) {
    return spark.sql("SHOW PARTITIONS " + table).count();
  }

  private static Path location(String table) {
    Row r = spark.sql("DESCRIBE TABLE EXTENDED " + table).where("col_name = 'Location'").first();
    return new Path(r.getString(1));
  }

  @Test
  void dropsExactlyThePartitionsBeforeTheCutoffWithTheirFilesAndIsIdempotent() throws Exception {
    assertThat(partitions(HOURS)).isEqualTo(26);
    assertThat(partitions(DAYS)).isEqualTo(3);

    List<RetainJob.Expired> planned = new RetainJob(spark, new RetainConfig(CUTOFF, List.of(HOURS, DAYS), true)).run();
    assertThat(planned).extracting(e -> e.partitions().size()).containsExactly(24, 2);
    assertThat(partitions(HOURS)).as("a dry run drops nothing").isEqualTo(26);
    assertThat(partitions(DAYS)).isEqualTo(3);

    List<RetainJob.Expired> dropped = new RetainJob(spark, new RetainConfig(CUTOFF, List.of(HOURS, DAYS), false)).run();
    assertThat(dropped).isEqualTo(planned);
    assertThat(spark.sql("SHOW PARTITIONS " + HOURS).collectAsList()).extracting(r -> r.getString(0))
        .containsExactly("dt=2024-05-02/hour=0/model_name=flow-ae", "dt=2024-05-02/hour=1/model_name=flow-ae");
    assertThat(spark.sql("SHOW PARTITIONS " + DAYS).collectAsList()).extracting(r -> r.getString(0))
        .containsExactly("dt=2024-05-02");
    assertThat(spark.table(HOURS).count()).isEqualTo(2);
    assertThat(spark.table(DAYS).collectAsList()).extracting(r -> r.getInt(0)).containsExactly(3);
    // Managed tables: the files went with the partitions.
    org.apache.hadoop.fs.FileSystem fs = location(HOURS).getFileSystem(spark.sparkContext().hadoopConfiguration());
    assertThat(fs.exists(new Path(location(HOURS), "dt=2024-05-01"))
        && fs.listStatus(new Path(location(HOURS), "dt=2024-05-01")).length > 0).isFalse();
    assertThat(fs.exists(new Path(location(DAYS), "dt=2024-04-30"))).isFalse();
    assertThat(fs.exists(new Path(location(DAYS), "dt=2024-05-02"))).isTrue();

    List<RetainJob.Expired> again = new RetainJob(spark, new RetainConfig(CUTOFF, List.of(HOURS, DAYS), false)).run();
    assertThat(again).allSatisfy(e -> assertThat(e.partitions()).isEmpty());
    List<Row> runs = spark.table(Warehouse.JOB_RUNS).where("job = 'retain' AND window_end = timestamp'"
        + "2024-05-02 00:30:00'").orderBy("started").collectAsList();
    assertThat(runs).extracting(r -> r.<String>getAs("status")).containsExactly("SUCCEEDED", "SUCCEEDED");
    assertThat(runs).extracting(r -> r.<Long>getAs("output_rows")).containsExactly(26L, 0L);
  }

  /** Dropping a partition of an external table leaves its files: the job deletes them, or a re-add would revive them. */
  @Test
  void deletesTheFilesOfTheExpiredPartitionsOfAnExternalTable() throws Exception {
    Path root = new Path(java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target").toAbsolutePath(),
        "retain-external-").toUri());
    spark.sql("CREATE TABLE retain_it.external (x INT) PARTITIONED BY (dt STRING) STORED AS PARQUET LOCATION '"
        + root + "'");
    spark.sql("INSERT INTO retain_it.external PARTITION (dt) VALUES (1, '2024-04-30'), (2, '2024-05-01'),"
        + " (3, '2024-05-02')");
    org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
    assertThat(fs.exists(new Path(root, "dt=2024-04-30"))).isTrue();

    // Its own cutoff (the same partitions expire), so that its run is not one of the other test's.
    new RetainJob(spark, new RetainConfig(CUTOFF.plusSeconds(60), List.of("retain_it.external"), false)).run();
    assertThat(spark.sql("SHOW PARTITIONS retain_it.external").collectAsList()).extracting(r -> r.getString(0))
        .containsExactly("dt=2024-05-02");
    assertThat(fs.exists(new Path(root, "dt=2024-04-30"))).isFalse();
    assertThat(fs.exists(new Path(root, "dt=2024-05-01"))).isFalse();
    // Re-adding the partition (what a metastore repair would do) finds no data to revive.
    spark.sql("ALTER TABLE retain_it.external ADD PARTITION (dt='2024-05-01')");
    assertThat(spark.table("retain_it.external").collectAsList()).extracting(r -> r.getInt(0)).containsExactly(3);
  }

  @Test
  void theCliRefusesWhatItCannotApplyAndADryRunOfTheWarehouseDropsNothing() {
    String home = TestSpark.config().get(Settings.HOME);
    assertThat(Main.run("retain", "--home", home, "--older-than", "0d")).isNotZero();
    assertThat(Main.run("retain", "--home", home, "--older-than", "30d", "--table", Warehouse.JOB_RUNS))
        .isNotZero();
    long before = spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS).count();
    assertThat(Main.run("retain", "--home", home, "--older-than", "1d", "--dry-run")).isZero();
    assertThat(spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS).count()).isEqualTo(before);
  }
}
