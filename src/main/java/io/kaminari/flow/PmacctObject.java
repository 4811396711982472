package io.kaminari.flow;

import static io.kaminari.flow.FlowSchema.FIELDS;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_ARRIVAL;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_END;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_EXPORT;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_START;
import static io.kaminari.flow.PmacctKeys.DEFAULTS_ZERO;
import static io.kaminari.flow.PmacctKeys.EVENT_TIME_SOURCES;
import static io.kaminari.flow.PmacctKeys.EVENT_TYPES;
import static io.kaminari.flow.PmacctKeys.FIELD_COUNT;
import static io.kaminari.flow.PmacctKeys.F_AS_DST;
import static io.kaminari.flow.PmacctKeys.F_AS_SRC;
import static io.kaminari.flow.PmacctKeys.F_BYTES;
import static io.kaminari.flow.PmacctKeys.F_EVENT_TIME;
import static io.kaminari.flow.PmacctKeys.F_EVENT_TYPE;
import static io.kaminari.flow.PmacctKeys.F_EXPORT_PROTO_SEQNO;
import static io.kaminari.flow.PmacctKeys.F_EXPORT_PROTO_VERSION;
import static io.kaminari.flow.PmacctKeys.F_EXTRA;
import static io.kaminari.flow.PmacctKeys.F_FLOWS;
import static io.kaminari.flow.PmacctKeys.F_IFACE_IN;
import static io.kaminari.flow.PmacctKeys.F_IFACE_OUT;
import static io.kaminari.flow.PmacctKeys.F_IP_DST;
import static io.kaminari.flow.PmacctKeys.F_IP_PROTO;
import static io.kaminari.flow.PmacctKeys.F_IP_SRC;
import static io.kaminari.flow.PmacctKeys.F_LABEL;
import static io.kaminari.flow.PmacctKeys.F_PACKETS;
import static io.kaminari.flow.PmacctKeys.F_PEER_IP_SRC;
import static io.kaminari.flow.PmacctKeys.F_PORT_DST;
import static io.kaminari.flow.PmacctKeys.F_PORT_SRC;
import static io.kaminari.flow.PmacctKeys.F_SAMPLING_RATE;
import static io.kaminari.flow.PmacctKeys.F_TCP_FLAGS;
import static io.kaminari.flow.PmacctKeys.F_TIMESTAMP_ARRIVAL;
import static io.kaminari.flow.PmacctKeys.F_TIMESTAMP_END;
import static io.kaminari.flow.PmacctKeys.F_TIMESTAMP_EXPORT;
import static io.kaminari.flow.PmacctKeys.F_TIMESTAMP_START;
import static io.kaminari.flow.PmacctKeys.F_TOS;
import static io.kaminari.flow.PmacctKeys.F_WRITER_ID;
import static io.kaminari.flow.PmacctKeys.MAX;
import static io.kaminari.flow.PmacctKeys.PURGE_BYTES;
import static io.kaminari.flow.PmacctKeys.READERS;
import static io.kaminari.flow.PmacctKeys.REQUIRED;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The object being read, column by column, and the object grammar the readers feed it through {@link #field}:
 * duplicate keys reject, null values are absent, undeclared keys go to {@code extra}, typed keys are coerced by
 * {@link PmacctValue}; then {@link #outcome} decides flow, marker or reject (required keys, event type, event time).
 *
 * <p>The state is kept in arrays by column so that the hot path allocates little; {@link PmacctParser.Fields} hands
 * it to the sink as is. Strings are slices {@code (texts, textOffsets, textLengths)}: of the message on the flat
 * path, of a fresh copy on the Jackson path.
 */
final class PmacctObject {
  private final PmacctValue value;
  private final EventTimePolicy eventTimes;
  /** Bit per typed column whose key was seen, even with a null value (duplicate keys). */
  private long seen;
  /** Bit per column: set when the column has a value (see {@link PmacctParser.Fields#isNull}). */
  long present;
  /** Index in {@link PmacctKeys#EVENT_TYPES} of the object's event type ({@code purge} when absent), or -1. */
  int eventType;
  final long[] numbers = new long[FIELD_COUNT];
  final byte[][] texts = new byte[FIELD_COUNT][];
  final int[] textOffsets = new int[FIELD_COUNT];
  final int[] textLengths = new int[FIELD_COUNT];
  Map<String, String> extra;

  PmacctObject(PmacctValue value, EventTimePolicy eventTimes) {
    this.value = value;
    this.eventTimes = eventTimes;
  }

  /** Forgets the previous object. */
  void reset() {
    seen = 0;
    present = DEFAULTS_ZERO;
    eventType = 0;
    Arrays.fill(numbers, 0);
    extra = null;
  }

  /** Reads the current value as the value of {@code key}, whose column ({@link PmacctKeys#slot}) is {@code slot}. */
  void field(String key, int slot) throws IOException {
    if (slot < 0) {
      if (value.token != JsonToken.VALUE_NULL) {
        if (extra == null) {
          extra = new LinkedHashMap<>();
        }
        if (extra.put(key, value.text()) != null) {
          throw new Rejection("duplicate key: " + key);
        }
      }
      return;
    }
    long bit = 1L << slot;
    if ((seen & bit) != 0) {
      throw new Rejection("duplicate key: " + key);
    }
    seen |= bit;
    if (value.token == JsonToken.VALUE_NULL) {
      return;
    }
    switch (READERS[slot]) {
      case EVENT_TYPE -> eventType = eventType();
      case IP -> {
        value.ip(key);
        keepText(slot);
      }
      case STRING -> {
        value.requireString(key);
        keepText(slot);
      }
      case TEXT -> {
        value.containerAsText();
        keepText(slot);
      }
      case INTEGER -> keepNumber(slot, value.integer(key, MAX[slot]));
      case IP_PROTO -> keepNumber(slot, value.ipProto(key));
      case TCP_FLAGS -> keepNumber(slot, value.tcpFlags(key));
      case TIMESTAMP -> {
        long micros = value.timestamp(key);
        if (micros != Timestamps.ZERO_DATE) {
          keepNumber(slot, micros);
        }
      }
      default -> throw new IllegalStateException("no reader for " + key);
    }
  }

  /** The {@link PmacctKeys#EVENT_TYPES} index of the current string, or -1 (its text then kept for the reason). */
  private int eventType() {
    value.requireString(FlowSchema.EVENT_TYPE);
    int known = value.nameIndex(EVENT_TYPES, false);
    if (known < 0) {
      keepText(F_EVENT_TYPE);
    }
    return known;
  }

  private void keepNumber(int slot, long number) {
    numbers[slot] = number;
    present |= 1L << slot;
  }

  /** Keeps the current text as the value of column {@code slot}. */
  private void keepText(int slot) {
    texts[slot] = value.text;
    textOffsets[slot] = value.textOff;
    textLengths[slot] = value.textLen;
    present |= 1L << slot;
  }

  /** Returns true for a flow, false for a marker (then {@link #eventType} says which); throws on anything else. */
  boolean outcome(long fallback) {
    if (eventType == 0) {
      completeFlow(fallback);
      return true;
    }
    if (eventType > 0) {
      return false;
    }
    throw new Rejection("unsupported event_type: " + PmacctValue.quote(string(F_EVENT_TYPE)));
  }

  /** Checks the flow's required keys and sets its event type and event time. */
  private void completeFlow(long fallback) {
    for (int field : REQUIRED) {
      if ((present & (1L << field)) == 0) {
        throw new Rejection("missing required key: " + FIELDS.get(field).name());
      }
    }
    long eventTime = fallback;
    int source = -1;
    for (int i = EVENT_TIME_SOURCES.length - 1; i >= 0; i--) {
      int field = EVENT_TIME_SOURCES[i];
      if ((present & (1L << field)) != 0) {
        eventTime = numbers[field];
        source = field;
      }
    }
    if (eventTime == Long.MIN_VALUE) {
      throw new Rejection("no event time: none of " + TIMESTAMP_START + ", " + TIMESTAMP_END + ", "
          + TIMESTAMP_ARRIVAL + ", " + TIMESTAMP_EXPORT + " and no fallback");
    }
    String invalid = eventTimes.violation(eventTime, fallback, source < 0 ? "arrival" : FIELDS.get(source).name());
    if (invalid != null) {
      throw new Rejection(invalid);
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

  boolean isNull(int field) {
    return (present & (1L << field)) == 0;
  }

  /** The flow as an immutable record. */
  Flow toFlow() {
    return new Flow(PmacctParser.PURGE, string(F_PEER_IP_SRC), string(F_IP_SRC), string(F_IP_DST),
        (int) numbers[F_PORT_SRC], (int) numbers[F_PORT_DST], (int) numbers[F_IP_PROTO], boxedInt(F_TCP_FLAGS),
        boxedInt(F_TOS), numbers[F_PACKETS], numbers[F_BYTES], boxedLong(F_FLOWS), boxedLong(F_TIMESTAMP_START),
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
