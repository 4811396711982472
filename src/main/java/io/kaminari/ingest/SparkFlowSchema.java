package io.kaminari.ingest;

import io.kaminari.flow.PmacctParser;
import io.kaminari.common.Columns;
import io.kaminari.common.time.Micros;
import io.kaminari.flow.Flow;
import io.kaminari.flow.FlowSchema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeArrayWriter;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The Spark side of {@link FlowSchema}: the {@code kaminari.flows} row type and the conversion of a {@link Flow} into
 * row values. Kept out of {@code common} so that the flow schema itself stays free of Spark.
 */
public final class SparkFlowSchema {
  private SparkFlowSchema() {}

  /** The flow columns (FlowSchema order). */
  public static final StructType FLOW = new StructType(FlowSchema.FIELDS.stream()
      .map(f -> new StructField(f.name(), sparkType(f.type()), f.nullable(), org.apache.spark.sql.types.Metadata.empty()))
      .toArray(StructField[]::new));

  /** Source coordinates, which identify a record for dedup: they follow the flow columns in the table. */
  public static final StructType COORDINATES = new StructType()
      .add(Columns.SOURCE, DataTypes.StringType, false)
      .add(Columns.SOURCE_PARTITION, DataTypes.IntegerType, false)
      .add(Columns.SOURCE_OFFSET, DataTypes.LongType, false)
      .add(Columns.SOURCE_INDEX, DataTypes.IntegerType, false);

  private static final FlowSchema.Type[] TYPES = FlowSchema.FIELDS.stream().map(FlowSchema.Field::type)
      .toArray(FlowSchema.Type[]::new);

  /** Names of the coordinate columns. */
  public static final String[] COORDINATE_NAMES = COORDINATES.fieldNames();

  /** The row type of {@code kaminari.flows}, in table order: flow, coordinates, dt, hour. */
  public static final StructType TABLE = tableType();

  /** Every column of {@code kaminari.flows}, in table order. */
  public static final List<String> TABLE_COLUMNS = List.of(TABLE.fieldNames());

  private static StructType tableType() {
    List<StructField> f = new ArrayList<>(List.of(FLOW.fields()));
    f.addAll(List.of(COORDINATES.fields()));
    f.add(DataTypes.createStructField(Columns.DT, DataTypes.StringType, false));
    f.add(DataTypes.createStructField(Columns.HOUR, DataTypes.IntegerType, false));
    return DataTypes.createStructType(f);
  }

  static DataType sparkType(FlowSchema.Type t) {
    return switch (t) {
      case STRING -> DataTypes.StringType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case TIMESTAMP_MICROS -> DataTypes.TimestampType;
      case STRING_MAP -> DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true);
    };
  }

  /**
   * Writes the flow's values into {@code out[from..from+FLOW.size())} as Spark's internal (Catalyst) values:
   * {@code UTF8String}, boxed ints and longs, timestamps as epoch microseconds, the extra map as {@code MapData}.
   * Frames built from {@link Flow}s use it ({@link #toValues}); compaction writes the same values with {@link #write}.
   */
  public static void toInternal(Flow f, Object[] out, int from) {
    int i = from;
    out[i++] = utf8(f.eventType());
    out[i++] = utf8(f.peerIpSrc());
    out[i++] = utf8(f.ipSrc());
    out[i++] = utf8(f.ipDst());
    out[i++] = f.portSrc();
    out[i++] = f.portDst();
    out[i++] = f.ipProto();
    out[i++] = f.tcpFlags();
    out[i++] = f.tos();
    out[i++] = f.packets();
    out[i++] = f.bytes();
    out[i++] = f.flows();
    out[i++] = f.timestampStart();
    out[i++] = f.timestampEnd();
    out[i++] = f.timestampArrival();
    out[i++] = f.timestampExport();
    out[i++] = f.ifaceIn();
    out[i++] = f.ifaceOut();
    out[i++] = f.asSrc();
    out[i++] = f.asDst();
    out[i++] = f.samplingRate();
    out[i++] = utf8(f.writerId());
    out[i++] = f.exportProtoVersion();
    out[i++] = f.exportProtoSeqno();
    out[i++] = utf8(f.label());
    out[i++] = f.eventTimeMicros();
    out[i++] = f.extra() == null ? null : mapData(f.extra());
    if (i - from != FLOW.size()) {
      throw new IllegalStateException("Flow and FlowSchema disagree: " + (i - from) + " vs " + FLOW.size());
    }
  }

  /**
   * Writes the flow's columns into {@code row} at {@code 0..FLOW.size()}, straight from the parser's state: the same
   * values as {@link #toInternal} of {@code flow.toFlow()} (a test compares them), without a String or a box.
   */
  public static void write(PmacctParser.Fields flow, UnsafeRowWriter row) {
    for (int i = 0; i < TYPES.length; i++) {
      if (flow.isNull(i)) {
        row.setNullAt(i);
        continue;
      }
      switch (TYPES[i]) {
        case STRING -> row.write(i, flow.bytes(i), flow.offset(i), flow.length(i));
        case INT -> row.write(i, (int) flow.number(i));
        case LONG, TIMESTAMP_MICROS -> row.write(i, flow.number(i));
        case STRING_MAP -> writeMap(row, i, flow.extra());
      }
    }
  }

  /** A string map in UnsafeRow's layout, as Spark's generated projections write it. */
  private static void writeMap(UnsafeRowWriter row, int ordinal, Map<String, String> map) {
    int start = row.cursor();
    // The key array's size goes in the first 8 bytes, once it is known.
    row.grow(8);
    row.increaseCursor(8);
    int keysStart = row.cursor();
    UnsafeArrayWriter array = new UnsafeArrayWriter(row, 8);
    array.initialize(map.size());
    int i = 0;
    for (String key : map.keySet()) {
      array.write(i++, UTF8String.fromString(key));
    }
    Platform.putLong(row.getBuffer(), keysStart - 8, row.cursor() - keysStart);
    array.initialize(map.size());
    i = 0;
    for (String value : map.values()) {
      array.write(i++, UTF8String.fromString(value));
    }
    row.setOffsetAndSizeFromPreviousCursor(ordinal, start);
  }

  /** The same values as {@link #toInternal}, as external types for a {@code Row} (tests build frames this way). */
  public static void toValues(Flow f, Object[] out, int from) {
    toInternal(f, out, from);
    StructField[] fields = FLOW.fields();
    for (int i = 0; i < fields.length; i++) {
      out[from + i] = CatalystTypeConverters.convertToScala(out[from + i], fields[i].dataType());
    }
  }

  static UTF8String utf8(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }

  private static MapData mapData(Map<String, String> m) {
    Object[] keys = new Object[m.size()];
    Object[] values = new Object[m.size()];
    int i = 0;
    for (Map.Entry<String, String> e : m.entrySet()) {
      keys[i] = utf8(e.getKey());
      values[i++] = utf8(e.getValue());
    }
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
  }

  /** Epoch microseconds as an Instant (null stays null). */
  public static Instant instant(Long micros) {
    return micros == null ? null : Micros.toInstant(micros);
  }
}
