package io.kaminari.tools.generate;

import static io.kaminari.flow.FlowSchema.BYTES;
import static io.kaminari.flow.FlowSchema.DURATION;
import static io.kaminari.flow.FlowSchema.EVENT_PURGE;
import static io.kaminari.flow.FlowSchema.EVENT_PURGE_CLOSE;
import static io.kaminari.flow.FlowSchema.EVENT_PURGE_INIT;
import static io.kaminari.flow.FlowSchema.EVENT_TYPE;
import static io.kaminari.flow.FlowSchema.EXPORT_PROTO_SEQNO;
import static io.kaminari.flow.FlowSchema.EXPORT_PROTO_VERSION;
import static io.kaminari.flow.FlowSchema.IP_DST;
import static io.kaminari.flow.FlowSchema.IP_PROTO;
import static io.kaminari.flow.FlowSchema.IP_SRC;
import static io.kaminari.flow.FlowSchema.PACKETS;
import static io.kaminari.flow.FlowSchema.PEER_IP_SRC;
import static io.kaminari.flow.FlowSchema.PORT_DST;
import static io.kaminari.flow.FlowSchema.PORT_SRC;
import static io.kaminari.flow.FlowSchema.PURGED_ENTRIES;
import static io.kaminari.flow.FlowSchema.TCP_FLAGS;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_ARRIVAL;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_END;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_EXPORT;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_START;
import static io.kaminari.flow.FlowSchema.TOTAL_ENTRIES;
import static io.kaminari.flow.FlowSchema.WRITER_ID;

import java.io.IOException;

/**
 * Writes flows, already in arrival order, to a {@link FlowSink} exactly as nfacctd 1.7.x's Kafka plugin would: jansson's
 * key order and spacing, one purge per {@value #PURGE_SECONDS} s of arrival time, {@code kafka_multi_values} packing
 * within a purge and optional purge_init / purge_close markers around it.
 *
 * <p>A message is handed to the sink with the arrival time of its last record, so sink times never decrease.
 */
final class PmacctWriter implements ArrivalQueue.Consumer {
  /** nfacctd's default {@code kafka_refresh_time}: how often the cache is purged to Kafka. */
  static final int PURGE_SECONDS = 60;
  static final String WRITER = "kaminari-gen/1";
  /** Exporters are routers 10.255.0.1-4; a v9 export packet of ~1400 bytes holds about this many records. */
  static final int EXPORTERS = 4;
  private static final int RECORDS_PER_EXPORT_PACKET = 24;
  private static final byte[][] EXPORTER_TEXT = new byte[EXPORTERS][];

  static {
    for (int i = 0; i < EXPORTERS; i++) {
      EXPORTER_TEXT[i] = AsciiBuffer.ascii("10.255.0." + (i + 1));
    }
  }

  private static final byte[] OPEN = AsciiBuffer.ascii("{" + key(EVENT_TYPE) + "\"" + EVENT_PURGE + "\", "
      + key(PEER_IP_SRC) + "\"");
  private static final byte[] IP_SRC_KEY = AsciiBuffer.ascii("\", " + key(IP_SRC) + "\"");
  private static final byte[] IP_DST_KEY = AsciiBuffer.ascii("\", " + key(IP_DST) + "\"");
  private static final byte[] PORT_SRC_KEY = AsciiBuffer.ascii("\", " + key(PORT_SRC));
  private static final byte[] PORT_DST_KEY = AsciiBuffer.ascii(", " + key(PORT_DST));
  private static final byte[] TCP_FLAGS_KEY = AsciiBuffer.ascii(", " + key(TCP_FLAGS) + "\"");
  private static final byte[] IP_PROTO_KEY = AsciiBuffer.ascii("\", " + key(IP_PROTO) + "\"");
  private static final byte[] START_KEY = AsciiBuffer.ascii("\", " + key(TIMESTAMP_START) + "\"");
  private static final byte[] END_KEY = AsciiBuffer.ascii("\", " + key(TIMESTAMP_END) + "\"");
  private static final byte[] ARRIVAL_KEY = AsciiBuffer.ascii("\", " + key(TIMESTAMP_ARRIVAL) + "\"");
  private static final byte[] SEQNO_KEY = AsciiBuffer.ascii("\", " + key(EXPORT_PROTO_SEQNO));
  private static final byte[] VERSION_EXPORT_KEYS = AsciiBuffer.ascii(", " + key(EXPORT_PROTO_VERSION) + "9, "
      + key(TIMESTAMP_EXPORT) + "\"");
  private static final byte[] PACKETS_KEY = AsciiBuffer.ascii("\", " + key(PACKETS));
  private static final byte[] BYTES_KEY = AsciiBuffer.ascii(", " + key(BYTES));
  private static final byte[] CLOSE = AsciiBuffer.ascii(", " + key(WRITER_ID) + "\"" + WRITER + "\"}");
  private static final byte[] PURGE_INIT = AsciiBuffer.ascii("{" + key(EVENT_TYPE) + "\"" + EVENT_PURGE_INIT + "\", "
      + key(WRITER_ID) + "\"" + WRITER + "\"}");
  private static final byte[] PURGE_CLOSE_OPEN = AsciiBuffer.ascii("{" + key(EVENT_TYPE) + "\"" + EVENT_PURGE_CLOSE
      + "\", " + key(WRITER_ID) + "\"" + WRITER + "\", " + key(PURGED_ENTRIES));
  private static final byte[] TOTAL_ENTRIES_KEY = AsciiBuffer.ascii(", " + key(TOTAL_ENTRIES));
  private static final byte[] DURATION_CLOSE = AsciiBuffer.ascii(", " + key(DURATION) + "0}");

