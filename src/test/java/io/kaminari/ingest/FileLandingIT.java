package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code land --from-files} against the embedded metastore: every file lands once whatever its age. */
class FileLandingIT {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.spark();
  }

  private static LandConfig files(Path dir) {
    String checkpoints = TestSpark.config().get(Settings.CHECKPOINTS) + "/files-" + System.nanoTime();
    return new LandConfig(null, List.of(), Map.of(), dir.toString(), checkpoints, 1000);
  }

  private static void write(Path file, String text, Instant mtime) throws Exception {
    Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(file, FileTime.from(mtime));
  }

  /**
   * Spark's file source skips files more than its {@code maxFileAge} (7 days) older than the newest it has seen, and
   * reports success: an old file that shows up later (a late sink flush, a restored backup) must still land, once.
   */
  @Test
  void landsFilesWhateverTheirAgeExactlyOnce() throws Exception {
    TestSpark.resetWarehouse();
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "land-old-files-");
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    LandConfig cfg = files(dir);
    write(dir.resolve("new.jsonl"), LandingParserTest.flow("2024-05-02 08:00:00", 1) + "\n", now);
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isEqualTo(1);

    write(dir.resolve("old.jsonl"), LandingParserTest.flow("2024-05-02 08:00:01", 2) + "\n"
        + LandingParserTest.flow("2024-05-02 08:00:02", 3) + "\n", now.minus(30, ChronoUnit.DAYS));
    write(dir.resolve("older.jsonl"), LandingParserTest.flow("2024-05-02 08:00:03", 4) + "\n",
        now.minus(60, ChronoUnit.DAYS));
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isEqualTo(3);
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isZero();
    assertThat(spark.table(Warehouse.FLOWS_LANDING).count()).isEqualTo(4);
    assertThat(spark.table(Warehouse.FLOWS_LANDING).select("source", "source_offset").distinct().count())
        .isEqualTo(4);
  }
}
