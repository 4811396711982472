package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A compaction killed while it replaces the partitions its late records merge into never leaves a listed partition
 * empty or partial, and the documented rerun restores exact counts: killed inside Spark's dynamic partition overwrite
 * (between deleting a partition's directory and renaming the new one in, {@link KillingCommitProtocol}), and at each
 * step of the partition swap (new directories written, some or all partitions repointed, old directories not yet
 * deleted). The rerun also removes what the kill left over.
 */
class CompactKillPointChaosIT {
  private static final Hour H09 = Hour.parse("2024-05-01T09");
  private static final Hour H10 = Hour.parse("2024-05-01T10");
  private static final Hour H11 = Hour.parse("2024-05-01T11");

  private final SparkSession spark = TestSpark.spark();
  private TestLanding landing;

  @BeforeEach
  void reset() {
    TestSpark.resetWarehouse();
    landing = new TestLanding(spark);
  }

  private CompactJob job() {
    return new CompactJob(spark, new CompactConfig(ZoneOffset.UTC, 1_000_000));
  }

  /**
   * Hour 9 (2 flows) and 10 (20) compacted; then arrival hour 11 lands 3 late flows of hour 9, 5 of hour 10 and 4 of
   * its own: its compaction merges into the partitions of 9 and 10.
   */
  private void twoHoursCompactedAndLateRecordsLanded() throws Exception {
    List<String> first = new ArrayList<>(TestLanding.flows(H09, 2, 1000));
    first.addAll(TestLanding.flows(H10, 20, 2000));
    landing.land(Instant.parse("2024-05-01T10:30:00Z"), first);
    job().compact(ArrivalHours.of(H10));
    assertThat(landing.rowsByHour()).isEqualTo(Map.of(H09, 2L, H10, 20L));
    List<String> late = new ArrayList<>(TestLanding.flows(H09, 3, 3000));
    late.addAll(TestLanding.flows(H10, 5, 4000));
    late.addAll(TestLanding.flows(H11, 4, 5000));
    landing.land(Instant.parse("2024-05-01T11:10:00Z"), late);
  }

  @ParameterizedTest
  @ValueSource(strings = {"spark-overwrite", CompactJob.Faults.SWAP_WRITTEN, CompactJob.Faults.SWAP_MOVED_ONE,
      CompactJob.Faults.SWAP_MOVED})
  void aKilledMergeLeavesEveryListedPartitionCompleteAndTheRerunIsExact(String killedAt) throws Exception {
    twoHoursCompactedAndLateRecordsLanded();
    String protocol = "spark.sql.sources.commitProtocolClass";
    String before = spark.conf().get(protocol);
    boolean[] fired = {false};
    CompactJob killed = job().withFaults(point -> {
      if (point.equals(killedAt) && !fired[0]) {
        fired[0] = true;
        throw new IllegalStateException("killed at " + point);
      }
    });
    try {
      spark.conf().set(protocol, KillingCommitProtocol.class.getName());
      KillingCommitProtocol.armed = killedAt.equals("spark-overwrite");
      if (killedAt.equals("spark-overwrite")) {
        // Killed if the merge replaces partitions with Spark's overwrite (a swap never does: it may then succeed).
        try {
          killed.compact(ArrivalHours.of(H11));
        } catch (Exception e) {
          assertThat(e).hasMessageContaining("killed");
        }
      } else {
        assertThatThrownBy(() -> killed.compact(ArrivalHours.of(H11))).hasMessageContaining("killed");
      }
    } finally {
      KillingCommitProtocol.armed = false;
      spark.conf().set(protocol, before);
    }

    // Each merged partition holds its old rows or its merged rows, never none and never a part.
    Map<Hour, Long> afterKill = landing.rowsByHour();
    assertThat(afterKill.get(H09)).as("hour 9 after a kill at %s", killedAt).isIn(2L, 5L);
    assertThat(afterKill.get(H10)).as("hour 10 after a kill at %s", killedAt).isIn(20L, 25L);
    assertThat(landing.distinctCoordinates()).isEqualTo(afterKill.values().stream().mapToLong(Long::longValue).sum());

    JobRun rerun = job().compact(ArrivalHours.of(H11));
    assertThat(landing.rowsByHour()).isEqualTo(Map.of(H09, 5L, H10, 25L, H11, 4L));
    assertThat(landing.distinctCoordinates()).isEqualTo(34);
    assertThat(rerun.inputObjects()).isEqualTo(rerun.outputRows() + rerun.duplicates() + rerun.rejected()
        + rerun.markers());
    assertNothingLeftOver();
  }

  /**
   * After a successful run, the table's directory holds exactly the directories its partitions point at: no journal,
   * no run directory no partition uses, no default directory of a partition that moved; and merged files keep the
   * table's Parquet properties (no dictionary for ports).
   */
  private void assertNothingLeftOver() throws Exception {
    Path table = new Path(Warehouse.location(spark, Warehouse.FLOWS));
    FileSystem fs = table.getFileSystem(spark.sparkContext().hadoopConfiguration());
    Set<String> locations = spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS).collectAsList().stream()
        .map(r -> partitionLocation(r.getString(0))).collect(Collectors.toSet());
    Set<String> dirs = Arrays.stream(fs.globStatus(new Path(table, "dt=*/hour=*")))
        .map(s -> s.getPath().toString()).collect(Collectors.toSet());
    Path merged = new Path(table, PartitionSwap.DIR);
    if (fs.exists(merged)) {
      for (FileStatus run : fs.listStatus(merged)) {
        assertThat(run.isDirectory()).as("no journal left: %s", run.getPath()).isTrue();
        for (FileStatus hour : fs.globStatus(new Path(run.getPath(), "dt=*/hour=*"))) dirs.add(hour.getPath().toString());
      }
    }
    assertThat(dirs).isEqualTo(locations);
    Path file = Arrays.stream(fs.listStatus(new Path(partitionLocation("dt=2024-05-01/hour=10"))))
        .map(FileStatus::getPath).filter(p -> p.getName().endsWith(".parquet")).findFirst().orElseThrow();
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, fs.getConf()))) {
      for (ColumnChunkMetaData c : r.getFooter().getBlocks().get(0).getColumns()) {
        Set<Encoding> encodings = c.getEncodings();
        boolean dictionary = encodings.contains(Encoding.PLAIN_DICTIONARY) || encodings.contains(Encoding.RLE_DICTIONARY);
        if (c.getPath().toDotString().equals("port_dst")) assertThat(dictionary).as("port_dst dictionary").isFalse();
        if (c.getPath().toDotString().equals("ip_src")) assertThat(dictionary).as("ip_src dictionary").isTrue();
      }
    }
  }

  private String partitionLocation(String spec) {
    Hour h = Hour.ofPartition(spec);
    String location = spark.sql("DESCRIBE FORMATTED " + Warehouse.FLOWS + " PARTITION (" + h.partitionValues() + ")")
        .collectAsList().stream().filter(r -> r.getString(0).equals("Location")).findFirst().orElseThrow()
        .getString(1);
    return new Path(location).toString();
  }
}
