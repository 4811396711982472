package io.kaminari.ingest;

import static io.kaminari.ingest.LandingParserTest.flow;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Partitions;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hourly contract of {@link CompactJob} on the embedded metastore: the compaction of an arrival hour returns, and
 * records in {@code kaminari.job_runs}, the event hours it wrote (those of its late records too), and
 * {@link CompactJob#eventHoursAfter} (what {@code features} and {@code score --after-compact} rebuild) resolves to
 * exactly those and the arrival hour itself.
 */
class CompactJobIT {
  private static final Hour H08 = Hour.parse("2024-05-01T08");
  private static final Hour H10 = Hour.parse("2024-05-01T10");
  private static final Hour H11 = Hour.parse("2024-05-01T11");
  private static final Hour H12 = Hour.parse("2024-05-01T12");

  private final SparkSession spark = TestSpark.spark();
  private long offset;

  @BeforeEach
  void reset() {
    TestSpark.resetWarehouse();
  }

  /** Lands {@code values} as Kafka records arrived at {@code arrival}, in its landing (arrival-hour) partition. */
  private void land(Instant arrival, String... values) {
    Hour hour = Hour.of(arrival);
    List<Row> rows = new ArrayList<>();
    for (String v : values) {
      rows.add(RowFactory.create("pmacct.flows", 0, offset++, arrival, v.getBytes(StandardCharsets.UTF_8), arrival,
          "test", hour.dt(), hour.hourOfDay()));
    }
    spark.createDataFrame(rows, spark.table(Warehouse.FLOWS_LANDING).schema()).write()
        .insertInto(Warehouse.FLOWS_LANDING);
  }

  private JobRun compact(Hour arrival) throws Exception {
    return new CompactJob(spark, new CompactConfig(ZoneOffset.UTC, 1_000_000)).compact(ArrivalHours.of(arrival));
  }

  private List<String> recordedEventHours(String runId) {
    return spark.table(Warehouse.JOB_RUNS).where(col("run_id").equalTo(runId)).first().getList(
        spark.table(Warehouse.JOB_RUNS).schema().fieldIndex("event_hours"));
  }

  @Test
  void theCompactionOfAnArrivalHourReturnsAndRecordsTheEventHoursItWroteLateOnesIncluded() throws Exception {
    land(Instant.parse("2024-05-01T10:30:00Z"),
        flow("2024-05-01 10:10:00.000000", 80), flow("2024-05-01 10:20:00.000000", 443));
    JobRun first = compact(H10);
    assertThat(first.eventHours()).isEqualTo(EventHours.of(List.of(H10)));
    assertThat(recordedEventHours(first.runId())).containsExactly("2024-05-01T10");

    // Arrival hour 11 holds a record of event hour 10 (late by seconds), one of hour 8 (late by hours) and one of 11.
    land(Instant.parse("2024-05-01T11:00:30Z"), flow("2024-05-01 10:59:59.500000", 22),
        flow("2024-05-01 08:30:00.000000", 25), flow("2024-05-01 11:00:10.000000", 53), "{\"event_type\":\"purge\"");
    JobRun late = compact(H11);
    EventHours touched = EventHours.of(List.of(H08, H10, H11));
    assertThat(late.eventHours()).isEqualTo(touched);
    assertThat(late.eventHours().ranges()).containsExactly(HourRange.of(H08), new HourRange(H10, H12));
    assertThat(late.outputRows()).isEqualTo(3);
    assertThat(late.rejected()).isEqualTo(1);
    assertThat(recordedEventHours(late.runId())).containsExactly("2024-05-01T08", "2024-05-01T10", "2024-05-01T11");
    assertThat(Partitions.hours(spark, Warehouse.FLOWS)).containsExactly(H08, H10, H11);
    assertThat(Partitions.hours(spark, Warehouse.FLOWS_REJECTED)).containsExactly(H11);

    // What features and score --after-compact H rebuild: exactly those hours, and H itself.
    assertThat(CompactJob.eventHoursAfter(spark, H11)).isEqualTo(touched);
    assertThat(CompactJob.eventHoursAfter(spark, H10)).isEqualTo(EventHours.of(List.of(H10)));

    // A rerun writes the same hours (merged, nothing new); the latest successful run is the one that counts.
    JobRun rerun = compact(H11);
    assertThat(rerun.outputRows()).isZero();
    assertThat(rerun.eventHours()).isEqualTo(touched);
    assertThat(CompactJob.eventHoursAfter(spark, H11)).isEqualTo(touched);
  }

  @Test
  void anEmptyArrivalHourWritesNoEventHourAndItsSelectionIsTheHourItself() throws Exception {
    JobRun empty = compact(H12);
    assertThat(empty.eventHours()).isEqualTo(EventHours.NONE);
    assertThat(recordedEventHours(empty.runId())).isEmpty();
    assertThat(CompactJob.eventHoursAfter(spark, H12)).isEqualTo(EventHours.of(List.of(H12)));
  }

  @Test
  void aRangeCompactionCoversEachOfItsArrivalHours() throws Exception {
    land(Instant.parse("2024-05-01T10:30:00Z"), flow("2024-05-01 10:10:00.000000", 80));
    land(Instant.parse("2024-05-01T11:30:00Z"), flow("2024-05-01 11:10:00.000000", 80));
    JobRun run = new CompactJob(spark, new CompactConfig(ZoneOffset.UTC, 1_000_000))
        .compact(new ArrivalHours(new HourRange(H10, H12)));
    assertThat(run.eventHours()).isEqualTo(EventHours.of(List.of(H10, H11)));
    assertThat(CompactJob.eventHoursAfter(spark, H11)).isEqualTo(EventHours.of(List.of(H10, H11)));
  }

  @Test
  void anArrivalHourNotYetCompactedHasNoSelection() throws Exception {
    land(Instant.parse("2024-05-01T10:30:00Z"), flow("2024-05-01 10:10:00.000000", 80));
    assertThatThrownBy(() -> CompactJob.eventHoursAfter(spark, H10))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("arrival hour 2024-05-01T10 has no successful compaction")
        .hasMessageContaining("kaminari compact --hour 2024-05-01T10");
    // A failed compaction does not count either (JobRuns records failures with no event hours; one that did is ignored).
    spark.sql("INSERT INTO " + Warehouse.JOB_RUNS + " SELECT 'failed-run', '" + CompactJob.JOB + "',"
        + " TIMESTAMP'2024-05-01 10:00:00', TIMESTAMP'2024-05-01 11:00:00', current_timestamp(), current_timestamp(),"
        + " '" + JobRun.FAILED + "', 0, 0, 0, 0, 0, 0, 'boom', array('2024-05-01T10')");
    assertThatThrownBy(() -> CompactJob.eventHoursAfter(spark, H10)).isInstanceOf(IllegalStateException.class);
    compact(H10);
    assertThat(CompactJob.eventHoursAfter(spark, H10)).isEqualTo(EventHours.of(List.of(H10)));
  }
}
