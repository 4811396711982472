package io.kaminari.flow;

import java.util.List;

/**
 * The canonical flow schema, declared once: the pmacct JSON keys Kaminari keeps as typed columns, in column order.
 *
 * <p>It is free of Spark types so that the streaming scorer (which has no Spark) shares it; {@code ingest.SparkFlowSchema}
 * turns it into a Spark {@code StructType}. The order of {@link #FIELDS} is the order of the {@link Flow} record
 * components and of the columns of {@code kaminari.flows}.
 */
public final class FlowSchema {
  private FlowSchema() {}

  /** Logical column types; each maps to one Spark/Hive type. */
  public enum Type { STRING, INT, LONG, TIMESTAMP_MICROS, STRING_MAP }

  /** One column: its name (the pmacct JSON key where there is one), type, whether it may be null, and its doc. */
  public record Field(String name, Type type, boolean nullable, String doc) {}

  public static final String EVENT_TYPE = "event_type";
  public static final String PEER_IP_SRC = "peer_ip_src";
  public static final String IP_SRC = "ip_src";
  public static final String IP_DST = "ip_dst";
  public static final String PORT_SRC = "port_src";
  public static final String PORT_DST = "port_dst";
  public static final String IP_PROTO = "ip_proto";
  public static final String TCP_FLAGS = "tcp_flags";
  public static final String TOS = "tos";
  public static final String PACKETS = "packets";
  public static final String BYTES = "bytes";
  public static final String FLOWS = "flows";
  public static final String TIMESTAMP_START = "timestamp_start";
  public static final String TIMESTAMP_END = "timestamp_end";
  public static final String TIMESTAMP_ARRIVAL = "timestamp_arrival";
  public static final String TIMESTAMP_EXPORT = "timestamp_export";
  public static final String IFACE_IN = "iface_in";
  public static final String IFACE_OUT = "iface_out";
  public static final String AS_SRC = "as_src";
  public static final String AS_DST = "as_dst";
  public static final String SAMPLING_RATE = "sampling_rate";
  public static final String WRITER_ID = "writer_id";
  public static final String EXPORT_PROTO_VERSION = "export_proto_version";
  public static final String EXPORT_PROTO_SEQNO = "export_proto_seqno";
  public static final String LABEL = "label";
  /** Derived: the time a flow is attributed to (see {@link Flow#eventTimeMicros()}). */
  public static final String EVENT_TIME = "event_time";
  /** Every pmacct key not declared here, as strings (JSON text for non-scalar values). */
  public static final String EXTRA = "extra";

  /** {@link #EVENT_TYPE} of a flow record. */
  public static final String EVENT_PURGE = "purge";
  /** {@link #EVENT_TYPE} of the marker {@code kafka_markers} sends before each cache purge; it is no flow. */
  public static final String EVENT_PURGE_INIT = "purge_init";
  /** {@link #EVENT_TYPE} of the marker sent after each cache purge; it carries the three counters below. */
  public static final String EVENT_PURGE_CLOSE = "purge_close";
  public static final String PURGED_ENTRIES = "purged_entries";
  public static final String TOTAL_ENTRIES = "total_entries";
  public static final String DURATION = "duration";

  /** The flow columns, in order. */
  public static final List<Field> FIELDS = List.of(
      new Field(EVENT_TYPE, Type.STRING, false, "pmacct event type; always 'purge' for flows"),
      new Field(PEER_IP_SRC, Type.STRING, true, "address of the exporting router"),
      new Field(IP_SRC, Type.STRING, false, "source IP address (v4 or v6), canonical text form"),
      new Field(IP_DST, Type.STRING, false, "destination IP address (v4 or v6), canonical text form"),
      new Field(PORT_SRC, Type.INT, false, "source port, 0..65535 (0 when the protocol has none)"),
      new Field(PORT_DST, Type.INT, false, "destination port, 0..65535 (0 when the protocol has none)"),
      new Field(IP_PROTO, Type.INT, false, "IP protocol number (6 tcp, 17 udp, 1 icmp, ...)"),
      new Field(TCP_FLAGS, Type.INT, true, "OR of the TCP flags seen (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128)"),
      new Field(TOS, Type.INT, true, "IP type of service byte"),
      new Field(PACKETS, Type.LONG, false, "packets in the flow record, as exported (not scaled by sampling)"),
      new Field(BYTES, Type.LONG, false, "bytes in the flow record, as exported (not scaled by sampling)"),
      new Field(FLOWS, Type.LONG, true, "number of flows aggregated into this record, when pmacct reports it"),
      new Field(TIMESTAMP_START, Type.TIMESTAMP_MICROS, true, "flow start, UTC"),
      new Field(TIMESTAMP_END, Type.TIMESTAMP_MICROS, true, "flow end, UTC"),
      new Field(TIMESTAMP_ARRIVAL, Type.TIMESTAMP_MICROS, true, "when the collector received the export, UTC"),
      new Field(TIMESTAMP_EXPORT, Type.TIMESTAMP_MICROS, true, "export packet time, UTC"),
      new Field(IFACE_IN, Type.INT, true, "input interface index"),
      new Field(IFACE_OUT, Type.INT, true, "output interface index"),
      new Field(AS_SRC, Type.LONG, true, "source AS number"),
      new Field(AS_DST, Type.LONG, true, "destination AS number"),
      new Field(SAMPLING_RATE, Type.LONG, true, "1-in-N packet sampling rate of the exporter (absent or 0 = unsampled)"),
      new Field(WRITER_ID, Type.STRING, true, "pmacct plugin name/pid that wrote the record"),
      new Field(EXPORT_PROTO_VERSION, Type.INT, true, "NetFlow/IPFIX version of the export (5, 9, 10)"),
      new Field(EXPORT_PROTO_SEQNO, Type.LONG, true, "sequence number of the export packet, per exporter (gaps are lost exports)"),
      new Field(LABEL, Type.STRING, true, "pmacct label, when configured"),
      new Field(EVENT_TIME, Type.TIMESTAMP_MICROS, false, "time the flow is attributed to, UTC: timestamp_start, else end, arrival, export, else the Kafka record time"),
      new Field(EXTRA, Type.STRING_MAP, true, "every other pmacct key, as text"));

  /** The position of column {@code name} in {@link #FIELDS}; an unknown name is a programming error. */
  public static int ordinal(String name) {
    for (int i = 0; i < FIELDS.size(); i++) {
      if (FIELDS.get(i).name().equals(name)) return i;
    }
    throw new IllegalArgumentException("no flow column " + name);
  }
}
