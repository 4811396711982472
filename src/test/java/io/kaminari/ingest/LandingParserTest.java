package io.kaminari.ingest;

import static io.kaminari.common.Columns.ARRIVAL_TIME;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.RAW;
import static io.kaminari.common.Columns.REASON;
import static io.kaminari.common.Columns.SOURCE;
import static io.kaminari.common.Columns.SOURCE_INDEX;
import static io.kaminari.common.Columns.SOURCE_OFFSET;
import static io.kaminari.common.Columns.SOURCE_PARTITION;
import static io.kaminari.common.Columns.VALUE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaminari.flow.EventTimePolicy;
import io.kaminari.flow.FlowSchema;
import io.kaminari.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** {@link LandingParser} on a small in-memory landing frame: flows in their event hours, the tally, rejects. */
class LandingParserTest {
  static final StructType LANDING = new StructType()
      .add(SOURCE, DataTypes.StringType, false)
      .add(SOURCE_PARTITION, DataTypes.IntegerType, false)
      .add(SOURCE_OFFSET, DataTypes.LongType, false)
      .add(ARRIVAL_TIME, DataTypes.TimestampType, true)
      .add(VALUE, DataTypes.BinaryType, true)
      .add(DT, DataTypes.StringType, false)
      .add(HOUR, DataTypes.IntegerType, false);
  static final Instant ARRIVAL = Instant.parse("2024-05-01T11:00:30Z");
  private static final long HOUR_10 = Instant.parse("2024-05-01T10:00:00Z").getEpochSecond() / 3600;
  private static final long HOUR_11 = HOUR_10 + 1;

  static String flow(String start, int dport) {
    return "{\"event_type\":\"purge\",\"ip_src\":\"10.0.0.1\",\"ip_dst\":\"192.0.2.7\",\"port_src\":40000,"
        + "\"port_dst\":" + dport + ",\"ip_proto\":\"tcp\",\"packets\":3,\"bytes\":180,\"timestamp_start\":\"" + start
        + "\",\"writer_id\":\"nfacctd/1\",\"peer_ip_src\":\"198.51.100.1\",\"vlan\":7}";
  }

  /** Landing hour 11: a multi-value record with a late flow (hour 10), a reject and a marker; then two plain flows. */
  static Dataset<Row> landing(SparkSession spark) {
    String multi = flow("2024-05-01 10:59:59.500000", 80) + "\n{\"event_type\":\"purge\",\"packets\":-1}\n"
        + "{\"event_type\":\"purge_close\"}";
    List<Row> rows = List.of(
        row(7, multi),
        row(8, flow("2024-05-01 11:00:01.000000", 443)),
        row(9, "{\"event_type\":\"purge\",\"ip_src\":\"10.0.0.2\",\"ip_dst\":\"192.0.2.8\",\"port_src\":5353,"
            + "\"port_dst\":53,\"ip_proto\":\"udp\",\"packets\":1,\"bytes\":60}"));
    return spark.createDataFrame(rows, LANDING);
  }

  static Row row(long offset, String value) {
    return RowFactory.create("pmacct.flows", 1, offset, ARRIVAL, value.getBytes(StandardCharsets.UTF_8),
        "2024-05-01", 11);
  }

  @Test
  void parsingTalliesObjectsByKindAndFlowsByEventHourWhateverItEmits() {
    SparkSession spark = TestSpark.spark();
    LandingParser parser = new LandingParser(spark, ZoneOffset.UTC, EventTimePolicy.DEFAULT);
    Tally tally = new Tally();
    spark.sparkContext().register(tally);
    List<Row> emitted = parser.flows(landing(spark), new HourSelection(Set.of(HOUR_10), true), tally)
        .collectAsList();
    assertEquals(1, emitted.size());
    assertEquals(3, tally.flows(), "the late flow, the 11:00 flow and the one timed by its arrival");
    assertEquals(1, tally.rejects());
    assertEquals(1, tally.markers());
    assertEquals(Map.of(HOUR_10, 1L, HOUR_11, 2L), tally.flowsByHour());
  }

  @Test
  void flowsAreTableRowsInTheirEventHourAndTheSelectionSplitsThemByHour() {
    SparkSession spark = TestSpark.spark();
    LandingParser parser = new LandingParser(spark, ZoneOffset.UTC, EventTimePolicy.DEFAULT);
    Dataset<Row> landing = landing(spark);

    List<Row> all = parser.flows(landing, new HourSelection(Set.of(), false), null).collectAsList();
    assertEquals(SparkFlowSchema.TABLE_COLUMNS, List.of(all.get(0).schema().fieldNames()));
    Map<Long, Row> byOffset = all.stream().collect(Collectors.toMap(r -> r.<Long>getAs(SOURCE_OFFSET), r -> r));
    assertEquals(Set.of(7L, 8L, 9L), byOffset.keySet());

    Row late = byOffset.get(7L);
    assertEquals("2024-05-01", late.getAs(DT));
    assertEquals(10, late.<Integer>getAs(HOUR));
    assertEquals(0, late.<Integer>getAs(SOURCE_INDEX));
    assertEquals("pmacct.flows", late.getAs(SOURCE));
    assertEquals(1, late.<Integer>getAs(SOURCE_PARTITION));
    assertEquals(80, late.<Integer>getAs(FlowSchema.PORT_DST));
    assertEquals(Instant.parse("2024-05-01T10:59:59.500Z"), late.getAs(FlowSchema.TIMESTAMP_START));
    assertEquals("7", late.<scala.collection.Map<String, String>>getAs(FlowSchema.EXTRA).get("vlan").get(),
        "unknown fields are kept in the extra map");
    Row untimed = byOffset.get(9L);
    assertEquals(11, untimed.<Integer>getAs(HOUR), "a flow with no timestamp takes the arrival time");
    assertEquals(ARRIVAL, untimed.getAs(FlowSchema.EVENT_TIME));

    List<Row> hour10 = parser.flows(landing, new HourSelection(Set.of(HOUR_10), true), null).collectAsList();
    List<Row> notHour10 = parser.flows(landing, new HourSelection(Set.of(HOUR_10), false), null).collectAsList();
    assertEquals(List.of(7L), hour10.stream().map(r -> r.<Long>getAs(SOURCE_OFFSET)).toList());
    assertEquals(Set.of(8L, 9L), notHour10.stream().map(r -> r.<Long>getAs(SOURCE_OFFSET)).collect(Collectors.toSet()));
  }

  @Test
  void rejectsCarryCoordinatesRawTextReasonAndTheLandingHour() {
    SparkSession spark = TestSpark.spark();
    long compactedAt = Instant.parse("2024-05-01T12:00:00Z").getEpochSecond() * 1_000_000L;
    List<Row> rejects = new LandingParser(spark, ZoneOffset.UTC, EventTimePolicy.DEFAULT).rejects(landing(spark), compactedAt).collectAsList();
    assertEquals(1, rejects.size());
    Row r = rejects.get(0);
    assertEquals(7L, r.<Long>getAs(SOURCE_OFFSET));
    assertEquals(1, r.<Integer>getAs(SOURCE_INDEX));
    assertEquals("{\"event_type\":\"purge\",\"packets\":-1}", r.getAs(RAW));
    String reason = r.getAs(REASON);
    assertTrue(reason.contains("packets"), reason);
    assertEquals(ARRIVAL, r.getAs(ARRIVAL_TIME));
    assertEquals("2024-05-01", r.getAs(DT));
    assertEquals(11, r.<Integer>getAs(HOUR));
  }
}
