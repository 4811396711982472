package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.Micros;
import io.kaminari.flow.EventTimePolicy;
import io.kaminari.flow.PmacctParser;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Batch and stream give every record the same verdict: adversarial event times (before the Gregorian switch, before
 * the configured epoch, thousands of years ahead, hours after arrival) and counters whose sampled product overflows
 * are compacted and parsed as the streaming scorer parses them (its Kafka record time as the fallback), and each record
 * is a flow in both or a reject with the same reason in both; compaction never fails on them. The stored overflowing
 * flood reads as a saturated count in the Spark paths that scale by the sampling rate.
 */
class EventTimeAgreementChaosIT {
  private static final Instant ARRIVAL = Instant.parse("2024-05-01T10:30:00Z");
  private final SparkSession spark = TestSpark.spark();

  private static String rec(String timestamps, String more) {
    return "{\"ip_src\": \"10.0.0.1\", \"ip_dst\": \"192.0.2.9\", \"port_src\": 1234, \"port_dst\": 80,"
        + " \"ip_proto\": \"tcp\", \"packets\": 3, \"bytes\": 180" + (timestamps.isEmpty() ? "" : ", " + timestamps)
        + (more.isEmpty() ? "" : ", " + more) + "}";
  }

  private static String start(String t) {
    return "\"timestamp_start\": \"" + t + "\"";
  }

  /** The adversarial records, by name, and the verdict each must get: "flow", or a fragment of the reject reason. */
  private static Map<String, String[]> cases() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("valid", new String[] {rec(start("2024-05-01 10:10:00"), ""), "flow"});
    m.put("pre-gregorian", new String[] {rec(start("1500-01-01 00:00:00"), ""),
        "event time before flow.min-event-time: timestamp_start 1500-01-01T00:00:00Z < 2000-01-01T00:00:00Z"});
    m.put("before-epoch-bound", new String[] {rec(start("1999-12-31 23:59:59"), ""), "flow.min-event-time"});
    m.put("1969", new String[] {rec(start("1969-12-31 23:59:59"), ""), "flow.min-event-time"});
    m.put("far-future-epoch", new String[] {rec(start("9000000000000"), ""),
        "event time after arrival + flow.max-future-skew: timestamp_start +287"});
    m.put("hours-ahead", new String[] {rec(start("2024-05-01 12:00:00"), ""),
        "event time after arrival + flow.max-future-skew: timestamp_start 2024-05-01T12:00:00Z > 2024-05-01T10:30:00Z"
            + " + PT1H"});
    m.put("within-skew", new String[] {rec(start("2024-05-01 11:20:00"), ""), "flow"});
    m.put("end-ahead", new String[] {rec("\"timestamp_end\": \"2030-01-01 00:00:00\"", ""),
        "timestamp_end 2030-01-01T00:00:00Z"});
    m.put("no-timestamps", new String[] {rec("", ""), "flow"});
    // Only the event time is bounded: another timestamp before 1582 is stored as given (it must not fail the write).
    m.put("old-end", new String[] {rec(start("2024-05-01 10:11:00") + ", \"timestamp_end\": \"1500-01-01 00:00:00\"",
        ""), "flow"});
    m.put("sampled-overflow", new String[] {rec(start("2024-05-01 10:12:00"),
        "\"packets\": 4611686018427387904, \"sampling_rate\": 1000").replace("\"packets\": 3, ", ""), "flow"});
    return m;
  }

  @Test
  void compactionAndTheStreamParserGiveEveryRecordTheSameVerdict() throws Exception {
    TestSpark.resetWarehouse();
    Map<String, String[]> cases = cases();
    List<String> names = new ArrayList<>(cases.keySet());
    Hour hour = Hour.of(ARRIVAL);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      rows.add(RowFactory.create("pmacct.flows", 0, (long) i, ARRIVAL,
          cases.get(names.get(i))[0].getBytes(StandardCharsets.UTF_8), ARRIVAL, "test", hour.dt(), hour.hourOfDay()));
    }
    spark.createDataFrame(rows, spark.table(Warehouse.FLOWS_LANDING).schema()).write()
        .insertInto(Warehouse.FLOWS_LANDING);

    JobRun run = new CompactJob(spark, CompactConfig.from(TestSpark.config())).compact(ArrivalHours.of(hour));

    Map<String, String> batch = new TreeMap<>();
    for (Row r : spark.table(Warehouse.FLOWS).select(Columns.SOURCE_OFFSET).collectAsList()) {
      batch.put(names.get((int) r.getLong(0)), "flow");
    }
    for (Row r : spark.table(Warehouse.FLOWS_REJECTED).select(Columns.SOURCE_OFFSET, Columns.REASON).collectAsList()) {
      batch.put(names.get((int) r.getLong(0)), "reject: " + r.getString(1));
    }
    // As StreamingScorer parses a Kafka record: its timestamp (ms) as the fallback event time, in µs.
    Map<String, String> streamDefault = streamVerdicts(new PmacctParser(java.time.ZoneOffset.UTC), names, cases);
    Map<String, String> streamConfigured = streamVerdicts(
        new PmacctParser(java.time.ZoneOffset.UTC, EventTimePolicy.from(TestSpark.config())), names, cases);

    assertThat(batch).hasSize(names.size()).isEqualTo(streamDefault).isEqualTo(streamConfigured);
    cases.forEach((name, c) -> {
      if (c[1].equals("flow")) assertThat(batch.get(name)).as(name).isEqualTo("flow");
      else assertThat(batch.get(name)).as(name).startsWith("reject: ").contains(c[1]);
    });
    assertThat(run.outputRows() + run.rejected()).isEqualTo(names.size());

    // The stored flood of 2^62 packets 1-in-1000 reads as the largest count there is, never as the 0 it wraps to.
    assertThat(spark.sql("SELECT max(est_packets) FROM v_traffic_hourly").first().getLong(0))
        .isEqualTo(Long.MAX_VALUE);
    assertThat(spark.sql("SELECT max(est_packets) FROM v_anomaly_flows").count()).isOne();
    assertThat(io.kaminari.tools.evaluate.Baseline.destinationStats(spark.table(Warehouse.FLOWS), 60)
        .agg(org.apache.spark.sql.functions.max(io.kaminari.tools.evaluate.Baseline.PACKETS)).first().getLong(0))
        .isEqualTo(Long.MAX_VALUE);
  }

  private static Map<String, String> streamVerdicts(PmacctParser parser, List<String> names,
      Map<String, String[]> cases) {
    Map<String, String> out = new TreeMap<>();
    for (String name : names) {
      parser.parse(cases.get(name)[0].getBytes(StandardCharsets.UTF_8), ARRIVAL.toEpochMilli() * 1000,
          new PmacctParser.Sink() {
            @Override
            public void flow(int index, PmacctParser.Fields flow) {
              out.put(name, "flow");
            }

            @Override
            public void marker(int index, String eventType) {
              out.put(name, "marker");
            }

            @Override
            public void reject(int index, String rawObject, String reason) {
              out.put(name, "reject: " + reason);
            }
          });
    }
    assertThat(Micros.of(ARRIVAL)).isEqualTo(ARRIVAL.toEpochMilli() * 1000);
    return out;
  }
}
