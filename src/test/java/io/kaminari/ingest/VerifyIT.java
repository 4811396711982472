package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.cli.Main;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code kaminari verify} on the embedded metastore: a landing hour that gained records after its compaction, and one
 * never compacted, are named (exit 1) until {@code --repair} re-compacts them.
 */
class VerifyIT {
  private final SparkSession spark = TestSpark.spark();

  private static int kaminari(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", TestSpark.config().get(Settings.HOME)));
    return Main.run(all.toArray(String[]::new));
  }

  private List<Reconciliation.Gap> gaps(String from, String to) {
    return gaps(from, to, true);
  }

  private List<Reconciliation.Gap> gaps(String from, String to, boolean rows) {
    VerifyConfig cfg = VerifyConfig.from(TestSpark.config(), new ArrivalHours(HourRange.parse(from, to)), false, rows);
    return new VerifyJob(spark, cfg).gaps();
  }

  @Test
  void namesHoursWithRecordsLandedAfterTheirCompactionUntilRepaired() throws Exception {
    TestSpark.resetWarehouse();
    TestLanding landing = new TestLanding(spark);
    Hour h8 = Hour.parse("2024-05-01T08");
    Hour h10 = Hour.parse("2024-05-01T10");
    landing.land(Instant.parse("2024-05-01T10:20:00Z"), TestLanding.flows(h10, 5, 100));
    assertThat(kaminari("compact", "--hour", "2024-05-01T10")).isZero();
    assertThat(kaminari("verify", "--from", "2024-05-01T08", "--to", "2024-05-01T11")).isZero();

    // A landing run that lagged behind: more records of arrival hour 10, after its compaction; and hour 8, never
    // compacted.
    landing.land(Instant.parse("2024-05-01T10:59:00Z"), TestLanding.flows(h10, 3, 200));
    landing.land(Instant.parse("2024-05-01T08:10:00Z"), TestLanding.flows(h8, 2, 300));
    assertThat(kaminari("verify", "--from", "2024-05-01T08", "--to", "2024-05-01T11")).isEqualTo(1);
    List<Reconciliation.Gap> gaps = gaps("2024-05-01T08", "2024-05-01T11");
    assertThat(gaps).extracting(Reconciliation.Gap::hour).containsExactly(h8, h10);
    assertThat(gaps.get(0).compaction()).isNull();
    assertThat(gaps.get(1).landed()).isEqualTo(8);
    assertThat(gaps.get(1).compaction().inputRecords()).isEqualTo(5);
    assertThat(new TestLanding(spark).rowsByHour()).containsEntry(h10, 5L).doesNotContainKey(h8);

    assertThat(kaminari("verify", "--from", "2024-05-01T08", "--to", "2024-05-01T11", "--repair")).isZero();
    assertThat(gaps("2024-05-01T08", "2024-05-01T11")).isEmpty();
    assertThat(kaminari("verify", "--from", "2024-05-01T08", "--to", "2024-05-01T11")).isZero();
    assertThat(new TestLanding(spark).rowsByHour()).containsEntry(h10, 8L).containsEntry(h8, 2L);
    assertThat(landing.distinctCoordinates()).isEqualTo(10);
  }

  @Test
  void namesRowsLostAfterACompactionThatAccountedForThemUntilRepaired() throws Exception {
    TestSpark.resetWarehouse();
    TestLanding landing = new TestLanding(spark);
    Hour h9 = Hour.parse("2024-05-01T09");
    Hour h10 = Hour.parse("2024-05-01T10");
    // Hour 10's records: 4 flows of event hour 10, 2 late ones of hour 9, a marker, a record that does not parse.
    List<String> values = new ArrayList<>(TestLanding.flows(h10, 4, 100));
    values.addAll(TestLanding.flows(h9, 2, 200));
    values.add("{\"event_type\": \"purge_init\", \"writer_id\": \"nfacctd/1\"}");
    values.add("{\"not\": pmacct");
    landing.land(Instant.parse("2024-05-01T10:20:00Z"), values);
    assertThat(kaminari("compact", "--hour", "2024-05-01T10")).isZero();
    assertThat(gaps("2024-05-01T10", "2024-05-01T11")).as("markers are counted, not stored; the reject is stored")
        .isEmpty();

    // The late rows' partition is lost after the compaction read and wrote them: job_runs still adds up.
    spark.sql("ALTER TABLE " + Warehouse.FLOWS + " DROP PARTITION (dt = '2024-05-01', hour = 9)");
    assertThat(new TestLanding(spark).rowsByHour()).containsOnlyKeys(h10);
    assertThat(gaps("2024-05-01T10", "2024-05-01T11", false)).as("the counts alone cannot see it").isEmpty();
    assertThat(kaminari("verify", "--from", "2024-05-01T10", "--to", "2024-05-01T11")).isZero();
    List<Reconciliation.Gap> gaps = gaps("2024-05-01T10", "2024-05-01T11");
    assertThat(gaps).extracting(Reconciliation.Gap::hour).containsExactly(h10);
    assertThat(gaps.get(0).missing()).isEqualTo(2);
    assertThat(gaps.get(0).compaction().inputRecords()).isEqualTo(8);
    assertThat(gaps.get(0).describe()).contains("2 flow(s) or reject(s) of them in neither flows nor flows_rejected",
        "rows lost after that compaction wrote them");
    assertThat(kaminari("verify", "--from", "2024-05-01T10", "--to", "2024-05-01T11", "--rows")).isEqualTo(1);

    assertThat(kaminari("verify", "--from", "2024-05-01T10", "--to", "2024-05-01T11", "--rows", "--repair"))
        .isZero();
    assertThat(new TestLanding(spark).rowsByHour()).containsEntry(h9, 2L).containsEntry(h10, 4L);
    assertThat(gaps("2024-05-01T10", "2024-05-01T11")).isEmpty();
  }
}
