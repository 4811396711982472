package io.kaminari.flow;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
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
 *       boundaries, not flow times; they stay verbatim in {@code extra}. An event time outside the
 *       {@link EventTimePolicy} (before its epoch, or too far after the record's arrival) rejects the flow.
 *   <li><b>timestamps</b>: {@code YYYY-MM-DD HH:MM:SS[.f]} in the collector zone, the same with a {@code T} and/or a
 *       {@code Z} / {@code ±HH:MM} suffix (RFC 3339), or epoch seconds {@code S[.f]} as a string or a JSON number.
 *       Fractions of 1 to 9 digits are truncated to microseconds. The all-zero date softflowd's IPFIX sends is absent.
 *   <li><b>numbers</b> may be JSON integers or decimal strings; a fraction, an exponent or other text is rejected, as
 *       is a value outside the column's range (ports 0..65535, tos/tcp_flags/ip_proto 0..255, AS numbers 0..2^32-1,
 *       export_proto_version 0..65535, export_proto_seqno 0..2^32-1, interfaces 0..2^31-1, counters 0..2^63-1).
 *   <li><b>label</b> is a string column, but pmacct writes a map when pre_tag_map labels are key/value pairs: a
 *       non-string label is kept as its compact JSON text, like any undeclared key in {@code extra}.
 *   <li>IP addresses keep pmacct's text; they are only checked to be IPv4 or IPv6 literals by {@link IpLiterals}
 *       (no zone id).
 * </ul>
 *
 * <p>Two readers, one outcome: a flat object of plain scalars (what pmacct writes) is read by a byte scanner; anything
 * else, and every object that scanner would reject, is read again by Jackson, so that the outcome and every reject
 * reason are Jackson's ({@code PmacctParserPathsTest} compares the two).
 *
 * <p>This class only drives the lines of a message. The work is split by concern, all package-private:
 * {@link FlatReader} (the byte scanner) and {@link JacksonReader} (everything else) read an object's keys into
 * {@link PmacctObject} (the object grammar: duplicates, nulls, required keys, event type and time), whose columns and
 * value readers are tabled in {@link PmacctKeys}; {@link PmacctValue} coerces the value being read to its column's
 * type, with {@link Timestamps} for the calendar and {@link IpLiterals} for addresses; {@link Bytes} holds the raw
 * byte scans (line ends, ASCII, UTF-8).
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
  public static final class Fields {
    private final PmacctObject object;

    private Fields(PmacctObject object) {
      this.object = object;
    }

    /** Whether column {@code field} is null; never true of a column that is not nullable. */
    public boolean isNull(int field) {
      return (object.present & (1L << field)) == 0;
    }

    /** The value of an INT, LONG or TIMESTAMP_MICROS column that is not null. */
    public long number(int field) {
      return object.numbers[field];
    }

    /** The array holding the UTF-8 text of a STRING column that is not null. */
    public byte[] bytes(int field) {
      return object.texts[field];
    }

    /** Where the text of {@code field} starts in {@link #bytes}. */
    public int offset(int field) {
      return object.textOffsets[field];
    }

    /** The length in bytes of the text of {@code field}. */
    public int length(int field) {
      return object.textLengths[field];
    }

    /** The {@code extra} column: the undeclared keys in the object's order, or null when there are none. */
    public Map<String, String> extra() {
      return object.extra;
    }

    /** The flow as an immutable record. */
    public Flow toFlow() {
      return object.toFlow();
    }
  }

  /** The event type of flow records, also given to flows whose record has none. */
  public static final String PURGE = "purge";
  /** Marker pmacct writes (with kafka_markers) before each purge of its cache. */
  public static final String PURGE_INIT = "purge_init";
  /** Marker pmacct writes (with kafka_markers) after each purge of its cache. */
  public static final String PURGE_CLOSE = "purge_close";

  private final boolean flat;
  private long flatObjects;
  private final PmacctValue value;
  private final PmacctObject object;
  private final FlatReader flatReader;
  private final JacksonReader jacksonReader;
  private final Fields fields;

  /**
   * A parser with the default {@link EventTimePolicy}.
   *
   * @param collectorZone zone of pmacct's default timestamp form, which has no offset: the collector host's zone, or
   *     UTC when nfacctd runs with timestamps_utc
   */
  public PmacctParser(ZoneId collectorZone) {
    this(collectorZone, EventTimePolicy.DEFAULT);
  }

  /**
   * A parser that rejects flows whose event time {@code eventTimes} refuses; compaction and the streaming scorer
   * build theirs from the same configuration ({@link EventTimePolicy#from}).
   */
  public PmacctParser(ZoneId collectorZone, EventTimePolicy eventTimes) {
    this(collectorZone, eventTimes, true);
  }

  /** With {@code flat} false every object goes through Jackson: the reference the fast path is tested against. */
  PmacctParser(ZoneId collectorZone, EventTimePolicy eventTimes, boolean flat) {
    this.flat = flat;
    value = new PmacctValue(new Timestamps(collectorZone));
    object = new PmacctObject(value, eventTimes);
    flatReader = new FlatReader(object, value);
    jacksonReader = new JacksonReader(object, value);
    fields = new Fields(object);
  }

  /** Objects read by the fast path so far (a test checks that it is taken). */
  long flatObjects() {
    return flatObjects;
  }

  /**
   * Parses one Kafka message value (or landed record): each non-blank line is one JSON object, reported once.
   *
   * @param value the message bytes, UTF-8; null (a tombstone) holds no objects
   * @param fallbackEventMicros the record's arrival (its Kafka record time): the event time of records with none of
   *     the four timestamps, and what the {@link EventTimePolicy}'s future skew is measured from; or
   *     {@link Long#MIN_VALUE} to reject such records (and check event times against the lower bound only)
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
      object.reset();
      if (flat) {
        end = flatReader.read(buf, start, Math.min(messageEnd, start + FlatReader.LINE_MAX), messageEnd);
      }
      if (end >= 0) {
        flatObjects++;
      } else {
        end = Bytes.lineEnd(buf, start, messageEnd);
        if (Bytes.isBlank(buf, start, end)) {
          return ~end;
        }
        object.reset();
        jacksonReader.read(buf, start, end - start);
      }
      flow = object.outcome(fallback);
    } catch (Rejection e) {
      reason = e.getMessage();
    } catch (JsonProcessingException e) {
      reason = JacksonReader.isTruncation(e)
          ? "truncated JSON: unexpected end of input" : "malformed JSON: " + e.getOriginalMessage();
    } catch (IOException | RuntimeException e) {
      // A parser bug must not stop a streaming job on one record; the reason makes it visible in the rejects.
      reason = "parser error: " + e;
    } finally {
      value.json = null;
    }
    if (reason != null && end < 0) {
      end = Bytes.lineEnd(buf, start, messageEnd); // the fast path failed on a bug
    }
    // The sink is called outside the try so that its own exceptions propagate instead of becoming rejects.
    if (reason != null) {
      sink.reject(index, new String(buf, start, end - start, StandardCharsets.UTF_8), reason);
    } else if (flow) {
      sink.flow(index, fields);
    } else {
      sink.marker(index, PmacctKeys.EVENT_TYPES[object.eventType]);
    }
    return end;
  }
}