  private static String key(String name) {
    return "\"" + name + "\": ";
  }

  private final FlowSink sink;
  private final boolean markers;
  private final int multiValues;
  private final AsciiBuffer message = new AsciiBuffer();
  private final AsciiBuffer marker = new AsciiBuffer();
  private final long[] seqno = new long[EXPORTERS];
  private final long[] lastExportSecond = new long[EXPORTERS];
  private final int[] inExportPacket = new int[EXPORTERS];
  private long cycle = Long.MIN_VALUE;
  private long cycleFlows;
  private int messageFlows;
  private long lastArrivalMillis;

  private long flows;
  private long markerCount;
  private long messages;
  private long firstStartMicros = Long.MAX_VALUE;
  private long lastArrivalMicros = Long.MIN_VALUE;

  PmacctWriter(FlowSink sink, boolean markers, int multiValues) {
    this.sink = sink;
    this.markers = markers;
    this.multiValues = multiValues;
  }

  @Override
  public void accept(PendingFlow f) throws IOException {
    long flowCycle = Math.floorDiv(f.arrivalMicros, PURGE_SECONDS * 1_000_000L);
    long arrivalMillis = Math.floorDiv(f.arrivalMicros, 1000L);
    if (flowCycle != cycle) {
      endPurge();
      cycle = flowCycle;
      if (markers) {
        emitMarker(arrivalMillis, PURGE_INIT.clone());
      }
    }
    if (messageFlows > 0) {
      message.put((byte) '\n');
    }
    writeFlow(f, nextSeqno(f));
    messageFlows++;
    cycleFlows++;
    flows++;
    lastArrivalMillis = arrivalMillis;
    firstStartMicros = Math.min(firstStartMicros, f.startMicros);
    lastArrivalMicros = f.arrivalMicros;
    if (messageFlows == multiValues) {
      flushMessage();
    }
  }

  /** Ends the last purge; call once after the last flow. */
  void finish() throws IOException {
    endPurge();
  }

  long flows() {
    return flows;
  }

  long markers() {
    return markerCount;
  }

  long messages() {
    return messages;
  }

  /** Earliest timestamp_start written, or Long.MAX_VALUE when nothing was. */
  long firstStartMicros() {
    return firstStartMicros;
  }

  /** Latest timestamp_arrival written, or Long.MIN_VALUE when nothing was. */
  long lastArrivalMicros() {
    return lastArrivalMicros;
  }

  // NetFlow v9 numbers export packets, not records: records of one exporter share a number until its packet is full
  // or the export second changes.
  private long nextSeqno(PendingFlow f) {
    int e = f.exporter;
    if (seqno[e] == 0 || lastExportSecond[e] != f.exportSecond || inExportPacket[e] == RECORDS_PER_EXPORT_PACKET) {
      seqno[e]++;
      lastExportSecond[e] = f.exportSecond;
      inExportPacket[e] = 0;
    }
    inExportPacket[e]++;
    return seqno[e];
  }

  private void writeFlow(PendingFlow f, long seq) {
    AsciiBuffer b = message;
    b.put(OPEN);
    b.put(EXPORTER_TEXT[f.exporter]);
    b.put(IP_SRC_KEY);
    if (f.srcText != null) {
      b.put(f.srcText);
    } else {
      b.putIpv4(f.srcV4);
    }
    b.put(IP_DST_KEY);
    if (f.dstText != null) {
      b.put(f.dstText);
    } else {
      b.putIpv4(f.dstV4);
    }
    b.put(PORT_SRC_KEY);
    b.putLong(f.portSrc);
    b.put(PORT_DST_KEY);
    b.putLong(f.portDst);
    b.put(TCP_FLAGS_KEY);
    b.putLong(f.tcpFlags);
    b.put(IP_PROTO_KEY);
    b.put(f.proto);
    b.put(START_KEY);
    b.putTimestamp(f.startMicros);
    b.put(END_KEY);
    b.putTimestamp(f.endMicros);
    b.put(ARRIVAL_KEY);
    b.putTimestamp(f.arrivalMicros);
    b.put(SEQNO_KEY);
    b.putLong(seq);
    b.put(VERSION_EXPORT_KEYS);
    b.putTimestamp(f.exportSecond * 1_000_000L);
    b.put(PACKETS_KEY);
    b.putLong(f.packets);
    b.put(BYTES_KEY);
    b.putLong(f.bytes);
    b.put(CLOSE);
  }

  private void flushMessage() throws IOException {
    sink.accept(lastArrivalMillis, message.toByteArray());
    message.clear();
    messageFlows = 0;
    messages++;
  }

  private void endPurge() throws IOException {
    if (cycle == Long.MIN_VALUE) {
      return;
    }
    if (messageFlows > 0) {
      flushMessage();
    }
    if (markers) {
      marker.clear();
      marker.put(PURGE_CLOSE_OPEN);
      marker.putLong(cycleFlows);
      marker.put(TOTAL_ENTRIES_KEY);
      marker.putLong(cycleFlows);
      marker.put(DURATION_CLOSE);
      emitMarker(lastArrivalMillis, marker.toByteArray());
    }
    cycleFlows = 0;
    cycle = Long.MIN_VALUE;
  }

  private void emitMarker(long millis, byte[] bytes) throws IOException {
    sink.accept(millis, bytes);
    markerCount++;
    messages++;
  }
}
