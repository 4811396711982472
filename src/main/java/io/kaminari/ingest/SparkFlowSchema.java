package io.kaminari.ingest;

import io.kaminari.common.Columns;
import io.kaminari.common.Flow;
import io.kaminari.common.FlowSchema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

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

  /** Names of the coordinate columns. */
  public static final String[] COORDINATE_NAMES = COORDINATES.fieldNames();

  /** Every column of {@code kaminari.flows}, in table order (flow, coordinates, dt, hour). */
  public static final List<String> TABLE_COLUMNS = tableColumns();

  private static List<String> tableColumns() {
    List<String> out = new ArrayList<>(List.of(FLOW.fieldNames()));
    out.addAll(List.of(COORDINATE_NAMES));
    out.add(Columns.DT);
    out.add(Columns.HOUR);
    return List.copyOf(out);
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

  /** Writes the flow's values into {@code out[from..from+FLOW.size())}, as Spark external types. */
  public static void toValues(Flow f, Object[] out, int from) {
    int i = from;
    out[i++] = f.eventType();
    out[i++] = f.peerIpSrc();
    out[i++] = f.ipSrc();
    out[i++] = f.ipDst();
    out[i++] = f.portSrc();
    out[i++] = f.portDst();
    out[i++] = f.ipProto();
    out[i++] = f.tcpFlags();
    out[i++] = f.tos();
    out[i++] = f.packets();
    out[i++] = f.bytes();
    out[i++] = f.flows();
    out[i++] = instant(f.timestampStart());
    out[i++] = instant(f.timestampEnd());
    out[i++] = instant(f.timestampArrival());
    out[i++] = instant(f.timestampExport());
    out[i++] = f.ifaceIn();
    out[i++] = f.ifaceOut();
    out[i++] = f.asSrc();
    out[i++] = f.asDst();
    out[i++] = f.samplingRate();
    out[i++] = f.writerId();
    out[i++] = f.exportProtoVersion();
    out[i++] = f.label();
    out[i++] = instant(f.eventTimeMicros());
    // Scala 2.12's own converter: scala.jdk.javaapi exists only in 2.13 or scala-collection-compat >= 2.8, which a Spark
    // distribution lacks (it ships compat 2.7.0), so it failed on a cluster's executors (the Spark standalone test).
    out[i++] = f.extra() == null ? null : JavaConverters.mapAsScalaMap(f.extra());
    if (i - from != FLOW.size()) {
      throw new IllegalStateException("Flow and FlowSchema disagree: " + (i - from) + " vs " + FLOW.size());
    }
  }

  /** Epoch microseconds as an Instant (null stays null). */
  public static Instant instant(Long micros) {
    return micros == null ? null : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
        Math.floorMod(micros, 1_000_000L) * 1000L);
  }
}
