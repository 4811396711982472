package io.kaminari.flow;

import static io.kaminari.flow.FlowSchema.AS_DST;
import static io.kaminari.flow.FlowSchema.AS_SRC;
import static io.kaminari.flow.FlowSchema.BYTES;
import static io.kaminari.flow.FlowSchema.EVENT_TIME;
import static io.kaminari.flow.FlowSchema.EVENT_TYPE;
import static io.kaminari.flow.FlowSchema.EXPORT_PROTO_SEQNO;
import static io.kaminari.flow.FlowSchema.EXPORT_PROTO_VERSION;
import static io.kaminari.flow.FlowSchema.EXTRA;
import static io.kaminari.flow.FlowSchema.FIELDS;
import static io.kaminari.flow.FlowSchema.FLOWS;
import static io.kaminari.flow.FlowSchema.IFACE_IN;
import static io.kaminari.flow.FlowSchema.IFACE_OUT;
import static io.kaminari.flow.FlowSchema.IP_DST;
import static io.kaminari.flow.FlowSchema.IP_PROTO;
import static io.kaminari.flow.FlowSchema.IP_SRC;
import static io.kaminari.flow.FlowSchema.LABEL;
import static io.kaminari.flow.FlowSchema.PACKETS;
import static io.kaminari.flow.FlowSchema.PEER_IP_SRC;
import static io.kaminari.flow.FlowSchema.PORT_DST;
import static io.kaminari.flow.FlowSchema.PORT_SRC;
import static io.kaminari.flow.FlowSchema.SAMPLING_RATE;
import static io.kaminari.flow.FlowSchema.TCP_FLAGS;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_ARRIVAL;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_END;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_EXPORT;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_START;
import static io.kaminari.flow.FlowSchema.TOS;
import static io.kaminari.flow.FlowSchema.WRITER_ID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns one pmacct JSON message into flows, markers and rejects, reporting each of its objects to a {@link Sink}
 * exactly once and never throwing on bad input.
 *
 * <p>A message holds one JSON object per line (pmacct's {@code kafka_multi_values} packs several, newline-separated);
 * blank lines are skipped and do not count as objects. Decisions beyond what pmacct's format dictates:
 *
 * <ul>
 *   <li><b>event_type</b>: absent or {@code purge} is a flow; {@code purge_init} / {@code purge_close} are markers
 *       (their other keys are checked for well-formedness but not reported). Any other event type (BGP/BMP
 *       {@code log}, {@code dump}, ...) is rejected: those messages carry no flow and belong on another topic, and a
 *       reject keeps them visible instead of silently dropping them.
 *   <li><b>duplicate keys</b> reject the object: pmacct never writes them, and picking one of two values would hide a
 *       corrupted record. Keys whose value is {@code null} count as present for this check only when declared in
 *       {@code FlowSchema}; an undeclared key with a {@code null} value is dropped before any check.
 *   <li><b>null values</b> are absent. Required keys: ip_src, ip_dst, packets, bytes. Ports default to 0. An absent
 *       ip_proto is 0, because pmacct omits it only when {@code proto} is not aggregated, and the column is not
 *       nullable; 0 then means "unknown", not HOPOPT.
 *   <li><b>event time</b> is timestamp_start, else timestamp_end, timestamp_arrival, timestamp_export, else the
 *       caller's fallback. {@code stamp_inserted} / {@code stamp_updated} are not used: they are kafka_history bin
 *       boundaries, not flow times; they stay verbatim in {@code extra}.
 *   <li><b>timestamps</b>: {@code YYYY-MM-DD HH:MM:SS[.f]} in the collector zone, the same with a {@code T} and/or a
 *       {@code Z} / {@code ±HH:MM} suffix (RFC 3339), or epoch seconds {@code S[.f]} as a string or a JSON number.
 *       Fractions of 1 to 9 digits are truncated to microseconds. The all-zero date softflowd's IPFIX sends is absent.
 *   <li><b>numbers</b> may be JSON integers or decimal strings; a fraction, an exponent or other text is rejected, as
 *       is a value outside the column's range (ports 0..65535, tos/tcp_flags/ip_proto 0..255, AS numbers 0..2^32-1,
 *       export_proto_version 0..65535, export_proto_seqno 0..2^32-1, interfaces 0..2^31-1, counters 0..2^63-1).
 *   <li><b>label</b> is a string column, but pmacct writes a map when pre_tag_map labels are key/value pairs: a
 *       non-string label is kept as its compact JSON text, like any undeclared key in {@code extra}.
 *   <li>IP addresses keep pmacct's text; they are only checked to be IPv4 or IPv6 literals (no zone id).
 * </ul>
 *
 * <p>Two readers, one outcome: a flat object of plain scalars (what pmacct writes) is read by a byte scanner; anything
 * else, and every object that scanner would reject, is read again by Jackson, so that the outcome and every reject
 * reason are Jackson's ({@code PmacctParserPathsTest} compares the two).
 *
 * <p>Not thread-safe: it keeps the state of the object being parsed in fields so that the hot path allocates little,
 * and hands that state to the sink as {@link Fields} (valid during the call) rather than building a {@link Flow}.
 * Use one instance per thread (per Spark partition, per consumer). Exceptions thrown by the sink propagate.
 */
public final class PmacctParser {

  /** Receives the outcome of each object of a message, in order. */
  public interface Sink {
    /**
     * A flow record; {@code index} counts the non-blank objects of the message from 0. {@code flow} is the parser's
     * own state, valid only during the call: keep {@link Fields#toFlow()} instead.
     */
    void flow(int index, Fields flow);

    /** A {@link PmacctParser#PURGE_INIT} or {@link PmacctParser#PURGE_CLOSE} marker. */
    void marker(int index, String eventType);

    /** An object that is not a valid flow or marker; {@code rawObject} is its line (invalid UTF-8 replaced). */
    void reject(int index, String rawObject, String reason);
  }

  /**
   * The flow just read, by column ({@link FlowSchema#FIELDS} order), without a {@link Flow} being built: strings are
   * UTF-8 slices (of the message itself on the fast path), numbers and timestamps (epoch µs) are longs. Compaction
   * writes its rows from it; a {@link Flow} costs a String per address and a box per number, a third of the parse.
   */
  public final class Fields {
    private Fields() {}

    /** Whether column {@code field} is null; never true of a column that is not nullable. */
    public boolean isNull(int field) {
      return (present & (1L << field)) == 0;
    }

