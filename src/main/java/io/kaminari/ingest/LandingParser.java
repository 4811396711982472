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

import io.kaminari.common.time.Hour;
import io.kaminari.common.time.Micros;
import io.kaminari.flow.EventTimePolicy;
import io.kaminari.flow.FlowSchema;
import io.kaminari.flow.PmacctParser;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Parses landing rows (the {@link #COLUMNS} of {@code kaminari.flows_landing}) with {@link PmacctParser} into frames of
 * {@code kaminari.flows} rows or {@code kaminari.flows_rejected} rows, counting what it parses in a {@link Tally}.
 *
 * <p>The rows are Spark's internal rows, built by a parsing iterator on the landing scan's own rows
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

  /**
   * Turns landing rows into internal rows lazily, one landing record (possibly several objects) at a time: flows
   * ({@code kaminari.flows} rows, those {@code selection} accepts) or, with no selection, rejects
   * ({@code kaminari.flows_rejected} rows). Rows are emitted before the next landing row is read, and strings that
   * point into the (reused) landing row are copied. A flow row is valid only until the next landing row is read, which
   * suits the one consumer: the scan that turns these rows into a frame copies each row as it takes it.
   */
  private static final class ParsingIterator implements Iterator<InternalRow>, PmacctParser.Sink {
    private static final int COORD_FROM = SparkFlowSchema.FLOW.size();
    private static final int EVENT_TIME = FlowSchema.ordinal(FlowSchema.EVENT_TIME);

    private final Iterator<InternalRow> in;
    private final PmacctParser parser;
    private final HourSelection selection;
    private final long compactedAt;
    private final Tally tally;
    private final ArrayDeque<InternalRow> out = new ArrayDeque<>();
    /**
     * One row buffer per flow of the landing record being emitted: its rows are queued until the scan has taken (and
     * copied) them all, so each needs its own buffer until the next record, and none needs a copy.
     */
    private final List<UnsafeRowWriter> rowWriters = new ArrayList<>();
    private int rowsOfRecord;
    private InternalRow current;
    private UTF8String source;
    private long cachedHour = Long.MIN_VALUE;
    private UTF8String cachedDt;
    private int cachedHourOfDay;

    ParsingIterator(Iterator<InternalRow> in, PmacctParser parser, HourSelection selection, long compactedAt,
        Tally tally) {
      this.in = in;
      this.parser = parser;
      this.selection = selection;
      this.compactedAt = compactedAt;
      this.tally = tally;
    }

    @Override
    public boolean hasNext() {
      while (out.isEmpty() && in.hasNext()) {
        current = in.next();
        rowsOfRecord = 0;
        UTF8String s = current.getUTF8String(L_SOURCE);
        if (!s.equals(source)) source = s.clone();
        if (current.isNullAt(L_VALUE)) continue; // a tombstone holds no object
        // A view of the value where the scan holds it (a copy only where that is not a heap array).
        UTF8String value = current.getUTF8String(L_VALUE);
        if (value.getBaseObject() instanceof byte[] bytes) {
          parser.parse(bytes, (int) (value.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET), value.numBytes(),
              fallbackMicros(current), this);
        } else {
          parser.parse(value.getBytes(), fallbackMicros(current), this);
        }
      }
      return !out.isEmpty();
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      return out.poll();
    }

    @Override
    public void flow(int index, PmacctParser.Fields flow) {
      long hour = Math.floorDiv(flow.number(EVENT_TIME), Micros.PER_HOUR);
      if (tally != null) tally.flow(hour);
      if (selection == null || !selection.accepts(hour)) return;
      if (hour != cachedHour) {
        cachedHour = hour;
        Hour h = new Hour(hour);
        cachedDt = UTF8String.fromString(h.dt());
        cachedHourOfDay = h.hourOfDay();
      }
      if (rowsOfRecord == rowWriters.size()) {
        rowWriters.add(new UnsafeRowWriter(SparkFlowSchema.TABLE.size(), 512));
      }
      UnsafeRowWriter row = rowWriters.get(rowsOfRecord++);
      row.reset();
      row.zeroOutNullBytes();
      SparkFlowSchema.write(flow, row);
      int i = COORD_FROM;
      row.write(i++, source);
      row.write(i++, current.getInt(L_PARTITION));
      row.write(i++, current.getLong(L_OFFSET));
      row.write(i++, index);
      row.write(i++, cachedDt);
      row.write(i, cachedHourOfDay);
      out.add(row.getRow());
    }

    @Override
    public void marker(int index, String eventType) {
      if (tally != null) tally.marker(); // markers are counted, not stored
    }

    @Override
    public void reject(int index, String rawObject, String reason) {
      if (tally != null) tally.reject();
      if (selection != null) return;
      out.add(new GenericInternalRow(new Object[] {source, current.getInt(L_PARTITION), current.getLong(L_OFFSET),
          index, current.isNullAt(L_ARRIVAL) ? null : current.getLong(L_ARRIVAL), SparkFlowSchema.utf8(rawObject),
          SparkFlowSchema.utf8(reason), compactedAt, current.getUTF8String(L_DT).clone(), current.getInt(L_HOUR)}));
    }

    /** The arrival time, the event time of records without a timestamp. */
    private static long fallbackMicros(InternalRow r) {
      return r.isNullAt(L_ARRIVAL) ? Long.MIN_VALUE : r.getLong(L_ARRIVAL);
    }
  }
}
