package io.kaminari.cli;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.pipeline.Partitions;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The hourly DAG's commands through the CLI, on the embedded metastore: after {@code compact --hour H},
 * {@code features --after-compact H} and {@code score --after-compact H} rebuild exactly the event hours that
 * compaction wrote (late ones included, with gaps) and H, and nothing else.
 */
class HourlyContractIT {
  private static final String SPEC = "seed-global";
  private final SparkSession spark = TestSpark.spark();
  private long offset;

  private static int kaminari(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--home", TestSpark.config().get(Settings.HOME)));
    return Main.run(all.toArray(String[]::new));
  }

  private static String[] concat(String[] head, String... tail) {
    List<String> all = new ArrayList<>(List.of(head));
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }

  private static String flow(String start, int sport) {
    return "{\"event_type\":\"purge\",\"ip_src\":\"10.0.0." + (sport % 200) + "\",\"ip_dst\":\"192.0.2.7\","
        + "\"port_src\":" + sport + ",\"port_dst\":443,\"ip_proto\":\"tcp\",\"packets\":" + (1 + sport % 7)
        + ",\"bytes\":" + (100 + sport) + ",\"timestamp_start\":\"" + start + "\"}";
  }

  /** Lands one Kafka record per flow start, arrived at {@code arrival}. */
  private void land(Instant arrival, List<String> starts) {
    Hour hour = Hour.of(arrival);
    List<Row> rows = new ArrayList<>();
    for (String start : starts) {
      rows.add(RowFactory.create("pmacct.flows", 0, offset, arrival,
          flow(start, 1000 + (int) offset++).getBytes(StandardCharsets.UTF_8), arrival, "it", hour.dt(),
          hour.hourOfDay()));
    }
    spark.createDataFrame(rows, spark.table(Warehouse.FLOWS_LANDING).schema()).write()
        .insertInto(Warehouse.FLOWS_LANDING);
  }

  /** Flow starts every 5 minutes of {@code hour} ({@code 2024-05-01 10}). */
  private static List<String> hourOfFlows(String hour) {
    List<String> out = new ArrayList<>();
    for (int m = 0; m < 60; m += 5) out.add(String.format("%s:%02d:30.000000", hour, m));
    return out;
  }

  /** The event hours the latest successful run of {@code job} recorded. */
  private List<String> lastEventHours(String job) {
    Row r = spark.table(Warehouse.JOB_RUNS).where(col("job").equalTo(job).and(col("status").equalTo("SUCCEEDED")))
        .orderBy(col("finished").desc()).first();
    return r.getList(r.fieldIndex("event_hours"));
  }

  @Test
  void featuresAndScoreAfterACompactionRebuildExactlyTheEventHoursItWrote() {
    TestSpark.resetWarehouse();
    land(Instant.parse("2024-05-01T10:30:00Z"), hourOfFlows("2024-05-01 10"));
    assertThat(kaminari("compact", "--hour", "2024-05-01T10")).isZero();
    assertThat(kaminari("features", "--after-compact", "2024-05-01T10", "--spec", SPEC)).isZero();
    assertThat(lastEventHours("features")).containsExactly("2024-05-01T10");

    // Arrival hour 11: its own flows, one late by seconds (event hour 10) and one late by hours (event hour 8).
    List<String> arrived11 = new ArrayList<>(hourOfFlows("2024-05-01 11"));
    arrived11.addAll(List.of("2024-05-01 10:59:59.000000", "2024-05-01 08:15:00.000000"));
    land(Instant.parse("2024-05-01T11:00:30Z"), arrived11);
    assertThat(kaminari("compact", "--hour", "2024-05-01T11")).isZero();
    List<String> touched = List.of("2024-05-01T08", "2024-05-01T10", "2024-05-01T11");
    assertThat(lastEventHours("compact")).isEqualTo(touched);

    assertThat(kaminari("features", "--after-compact", "2024-05-01T11", "--spec", SPEC)).isZero();
    assertThat(lastEventHours("features")).isEqualTo(touched);
    String specId = FeatureSpec.seed(Scope.GLOBAL).id();
    assertThat(Partitions.hours(spark, Warehouse.PORT_VECTORS, "spec_id", specId)).extracting(Hour::toString)
        .isEqualTo(touched); // hour 9 had no compaction write to it: no vectors built for it

    // Four hours hold 48 windows: too few for the default budget (pot needs 170), which refuses rather than guesses
    // before it trains; a quantile accepts them.
    String[] train = {"train", "--from", "2024-05-01T08", "--to", "2024-05-01T12", "--spec", SPEC, "--epochs", "2"};
    assertThat(kaminari(train)).isEqualTo(1);
    assertThat(kaminari(concat(train, "--threshold", "quantile:0.999"))).isZero();
    assertThat(kaminari("score", "--after-compact", "2024-05-01T11")).isZero();
    assertThat(lastEventHours("score")).isEqualTo(touched);
    assertThat(Partitions.hours(spark, Warehouse.ANOMALY_SCORES)).extracting(Hour::toString).isEqualTo(touched);

    // An arrival hour that was never compacted has no event hours to redo: both refuse.
    assertThat(kaminari("features", "--after-compact", "2024-05-01T13", "--spec", SPEC)).isEqualTo(1);
    assertThat(kaminari("score", "--after-compact", "2024-05-01T13")).isEqualTo(1);
  }
}