    /** The value of an INT, LONG or TIMESTAMP_MICROS column that is not null. */
    public long number(int field) {
      return numbers[field];
    }

    /** The array holding the UTF-8 text of a STRING column that is not null. */
    public byte[] bytes(int field) {
      return texts[field];
    }

    /** Where the text of {@code field} starts in {@link #bytes}. */
    public int offset(int field) {
      return textOffsets[field];
    }

    /** The length in bytes of the text of {@code field}. */
    public int length(int field) {
      return textLengths[field];
    }

    /** The {@code extra} column: the undeclared keys in the object's order, or null when there are none. */
    public Map<String, String> extra() {
      return extra;
    }

    /** The flow as an immutable record. */
    public Flow toFlow() {
      return new Flow(PURGE, string(F_PEER_IP_SRC), string(F_IP_SRC), string(F_IP_DST), (int) numbers[F_PORT_SRC],
          (int) numbers[F_PORT_DST], (int) numbers[F_IP_PROTO], boxedInt(F_TCP_FLAGS), boxedInt(F_TOS),
          numbers[F_PACKETS], numbers[F_BYTES], boxedLong(F_FLOWS), boxedLong(F_TIMESTAMP_START),
          boxedLong(F_TIMESTAMP_END), boxedLong(F_TIMESTAMP_ARRIVAL), boxedLong(F_TIMESTAMP_EXPORT),
          boxedInt(F_IFACE_IN), boxedInt(F_IFACE_OUT), boxedLong(F_AS_SRC), boxedLong(F_AS_DST),
          boxedLong(F_SAMPLING_RATE), string(F_WRITER_ID), boxedInt(F_EXPORT_PROTO_VERSION),
          boxedLong(F_EXPORT_PROTO_SEQNO), string(F_LABEL), numbers[F_EVENT_TIME], extra);
    }

    private String string(int field) {
      return isNull(field) ? null : new String(texts[field], textOffsets[field], textLengths[field],
          StandardCharsets.UTF_8);
    }

    private Integer boxedInt(int field) {
      return isNull(field) ? null : (int) numbers[field];
    }

    private Long boxedLong(int field) {
      return isNull(field) ? null : numbers[field];
    }
  }

  /** The event type of flow records, also given to flows whose record has none. */
  public static final String PURGE = "purge";
  /** Marker pmacct writes (with kafka_markers) before each purge of its cache. */
  public static final String PURGE_INIT = "purge_init";
  /** Marker pmacct writes (with kafka_markers) after each purge of its cache. */
  public static final String PURGE_CLOSE = "purge_close";
  private static final String[] EVENT_TYPES = {PURGE, PURGE_INIT, PURGE_CLOSE};

  /** Bit i of a TCP flags value, by name, as pmacct's tcpflags_encode_as_array writes them. */
  private static final String[] TCP_FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

  /**
   * pmacct's protocol names (src/pmacct-data.h, indexed by number there) plus the IANA keywords and common aliases
   * for the same numbers, matched ASCII case-insensitively. The most frequent come first since lookup is linear.
   */
  private static final Object[] PROTOCOLS = {
      "tcp", 6, "udp", 17, "icmp", 1, "ipv6-icmp", 58, "gre", 47, "esp", 50, "ah", 51, "sctp", 132,
      "ip", 0, "hopopt", 0, "igmp", 2, "ggp", 3, "ipencap", 4, "ipv4", 4, "st", 5, "egp", 8, "igp", 9, "mux", 18,
      "ipv6", 41, "ipv6-route", 43, "ipv6-frag", 44, "rsvp", 46, "ipv6-crypt", 50, "ipv6-auth", 51, "mobile", 55,
      "tlsp", 56, "icmpv6", 58, "ipv6-nonxt", 59, "ipv6-opts", 60, "iso-ip", 80, "vines", 83, "eigrp", 88,
      "ospf", 89, "ospfigp", 89, "larp", 91, "ax.25", 93, "ipip", 94, "encap", 98, "pnni", 102, "pim", 103,
      "ipcomp", 108, "ipx-in-ip", 111, "vrrp", 112, "l2tp", 115, "isis", 124, "fc", 133, "udplite", 136,
      "mpls-in-ip", 137, "ethernet", 143};
  private static final String[] PROTO_NAMES = new String[PROTOCOLS.length / 2];
  private static final int[] PROTO_NUMBERS = new int[PROTOCOLS.length / 2];

  /** How the value of each typed key is read. */
  private enum Reader { EVENT_TYPE, IP, STRING, TEXT, INTEGER, IP_PROTO, TCP_FLAGS, TIMESTAMP }

  /** Column positions (FlowSchema order), which are also the bits of the duplicate and presence masks. */
  private static final int F_EVENT_TYPE = FlowSchema.ordinal(EVENT_TYPE);
  private static final int F_PEER_IP_SRC = FlowSchema.ordinal(PEER_IP_SRC);
  private static final int F_IP_SRC = FlowSchema.ordinal(IP_SRC);
  private static final int F_IP_DST = FlowSchema.ordinal(IP_DST);
  private static final int F_PORT_SRC = FlowSchema.ordinal(PORT_SRC);
  private static final int F_PORT_DST = FlowSchema.ordinal(PORT_DST);
  private static final int F_IP_PROTO = FlowSchema.ordinal(IP_PROTO);
  private static final int F_TCP_FLAGS = FlowSchema.ordinal(TCP_FLAGS);
  private static final int F_TOS = FlowSchema.ordinal(TOS);
  private static final int F_PACKETS = FlowSchema.ordinal(PACKETS);
  private static final int F_BYTES = FlowSchema.ordinal(BYTES);
  private static final int F_FLOWS = FlowSchema.ordinal(FLOWS);
  private static final int F_TIMESTAMP_START = FlowSchema.ordinal(TIMESTAMP_START);
  private static final int F_TIMESTAMP_END = FlowSchema.ordinal(TIMESTAMP_END);
  private static final int F_TIMESTAMP_ARRIVAL = FlowSchema.ordinal(TIMESTAMP_ARRIVAL);
  private static final int F_TIMESTAMP_EXPORT = FlowSchema.ordinal(TIMESTAMP_EXPORT);
  private static final int F_IFACE_IN = FlowSchema.ordinal(IFACE_IN);
  private static final int F_IFACE_OUT = FlowSchema.ordinal(IFACE_OUT);
  private static final int F_AS_SRC = FlowSchema.ordinal(AS_SRC);
  private static final int F_AS_DST = FlowSchema.ordinal(AS_DST);
  private static final int F_SAMPLING_RATE = FlowSchema.ordinal(SAMPLING_RATE);
  private static final int F_WRITER_ID = FlowSchema.ordinal(WRITER_ID);
  private static final int F_EXPORT_PROTO_VERSION = FlowSchema.ordinal(EXPORT_PROTO_VERSION);
  private static final int F_EXPORT_PROTO_SEQNO = FlowSchema.ordinal(EXPORT_PROTO_SEQNO);
  private static final int F_LABEL = FlowSchema.ordinal(LABEL);
  private static final int F_EVENT_TIME = FlowSchema.ordinal(EVENT_TIME);
  private static final int F_EXTRA = FlowSchema.ordinal(EXTRA);
  private static final int FIELD_COUNT = FIELDS.size();

