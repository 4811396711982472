package io.kaminari.ingest;

import static org.apache.spark.sql.functions.col;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.Partitions;
import io.kaminari.pipeline.Warehouse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Lands records straight into {@code kaminari.flows_landing} (as {@code land} would) and reads back flows per hour. */
final class TestLanding {
  private final SparkSession spark;
  private final AtomicLong offset = new AtomicLong();

  TestLanding(SparkSession spark) {
    this.spark = spark;
  }

  /** Lands {@code values} as Kafka records of topic pmacct.flows arrived at {@code arrival}, at the next offsets. */
  void land(Instant arrival, List<String> values) {
    Hour hour = Hour.of(arrival);
    List<Row> rows = new ArrayList<>();
    for (String v : values) {
      rows.add(RowFactory.create("pmacct.flows", 0, offset.getAndIncrement(), arrival,
          v.getBytes(StandardCharsets.UTF_8), arrival, "test", hour.dt(), hour.hourOfDay()));
    }
    spark.createDataFrame(rows, spark.table(Warehouse.FLOWS_LANDING).schema()).write()
        .insertInto(Warehouse.FLOWS_LANDING);
  }

  /** {@code n} flows of {@code eventHour} (distinct destination ports from {@code firstPort}). */
  static List<String> flows(Hour eventHour, int n, int firstPort) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Instant t = eventHour.start().plusSeconds(7L * i % 3600);
      out.add(LandingParserTest.flow(t.toString().replace('T', ' ').replace("Z", ""), firstPort + i));
    }
    return out;
  }

  /** Rows of {@code kaminari.flows} per listed partition (a listed partition with no rows counts 0). */
  Map<Hour, Long> rowsByHour() {
    Map<Hour, Long> out = new TreeMap<>();
    for (Hour h : Partitions.hours(spark, Warehouse.FLOWS)) out.put(h, 0L);
    spark.catalog().refreshTable(Warehouse.FLOWS);
    for (Row r : spark.table(Warehouse.FLOWS).groupBy(Columns.DT, Columns.HOUR).count().collectAsList()) {
      out.put(Hour.of(r.getString(0), r.getInt(1)), r.getLong(2));
    }
    return out;
  }

  /** The distinct coordinates (offset/index) in {@code kaminari.flows}, and whether any is there twice. */
  long distinctCoordinates() {
    return spark.table(Warehouse.FLOWS).select(col(Columns.SOURCE_OFFSET), col(Columns.SOURCE_INDEX)).distinct().count();
  }
}
