package io.kaminari.ingest;

import static io.kaminari.common.Columns.ARRIVAL_TIME;
import static io.kaminari.common.Columns.COMPACTED_AT;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.RAW;
import static io.kaminari.common.Columns.REASON;
import static io.kaminari.common.Columns.SOURCE;
import static io.kaminari.common.Columns.SOURCE_OFFSET;
import static io.kaminari.common.Columns.SOURCE_PARTITION;
import static io.kaminari.common.Columns.VALUE;

import io.kaminari.flow.EventTimePolicy;
import io.kaminari.flow.PmacctParser;
import java.time.ZoneId;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Parses landing rows (the {@link #COLUMNS} of {@code kaminari.flows_landing}) with {@link PmacctParser} into frames of
 * {@code kaminari.flows} rows or {@code kaminari.flows_rejected} rows, counting what it parses in a {@link Tally}.
 *
 * <p>The rows are Spark's internal rows, built by {@link ParsingIterator} on the landing scan's own rows
 * ({@link InternalRows}) and turned into a frame with {@code internalCreateDataFrame} (private[sql] in Scala, public in
 * the bytecode), so no row goes through the external-row encoder.
 */
final class LandingParser {
  /** The landing columns compaction reads, in this order (the ordinals below index them). */
  static final String[] COLUMNS = {SOURCE, SOURCE_PARTITION, SOURCE_OFFSET, ARRIVAL_TIME, VALUE, DT, HOUR};
  static final int L_SOURCE = 0;
  static final int L_PARTITION = 1;
  static final int L_OFFSET = 2;
  static final int L_ARRIVAL = 3;
  static final int L_VALUE = 4;
  static final int L_DT = 5;
  static final int L_HOUR = 6;

  /** The row type of {@code kaminari.flows_rejected}, in table order. */
  static final StructType REJECT_ROW = new StructType(SparkFlowSchema.COORDINATES.fields())
      .add(ARRIVAL_TIME, DataTypes.TimestampType, true)
      .add(RAW, DataTypes.StringType, true)
      .add(REASON, DataTypes.StringType, true)
      .add(COMPACTED_AT, DataTypes.TimestampType, true)
      .add(DT, DataTypes.StringType, false)
      .add(HOUR, DataTypes.IntegerType, false);

  private final SparkSession spark;
  private final ZoneId collectorZone;
  private final EventTimePolicy eventTimes;

  /**
   * Parses with nfacctd's local-time timestamps read in {@code collectorZone}, rejecting flows whose event time
   * {@code eventTimes} refuses (measured from each record's arrival time, as the streaming scorer measures it).
   */
  LandingParser(SparkSession spark, ZoneId collectorZone, EventTimePolicy eventTimes) {
    this.spark = spark;
    this.collectorZone = collectorZone;
    this.eventTimes = eventTimes;
  }

  /**
   * The flows of {@code landing} whose event hour {@code selection} accepts, as {@code kaminari.flows} rows; every
   * object parsed is counted in {@code tally} if there is one.
   */
  Dataset<Row> flows(Dataset<Row> landing, HourSelection selection, Tally tally) {
    return spark.internalCreateDataFrame(parsed(landing, selection, 0L, tally).rdd(), SparkFlowSchema.TABLE, false);
  }

  /** The rejected objects of {@code landing} as {@code kaminari.flows_rejected} rows stamped {@code compactedAt}. */
  Dataset<Row> rejects(Dataset<Row> landing, long compactedAt) {
    return spark.internalCreateDataFrame(parsed(landing, null, compactedAt, null).rdd(), REJECT_ROW, false);
  }

  /** Parses {@code landing} only to count its objects in {@code tally}, emitting nothing. */
  void count(Dataset<Row> landing, Tally tally) {
    parsed(landing, HourSelection.NONE, 0L, tally).foreach(row -> { });
  }

  /** The landing rows parsed into internal rows: flows that {@code selection} accepts, or rejects if it is null. */
  private JavaRDD<InternalRow> parsed(Dataset<Row> landing, HourSelection selection, long compactedAt, Tally tally) {
    ZoneId zone = collectorZone;
    EventTimePolicy policy = eventTimes;
    return InternalRows.of(landing).mapPartitions(
        (FlatMapFunction<Iterator<InternalRow>, InternalRow>) rows ->
            new ParsingIterator(rows, new PmacctParser(zone, policy), selection, compactedAt, tally));
  }
}