  /** The typed keys' readers and, for integers, their largest value; by column position. */
  private static final Reader[] READERS = new Reader[FIELD_COUNT];
  private static final long[] MAX = new long[FIELD_COUNT];
  /** Column positions of the typed JSON keys (not event_time or extra, which no key fills). */
  private static final Map<String, Integer> SLOTS = new HashMap<>();
  /** The keys a flow must have, in the order a reject names the first missing one. */
  private static final int[] REQUIRED = {F_IP_SRC, F_IP_DST, F_PACKETS, F_BYTES};
  /** Timestamps in the order they stand in for the event time. */
  private static final int[] EVENT_TIME_SOURCES = {F_TIMESTAMP_START, F_TIMESTAMP_END, F_TIMESTAMP_ARRIVAL,
      F_TIMESTAMP_EXPORT};
  /** Columns that are not nullable and default to 0 when the key is absent. */
  private static final long DEFAULTS_ZERO = (1L << F_PORT_SRC) | (1L << F_PORT_DST) | (1L << F_IP_PROTO);
  private static final byte[] PURGE_BYTES = "purge".getBytes(StandardCharsets.US_ASCII);

  static {
    for (int i = 0; i < PROTO_NAMES.length; i++) {
      PROTO_NAMES[i] = (String) PROTOCOLS[2 * i];
      PROTO_NUMBERS[i] = (Integer) PROTOCOLS[2 * i + 1];
    }
    if (FIELD_COUNT > Long.SIZE) {
      throw new IllegalStateException("more flow columns than bits in the presence mask");
    }
    read(EVENT_TYPE, Reader.EVENT_TYPE, 0);
    read(PEER_IP_SRC, Reader.IP, 0);
    read(IP_SRC, Reader.IP, 0);
    read(IP_DST, Reader.IP, 0);
    read(PORT_SRC, Reader.INTEGER, 65535);
    read(PORT_DST, Reader.INTEGER, 65535);
    read(IP_PROTO, Reader.IP_PROTO, 255);
    read(TCP_FLAGS, Reader.TCP_FLAGS, 255);
    read(TOS, Reader.INTEGER, 255);
    read(PACKETS, Reader.INTEGER, Long.MAX_VALUE);
    read(BYTES, Reader.INTEGER, Long.MAX_VALUE);
    read(FLOWS, Reader.INTEGER, Long.MAX_VALUE);
    read(TIMESTAMP_START, Reader.TIMESTAMP, 0);
    read(TIMESTAMP_END, Reader.TIMESTAMP, 0);
    read(TIMESTAMP_ARRIVAL, Reader.TIMESTAMP, 0);
    read(TIMESTAMP_EXPORT, Reader.TIMESTAMP, 0);
    read(IFACE_IN, Reader.INTEGER, Integer.MAX_VALUE);
    read(IFACE_OUT, Reader.INTEGER, Integer.MAX_VALUE);
    read(AS_SRC, Reader.INTEGER, 0xFFFF_FFFFL);
    read(AS_DST, Reader.INTEGER, 0xFFFF_FFFFL);
    read(SAMPLING_RATE, Reader.INTEGER, Long.MAX_VALUE);
    read(WRITER_ID, Reader.STRING, 0);
    read(EXPORT_PROTO_VERSION, Reader.INTEGER, 65535);
    read(EXPORT_PROTO_SEQNO, Reader.INTEGER, 0xFFFF_FFFFL);
    read(LABEL, Reader.TEXT, 0);
    for (var field : FIELDS) {
      if (READERS[FlowSchema.ordinal(field.name())] == null && !field.name().equals(EVENT_TIME)
          && !field.name().equals(EXTRA)) {
        throw new IllegalStateException("FlowSchema key without a reader: " + field.name());
      }
    }
  }

  private static void read(String key, Reader reader, long max) {
    int field = FlowSchema.ordinal(key);
    READERS[field] = reader;
    MAX[field] = max;
    SLOTS.put(key, field);
  }

  /** No separator between root values, so that one generator can write the containers of a record one by one. */
  private static final JsonFactory JSON = new JsonFactoryBuilder().rootValueSeparator((String) null).build();
  /** Little-endian, so that the lowest flagged byte of a word is the first in the array. */
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long MAX_EPOCH_SECONDS = Long.MAX_VALUE / 1_000_000;
  private static final int SHOWN_MAX = 64;
  private static final int KEY_CACHE = 256;
  private static final int KEY_POSITIONS = 64;
  private static final int MINUTE_LENGTH = 16;
  /**
   * Lines longer than this, and numbers longer than {@link #FLAT_NUMBER_MAX}, go to Jackson, whose read constraints
   * (maximum name, string and number lengths) then decide; pmacct's records are a few hundred bytes.
   */
  private static final int FLAT_LINE_MAX = 1 << 15;
  private static final int FLAT_NUMBER_MAX = 100;
  /** Sentinels of the timestamp scanners; real values stay far from them (year 1 is about -6.2e16 µs). */
  private static final long INVALID = Long.MIN_VALUE;
  private static final long ZERO_DATE = Long.MIN_VALUE + 1;

  private final boolean flat;
  private long flatObjects;
  private final ZoneRules collectorRules;
  /** The collector zone's offset when it never changes (UTC, fixed offsets), else null: then a lookup per record. */
  private final Integer collectorFixedOffset;

  private final StringWriter containerText = new StringWriter();
  private JsonGenerator containerWriter;
  /** The Jackson parser of the object being read, or null on the flat path. */
  private JsonParser p;
  /**
   * The current value's token and, for scalars, its UTF-8 text (strings unescaped, numbers and literals as written):
   * a slice of the message on the flat path, a copy of Jackson's text otherwise.
   */
  private JsonToken token;
  private byte[] text;
  private int textOff;
  private int textLen;
  /** Keys the flat path has seen (bytes, name, slot), by a hash of their bytes: objects repeat the same few keys. */
  private final byte[][] keyBytes = new byte[KEY_CACHE][];
  private final String[] keyNames = new String[KEY_CACHE];
  private final int[] keySlots = new int[KEY_CACHE];
  /**
   * What the previous object held at each key position: its bytes from the key's opening quote to the value (say
   * {@code "port_src": }), the key and its slot. pmacct writes every object of a stream with the same keys in the same
   * order, so a match of these bytes reads the key, the colon and the spaces in one comparison.
   */
  private final byte[][] keyLeads = new byte[KEY_POSITIONS][];
  private final String[] keyLeadNames = new String[KEY_POSITIONS];
  private final int[] keyLeadSlots = new int[KEY_POSITIONS];
  /** The last timestamp's {@code YYYY-MM-DD HH:MM} and its local epoch seconds: a stream's timestamps share minutes. */
  private final byte[] minute = new byte[MINUTE_LENGTH];
  private long minuteSeconds = INVALID;
  private long seen;
  /** Bit per column: set when the column has a value (see {@link Fields#isNull}). */
  private long present;
  /** Index in {@link #EVENT_TYPES} of the object's event type ({@code purge} when absent), or -1 for another. */
  private int eventType;
  private final long[] numbers = new long[FIELD_COUNT];
  private final byte[][] texts = new byte[FIELD_COUNT][];
  private final int[] textOffsets = new int[FIELD_COUNT];
  private final int[] textLengths = new int[FIELD_COUNT];
  private Map<String, String> extra;
  private final Fields fields = new Fields();

  /**
   * @param collectorZone zone of pmacct's default timestamp form, which has no offset: the collector host's zone, or
   *     UTC when nfacctd runs with timestamps_utc
   */
  public PmacctParser(ZoneId collectorZone) {
    this(collectorZone, true);
  }

  /** With {@code flat} false every object goes through Jackson: the reference the fast path is tested against. */
  PmacctParser(ZoneId collectorZone, boolean flat) {
    this.flat = flat;
    collectorRules = collectorZone.getRules();
    collectorFixedOffset = collectorRules.isFixedOffset()
        ? collectorRules.getOffset(Instant.EPOCH).getTotalSeconds() : null;
  }

  /** Objects read by the fast path so far (a test checks that it is taken). */
  long flatObjects() {
    return flatObjects;
  }

  /**
   * Parses one Kafka message value (or landed record): each non-blank line is one JSON object, reported once.
   *
   * @param value the message bytes, UTF-8; null (a tombstone) holds no objects
   * @param fallbackEventMicros event time for records with none of the four timestamps (e.g. the Kafka record time),
   *     or {@link Long#MIN_VALUE} to reject such records
   */
  public void parse(byte[] value, long fallbackEventMicros, Sink sink) {
    if (value != null) {
      parse(value, 0, value.length, fallbackEventMicros, sink);
    }
  }

  /** {@link #parse(byte[], long, Sink)} of the message in {@code buf[off..off+len)}, read in place. */
  public void parse(byte[] buf, int off, int len, long fallbackEventMicros, Sink sink) {
    int end = off + len;
    int index = 0;
    for (int start = off; start <= end; ) {
      int lineEnd = parseLine(buf, start, end, index, fallbackEventMicros, sink);
      if (lineEnd >= 0) {
        index++;
      } else {
        lineEnd = ~lineEnd;
      }
      start = lineEnd + 1;
    }
  }

  /**
   * Reads the line starting at {@code start} and reports its object; returns the line's end, or its complement
   * ({@code ~end}) when the line is blank and holds no object. The fast path finds the end of the line as it reads
   * (a flat object holds no raw newline), so that only the lines it does not take are scanned twice.
   */
  private int parseLine(byte[] buf, int start, int messageEnd, int index, long fallback, Sink sink) {
    int end = -1;
    boolean flow = false;
    String reason = null;
    try {
      reset();
      if (flat) {
        end = readFlat(buf, start, Math.min(messageEnd, start + FLAT_LINE_MAX), messageEnd);
      }
      if (end >= 0) {
        flatObjects++;
      } else {
        end = lineEnd(buf, start, messageEnd);
        if (isBlank(buf, start, end)) {
          return ~end;
        }
        reset();
        readJson(buf, start, end - start);
      }
      flow = outcome(fallback);
    } catch (Rejection e) {
      reason = e.getMessage();
    } catch (JsonProcessingException e) {
      reason = isTruncation(e)
          ? "truncated JSON: unexpected end of input" : "malformed JSON: " + e.getOriginalMessage();
    } catch (IOException | RuntimeException e) {
      // A parser bug must not stop a streaming job on one record; the reason makes it visible in the rejects.
      reason = "parser error: " + e;
    } finally {
      p = null;
    }
    if (reason != null && end < 0) {
      end = lineEnd(buf, start, messageEnd); // the fast path failed on a bug
    }
    // The sink is called outside the try so that its own exceptions propagate instead of becoming rejects.
    if (reason != null) {
      sink.reject(index, new String(buf, start, end - start, StandardCharsets.UTF_8), reason);
    } else if (flow) {
      sink.flow(index, fields);
    } else {
      sink.marker(index, EVENT_TYPES[eventType]);
    }
    return end;
  }

  /** Jackson reports some ends of input (e.g. between array entries) as a plain parse error, not as EOF. */
  private static boolean isTruncation(JsonProcessingException e) {
    return e instanceof JsonEOFException
        || String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input");
  }

  /** Returns true for a flow, false for a marker (then {@link #eventType} says which); throws on anything else. */
  private boolean outcome(long fallback) {
    if (eventType == 0) {
      completeFlow(fallback);
      return true;
    }
    if (eventType > 0) {
      return false;
    }
    throw reject("unsupported event_type: " + quote(fields.string(F_EVENT_TYPE)));
  }

  /** Reads the object's keys with Jackson: any JSON, and the reason when it is not a valid one. */
  private void readJson(byte[] buf, int off, int len) throws IOException {
    if (!isAscii(buf, off, off + len)) {
      int bad = invalidUtf8At(buf, off, len);
      if (bad >= 0) {
        throw reject("invalid UTF-8 at byte " + bad);
      }
    }
    try (JsonParser parser = JSON.createParser(buf, off, len)) {
      p = parser;
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw reject("not a JSON object: " + describe(first));
      }
      if (p.nextToken() == JsonToken.END_OBJECT) {
        throw reject("empty object");
      }
      do {
        String key = p.currentName();
        p.nextToken();
        loadJsonValue();
        field(key, slot(key));
      } while (p.nextToken() == JsonToken.FIELD_NAME);
      if (p.nextToken() != null) {
        throw reject("trailing content after the object");
      }
    }
  }

  /** Makes Jackson's current token the current value. */
  private void loadJsonValue() throws IOException {
    token = p.currentToken();
    if (token.isScalarValue()) {
      // A fresh array: the readers keep slices of string values until the object ends.
      text = p.getText().getBytes(StandardCharsets.UTF_8);
      textOff = 0;
      textLen = text.length;
    }
  }

  /**
   * The fast path: reads an ASCII line holding a non-empty, flat JSON object (strings without escapes, numbers,
   * literals; what pmacct writes) without Jackson, and returns the line's end (its newline, or {@code messageEnd}).
   * No byte it accepts is a newline, so it finds that end itself; a line that reaches {@code end} before its newline
   * is left to Jackson. Returns -1 as soon as the line is anything else, including any record the readers reject:
   * {@link #readJson} then reads it from the start, so every reject reason, and every value of the objects the fast
   * path does not take, comes from the one Jackson path. (Jackson's per-object set-up and tokenizing were half of the
   * parse; PmacctParserPathsTest checks both paths agree.)
   */
  private int readFlat(byte[] b, int from, int end, int messageEnd) throws IOException {
    int i = skipSpace(b, from, end);
    if (i == end || b[i] != '{') {
      return -1;
    }
    i = skipSpace(b, i + 1, end);
    for (int position = 0; ; position++) {
      if (i == end || b[i] != '"') {
        return -1; // includes the empty object
      }
      byte[] lead = position < KEY_POSITIONS ? keyLeads[position] : null;
      String key;
      int slot;
      if (lead != null && lead.length <= end - i && sameBytes(lead, b, i, lead.length)) {
        key = keyLeadNames[position];
        slot = keyLeadSlots[position];
        i += lead.length;
      } else {
        int keyStart = i;
        int keyEnd = plainStringEnd(b, i + 1, end);
        if (keyEnd < 0) {
          return -1;
        }
        int entry = key(b, i + 1, keyEnd);
        key = keyNames[entry];
        slot = keySlots[entry];
        i = skipSpace(b, keyEnd + 1, end);
        if (i == end || b[i] != ':') {
          return -1;
        }
        i = skipSpace(b, i + 1, end);
        if (position < KEY_POSITIONS) {
          keyLeads[position] = Arrays.copyOfRange(b, keyStart, i);
          keyLeadNames[position] = key;
          keyLeadSlots[position] = slot;
        }
      }
      i = skipSpace(b, i, end);
      int valueEnd = flatValue(b, i, end);
      if (valueEnd < 0) {
        return -1;
      }
      i = skipSpace(b, valueEnd, end);
      if (i == end || (b[i] != ',' && b[i] != '}')) {
        return -1; // truncated, or something glued to the value
      }
      try {
        field(key, slot);
      } catch (Rejection e) {
        return -1;
      }
      if (b[i] == '}') {
        i = skipSpace(b, i + 1, end);
        return i == messageEnd || (i < end && b[i] == '\n') ? i : -1;
      }
      i = skipSpace(b, i + 1, end);
    }
  }

  /**
   * Makes the scalar at {@code i} the current value and returns the index after it, or -1 if it is not a plain string,
   * a JSON number or a literal.
   */
  private int flatValue(byte[] b, int i, int end) {
    if (i == end) {
      return -1;
    }
    int from = i;
    int to;
    byte c = b[i];
    if (c == '"') {
      from = i + 1;
      to = plainStringEnd(b, from, end);
      if (to < 0) {
        return -1;
      }
      token = JsonToken.VALUE_STRING;
      setFlatText(b, from, to);
      return to + 1;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      to = numberEnd(b, i, end);
      if (to < 0 || to - i > FLAT_NUMBER_MAX) {
        return -1;
      }
      token = JsonToken.VALUE_NUMBER_INT;
      for (int k = from; k < to; k++) {
        if (b[k] == '.' || b[k] == 'e' || b[k] == 'E') {
          token = JsonToken.VALUE_NUMBER_FLOAT;
          break;
        }
      }
    } else if (literalAt(b, i, end, "null")) {
      token = JsonToken.VALUE_NULL;
      to = i + 4;
    } else if (literalAt(b, i, end, "true")) {
      token = JsonToken.VALUE_TRUE;
      to = i + 4;
    } else if (literalAt(b, i, end, "false")) {
      token = JsonToken.VALUE_FALSE;
      to = i + 5;
    } else {
      return -1; // arrays, objects, anything else
    }
    setFlatText(b, from, to);
    return to;
  }

  private void setFlatText(byte[] b, int from, int to) {
    text = b;
    textOff = from;
    textLen = to - from;
  }

  /** The key cache entry of the key in [from, to) (its name, shared with earlier objects, and its slot). */
  private int key(byte[] b, int from, int to) {
    int n = to - from;
    // Length and three bytes tell pmacct's keys apart (port_src/port_dst, ip_src/ip_dst, ...); a clash only costs a
    // String, since the bytes are compared.
    int h = n == 0 ? 0 : n * 961 + b[from] * 31 + b[from + n / 2] * 7 + b[to - 1];
    int entry = (h ^ (h >>> 8)) & (KEY_CACHE - 1);
    byte[] known = keyBytes[entry];
    if (known == null || !sameBytes(known, b, from, n)) {
      keyBytes[entry] = Arrays.copyOfRange(b, from, to);
      keyNames[entry] = new String(b, from, n, StandardCharsets.US_ASCII);
      keySlots[entry] = slot(keyNames[entry]);
    }
    return entry;
  }

  /** Whether {@code b[from..from+n)} equals {@code known}, eight bytes per step (Arrays.equals' set-up costs more). */
  private static boolean sameBytes(byte[] known, byte[] b, int from, int n) {
    if (known.length != n) {
      return false;
    }
    int k = 0;
    for (; k + 8 <= n; k += 8) {
      if ((long) LONGS.get(known, k) != (long) LONGS.get(b, from + k)) {
        return false;
      }
    }
    for (; k < n; k++) {
      if (known[k] != b[from + k]) {
        return false;
      }
    }
    return true;
  }

  /** The bit of a typed key in the duplicate and presence masks, or -1 for an undeclared key. */
  private static int slot(String key) {
    Integer slot = SLOTS.get(key);
    return slot == null ? -1 : slot;
  }

  /** Index of the quote closing a string that starts at {@code i}, or -1 if it has escapes or control characters. */
  private static int plainStringEnd(byte[] b, int i, int end) {
    for (; i < end; i++) {
      byte c = b[i];
      if (c == '"') {
        return i;
      }
      if (c == '\\' || c < 0x20) {
        return -1;
      }
    }
    return -1;
  }

  /** End of a JSON number ({@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}) starting at {@code i}, or -1. */
  private static int numberEnd(byte[] b, int i, int end) {
    if (i < end && b[i] == '-') {
      i++;
    }
    if (i == end || !isDigit(b[i])) {
      return -1;
    }
    if (b[i] == '0') {
      i++;
    } else {
      i = digitsEnd(b, i, end);
    }
    if (i < end && b[i] == '.') {
      int start = ++i;
      i = digitsEnd(b, i, end);
      if (i == start) {
        return -1;
      }
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      if (++i < end && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int start = i;
      i = digitsEnd(b, i, end);
      if (i == start) {
        return -1;
      }
    }
    return i;
  }

  private static int digitsEnd(byte[] b, int i, int end) {
    while (i < end && isDigit(b[i])) {
      i++;
    }
    return i;
  }

  private static boolean literalAt(byte[] b, int i, int end, String literal) {
    if (end - i < literal.length()) {
      return false;
    }
    for (int k = 0; k < literal.length(); k++) {
      if (b[i + k] != literal.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static int skipSpace(byte[] b, int i, int end) {
    while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r')) {
      i++;
    }
    return i;
  }

  private void reset() {
    seen = 0;
    present = DEFAULTS_ZERO;
    eventType = 0;
    Arrays.fill(numbers, 0);
    extra = null;
  }

  /** Reads the current value as the value of {@code key}, whose column ({@link #SLOTS}) is {@code slot}. */
  private void field(String key, int slot) throws IOException {
    if (slot < 0) {
      if (token != JsonToken.VALUE_NULL) {
        if (extra == null) {
          extra = new LinkedHashMap<>();
        }
        if (extra.put(key, text()) != null) {
          throw reject("duplicate key: " + key);
        }
      }
      return;
    }
    long bit = 1L << slot;
    if ((seen & bit) != 0) {
      throw reject("duplicate key: " + key);
    }
    seen |= bit;
    if (token == JsonToken.VALUE_NULL) {
      return;
    }
    switch (READERS[slot]) {
      case EVENT_TYPE -> eventType = eventType();
      case IP -> {
        ip(key);
        keepText(slot);
      }
      case STRING -> {
        requireString(key);
        keepText(slot);
      }
      case TEXT -> {
        containerAsText();
        keepText(slot);
      }
      case INTEGER -> keepNumber(slot, integer(key, MAX[slot]));
      case IP_PROTO -> keepNumber(slot, ipProto(key));
      case TCP_FLAGS -> keepNumber(slot, tcpFlags(key));
      case TIMESTAMP -> {
        long micros = timestamp(key);
        if (micros != ZERO_DATE) {
          keepNumber(slot, micros);
        }
      }
      default -> throw new IllegalStateException("no reader for " + key);
    }
  }

  private void keepNumber(int slot, long value) {
    numbers[slot] = value;
    present |= 1L << slot;
  }

  /** Keeps the current text as the value of column {@code slot}. */
  private void keepText(int slot) {
    texts[slot] = text;
    textOffsets[slot] = textOff;
    textLengths[slot] = textLen;
    present |= 1L << slot;
  }

  /** Checks the flow's required keys and sets its event type and event time. */
  private void completeFlow(long fallback) {
    for (int field : REQUIRED) {
      if ((present & (1L << field)) == 0) {
        throw reject("missing required key: " + FIELDS.get(field).name());
      }
    }
    long eventTime = fallback;
    for (int i = EVENT_TIME_SOURCES.length - 1; i >= 0; i--) {
      int field = EVENT_TIME_SOURCES[i];
      if ((present & (1L << field)) != 0) {
        eventTime = numbers[field];
      }
    }
    if (eventTime == Long.MIN_VALUE) {
      throw reject("no event time: none of " + TIMESTAMP_START + ", " + TIMESTAMP_END + ", " + TIMESTAMP_ARRIVAL
          + ", " + TIMESTAMP_EXPORT + " and no fallback");
    }
    keepNumber(F_EVENT_TIME, eventTime);
    texts[F_EVENT_TYPE] = PURGE_BYTES;
    textOffsets[F_EVENT_TYPE] = 0;
    textLengths[F_EVENT_TYPE] = PURGE_BYTES.length;
    present |= 1L << F_EVENT_TYPE;
    if (extra != null) {
      present |= 1L << F_EXTRA;
    }
  }

  // ---- typed readers of the current value token ----

  /** The index in {@link #EVENT_TYPES} of the current string, or -1 (its text then kept for the reject reason). */
  private int eventType() throws IOException {
    requireString(EVENT_TYPE);
    int known = nameIndex(EVENT_TYPES, false);
    if (known < 0) {
      keepText(F_EVENT_TYPE);
    }
    return known;
  }

  /** The current scalar's text. */
  private String scalarText() {
    return new String(text, textOff, textLen, StandardCharsets.UTF_8);
  }

  private void requireString(String key) {
    if (token != JsonToken.VALUE_STRING) {
      throw expected(key, "string");
    }
  }

  private void ip(String key) throws IOException {
    requireString(key);
    int end = textOff + textLen;
    if (!isIpv4(text, textOff, end) && !isIpv6(text, textOff, end)) {
      throw reject(key + ": not an IP address: " + shown());
    }
  }

  /** Reads a JSON integer or a decimal string in 0..max. */
  private long integer(String key, long max) throws IOException {
    if (token == JsonToken.VALUE_NUMBER_FLOAT) {
      throw reject(key + ": not an integer: " + shown());
    }
    if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_STRING) {
      throw expected(key, "integer");
    }
    byte[] b = text;
    int i = textOff;
    int end = i + textLen;
    boolean negative = i < end && b[i] == '-';
    if (negative) {
      i++;
    }
    if (i == end) {
      throw reject(key + ": not an integer: " + shown());
    }
    long v = 0;
    boolean overflow = false;
    for (; i < end; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw reject(key + ": not an integer: " + shown());
      }
      if (v >= Long.MAX_VALUE / 10) {
        overflow |= v > (Long.MAX_VALUE - d) / 10; // only this close to the limit can the next digit overflow
      }
      v = v * 10 + d;
    }
    if (overflow || (negative && v != 0) || v > max) {
      throw reject(key + ": " + shown() + " out of range 0.." + max);
    }
    return v;
  }

  private int ipProto(String key) throws IOException {
    if (token == JsonToken.VALUE_STRING && textLen > 0 && !isDigit(text[textOff])) {
      int known = nameIndex(PROTO_NAMES, true);
      if (known < 0) {
        throw reject(key + ": unknown protocol name: " + shown());
      }
      return PROTO_NUMBERS[known];
    }
    return (int) integer(key, 255);
  }

  private int tcpFlags(String key) throws IOException {
    if (token != JsonToken.START_ARRAY) {
      return (int) integer(key, 255);
    }
    int flags = 0; // an array: only on the Jackson path
    while (p.nextToken() != JsonToken.END_ARRAY) {
      loadJsonValue();
      if (token != JsonToken.VALUE_STRING) {
        throw expected(key, "flag name");
      }
      int bit = nameIndex(TCP_FLAG_NAMES, true);
      if (bit < 0) {
        throw reject(key + ": unknown flag: " + shown());
      }
      flags |= 1 << bit;
    }
    return flags;
  }

  /** Epoch microseconds, or {@link #ZERO_DATE} for the all-zero date (absent). */
  private long timestamp(String key) throws IOException {
    if (token != JsonToken.VALUE_STRING && token != JsonToken.VALUE_NUMBER_INT
        && token != JsonToken.VALUE_NUMBER_FLOAT) {
      throw expected(key, "timestamp");
    }
    byte[] b = text;
    int off = textOff;
    int end = off + textLen;
    long micros = end - off > 4 && b[off + 4] == '-' ? dateTimeMicros(b, off, end) : epochMicros(b, off, end);
    if (micros == INVALID) {
      throw reject(key + ": not a timestamp: " + shown());
    }
    return micros;
  }

  /** The value as text: scalars as written, objects and arrays as compact JSON. */
  private String text() throws IOException {
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
      return scalarText();
    }
    StringBuffer out = containerText.getBuffer();
    out.setLength(0);
    if (containerWriter == null) {
      containerWriter = JSON.createGenerator(containerText);
    }
    boolean copied = false;
    try {
      containerWriter.copyCurrentStructure(p);
      containerWriter.flush();
      copied = true;
    } finally {
      if (!copied) {
        // Left inside an unfinished object or array by truncated input: it must not write the next value.
        containerWriter = null;
      }
    }
    return out.toString();
  }

  /** Makes an object or array value's compact JSON the current text, so that {@link #keepText} keeps it. */
  private void containerAsText() throws IOException {
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      text = text().getBytes(StandardCharsets.UTF_8);
      textOff = 0;
      textLen = text.length;
    }
  }

  /** Index in {@code names} (ASCII) of the current string token's text, or -1; compares bytes to avoid a String. */
  private int nameIndex(String[] names, boolean ignoreCase) throws IOException {
    for (int n = 0; n < names.length; n++) {
      String name = names[n];
      if (name.length() == textLen && regionMatches(name, text, textOff, ignoreCase)) {
        return n;
      }
    }
    return -1;
  }

  private static boolean regionMatches(String name, byte[] b, int off, boolean ignoreCase) {
    for (int i = 0; i < name.length(); i++) {
      int c = b[off + i];
      int n = name.charAt(i);
      if (c != n && !(ignoreCase && asciiLower(c) == asciiLower(n))) {
        return false;
      }
    }
    return true;
  }

  private static int asciiLower(int c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  }

  // ---- timestamps ----

  /** {@code YYYY-MM-DD[ T]HH:MM:SS[.f][Z|±HH:MM]}; no suffix means the collector zone. */
  private long dateTimeMicros(byte[] b, int off, int end) {
    if (end - off < 19 || b[off + 16] != ':') {
      return INVALID;
    }
    if (!sameBytes(minute, b, off, MINUTE_LENGTH)) {
      System.arraycopy(b, off, minute, 0, MINUTE_LENGTH);
      minuteSeconds = localMinute(b, off);
    }
    int second = digits(b, off + 17, 2);
    int i = second < 0 ? -1 : fractionEnd(b, off + 19, end);
    if (minuteSeconds == INVALID || i < 0) {
      return INVALID;
    }
    int fraction = fractionMicros(b, off + 19, i);
    if (minuteSeconds == ZERO_DATE) {
      return ZERO_DATE;
    }
    if (second > 59) {
      return INVALID;
    }
    long localSeconds = minuteSeconds + second;
    int offset;
    if (i == end) {
      offset = collectorOffset(localSeconds);
    } else if ((b[i] == 'Z' || b[i] == 'z') && i + 1 == end) {
      offset = 0;
    } else if ((b[i] == '+' || b[i] == '-') && end - i == 6 && b[i + 3] == ':') {
      int hh = digits(b, i + 1, 2);
      int mm = digits(b, i + 4, 2);
      if (hh < 0 || mm < 0 || hh > 23 || mm > 59) {
        return INVALID;
      }
      offset = (b[i] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    } else {
      return INVALID;
    }
    return (localSeconds - offset) * 1_000_000L + fraction;
  }

  /**
   * Local epoch seconds of the minute {@code YYYY-MM-DD[ T]HH:MM} at {@code off}, {@link #ZERO_DATE} for the all-zero
   * date, or {@link #INVALID}.
   */
  private static long localMinute(byte[] b, int off) {
    if (b[off + 4] != '-' || b[off + 7] != '-' || b[off + 13] != ':') {
      return INVALID;
    }
    byte sep = b[off + 10];
    int year = digits(b, off, 4);
    int month = digits(b, off + 5, 2);
    int day = digits(b, off + 8, 2);
    int hour = digits(b, off + 11, 2);
    int minute = digits(b, off + 14, 2);
    if ((sep != ' ' && sep != 'T' && sep != 't') || (year | month | day | hour | minute) < 0) {
      return INVALID;
    }
    if (year == 0 && month == 0 && day == 0) {
      return ZERO_DATE;
    }
    if (year == 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23
        || minute > 59) {
      return INVALID;
    }
    return daysFromCivil(year, month, day) * 86_400L + hour * 3600 + minute * 60;
  }

  /** Epoch seconds {@code S[.f]}. */
  private static long epochMicros(byte[] b, int off, int end) {
    long seconds = 0;
    int i = off;
    for (; i < end && isDigit(b[i]); i++) {
      seconds = seconds * 10 + (b[i] - '0');
      if (seconds > MAX_EPOCH_SECONDS) {
        return INVALID;
      }
    }
    if (i == off || fractionEnd(b, i, end) != end) {
      return INVALID;
    }
    return seconds * 1_000_000L + fractionMicros(b, i, end);
  }

  /** End of an optional {@code .digits} (1 to 9 digits) starting at {@code i}, or -1 if malformed. */
  private static int fractionEnd(byte[] b, int i, int end) {
    if (i == end || b[i] != '.') {
      return i;
    }
    int start = ++i;
    while (i < end && isDigit(b[i])) {
      i++;
    }
    return i == start || i - start > 9 ? -1 : i;
  }

  /** Microseconds of the fraction {@code .digits} in [from, to), truncated; 0 when there is none. */
  private static int fractionMicros(byte[] b, int from, int to) {
    int micros = 0;
    int scale = 100_000;
    for (int i = from + 1; i < to && scale > 0; i++, scale /= 10) {
      micros += (b[i] - '0') * scale;
    }
    return micros;
  }

  private int collectorOffset(long localSeconds) {
    if (collectorFixedOffset != null) {
      return collectorFixedOffset;
    }
    // In a DST gap or overlap this picks the offset before the transition, as LocalDateTime.atZone does.
    return collectorRules.getOffset(LocalDateTime.ofEpochSecond(localSeconds, 0, ZoneOffset.UTC)).getTotalSeconds();
  }

  /** Non-negative value of {@code count} decimal digits, or -1. */
  private static int digits(byte[] b, int off, int count) {
    int v = 0;
    for (int i = off; i < off + count; i++) {
      if (!isDigit(b[i])) {
        return -1;
      }
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }

  private static int daysInMonth(int year, int month) {
    if (month == 2) {
      return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  private static long daysFromCivil(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    int era = Math.floorDiv(y, 400);
    int yearOfEra = y - era * 400;
    int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097L + dayOfEra - 719_468;
  }

  // ---- IP literals ----

  private static boolean isIpv4(byte[] b, int off, int end) {
    int parts = 0;
    int i = off;
    while (true) {
      int start = i;
      int v = 0;
      while (i < end && i - start < 3 && isDigit(b[i])) {
        v = v * 10 + (b[i++] - '0');
      }
      // Leading zeros are refused: some readers take them as octal.
      if (i == start || v > 255 || (b[start] == '0' && i - start > 1)) {
        return false;
      }
      if (++parts == 4) {
        return i == end;
      }
      if (i == end || b[i] != '.') {
        return false;
      }
      i++;
    }
  }

  private static boolean isIpv6(byte[] b, int off, int end) {
    int i = off;
    int groups = 0;
    boolean compressed = false;
    if (end - i >= 2 && b[i] == ':' && b[i + 1] == ':') {
      compressed = true;
      i += 2;
      if (i == end) {
        return true;
      }
    }
    while (true) {
      int start = i;
      while (i < end && i - start < 4 && isHexDigit(b[i])) {
        i++;
      }
      if (i == start) {
        return false;
      }
      if (i < end && b[i] == '.') {
        if (!isIpv4(b, start, end)) {
          return false;
        }
        groups += 2;
        break;
      }
      groups++;
      if (i == end) {
        break;
      }
      if (b[i] != ':' || ++i == end) {
        return false;
      }
      if (b[i] == ':') {
        if (compressed) {
          return false;
        }
        compressed = true;
        if (++i == end) {
          break;
        }
      }
    }
    return compressed ? groups < 8 : groups == 8;
  }

  // ---- bytes ----

  /**
   * Index of the first '\n' in [from, end), or {@code end}. Scans eight bytes per step (the SWAR zero-byte
   * test): the byte-by-byte loop was a tenth of the parse time.
   */
  private static int lineEnd(byte[] b, int from, int end) {
    int i = from;
    for (; i + 8 <= end; i += 8) {
      long x = (long) LONGS.get(b, i) ^ 0x0A0A_0A0A_0A0A_0A0AL;
      long newlines = (x - 0x0101_0101_0101_0101L) & ~x & 0x8080_8080_8080_8080L;
      if (newlines != 0) {
        return i + (Long.numberOfTrailingZeros(newlines) >>> 3);
      }
    }
    while (i < end && b[i] != '\n') {
      i++;
    }
    return i;
  }

  private static boolean isAscii(byte[] b, int from, int to) {
    long highBits = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      highBits |= (long) LONGS.get(b, i);
    }
    for (; i < to; i++) {
      highBits |= b[i];
    }
    return (highBits & 0x8080_8080_8080_8080L) == 0;
  }

  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  /**
   * Offset in [off, off+len) of the first byte that is not well-formed UTF-8 (RFC 3629: no overlongs, surrogates or
   * code points above U+10FFFF), or -1. Checked here because Jackson decodes lazily and does not catch all of them.
   */
  private static int invalidUtf8At(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int trailing = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
      if (trailing < 0 || end - i <= trailing) {
        return i - off;
      }
      int lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
      int hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) {
        return i - off;
      }
      for (int k = 2; k <= trailing; k++) {
        if ((b[i + k] & 0xC0) != 0x80) {
          return i - off;
        }
      }
      i += trailing + 1;
    }
    return -1;
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isHexDigit(int c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // ---- reasons ----

  /** The current scalar as written (strings quoted), cut to a readable length. */
  private String shown() throws IOException {
    String text = scalarText();
    return token == JsonToken.VALUE_STRING ? quote(text) : cut(text);
  }

  private static String quote(String s) {
    return '"' + cut(s) + '"';
  }

  private static String cut(String s) {
    return s.length() <= SHOWN_MAX ? s : s.substring(0, SHOWN_MAX) + "...";
  }

  private Rejection expected(String key, String what) {
    return reject(key + ": expected " + what + ", got " + describe(token));
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }

  private static Rejection reject(String reason) {
    return new Rejection(reason);
  }

  /** Carries a reject reason out of the readers; stackless because rejects are data, not bugs. */
  private static final class Rejection extends RuntimeException {
    Rejection(String reason) {
      super(reason, null, false, false);
    }
  }
}
