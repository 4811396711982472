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

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The tables of pmacct's JSON keys: which {@link FlowSchema} column each typed key fills, how its value is read and
 * its largest value, the keys a flow requires, the event types, protocol names and TCP flag names. Read by
 * {@link PmacctObject} for every key; the column positions are also the bits of its duplicate and presence masks.
 */
final class PmacctKeys {
  private PmacctKeys() {}

  /** Event types by the index {@link PmacctObject#eventType} holds: flows, then the two markers. */
  static final String[] EVENT_TYPES = {PmacctParser.PURGE, PmacctParser.PURGE_INIT, PmacctParser.PURGE_CLOSE};
  static final byte[] PURGE_BYTES = PmacctParser.PURGE.getBytes(StandardCharsets.US_ASCII);

  /** Bit i of a TCP flags value, by name, as pmacct's tcpflags_encode_as_array writes them. */
  static final String[] TCP_FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

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
  static final String[] PROTO_NAMES = new String[PROTOCOLS.length / 2];
  static final int[] PROTO_NUMBERS = new int[PROTOCOLS.length / 2];

  /** How the value of each typed key is read. */
  enum Reader { EVENT_TYPE, IP, STRING, TEXT, INTEGER, IP_PROTO, TCP_FLAGS, TIMESTAMP }

  /** Column positions (FlowSchema order), which are also the bits of the duplicate and presence masks. */
  static final int F_EVENT_TYPE = FlowSchema.ordinal(EVENT_TYPE);
  static final int F_PEER_IP_SRC = FlowSchema.ordinal(PEER_IP_SRC);
  static final int F_IP_SRC = FlowSchema.ordinal(IP_SRC);
  static final int F_IP_DST = FlowSchema.ordinal(IP_DST);
  static final int F_PORT_SRC = FlowSchema.ordinal(PORT_SRC);
  static final int F_PORT_DST = FlowSchema.ordinal(PORT_DST);
  static final int F_IP_PROTO = FlowSchema.ordinal(IP_PROTO);
  static final int F_TCP_FLAGS = FlowSchema.ordinal(TCP_FLAGS);
  static final int F_TOS = FlowSchema.ordinal(TOS);
  static final int F_PACKETS = FlowSchema.ordinal(PACKETS);
  static final int F_BYTES = FlowSchema.ordinal(BYTES);
  static final int F_FLOWS = FlowSchema.ordinal(FLOWS);
  static final int F_TIMESTAMP_START = FlowSchema.ordinal(TIMESTAMP_START);
  static final int F_TIMESTAMP_END = FlowSchema.ordinal(TIMESTAMP_END);
  static final int F_TIMESTAMP_ARRIVAL = FlowSchema.ordinal(TIMESTAMP_ARRIVAL);
  static final int F_TIMESTAMP_EXPORT = FlowSchema.ordinal(TIMESTAMP_EXPORT);
  static final int F_IFACE_IN = FlowSchema.ordinal(IFACE_IN);
  static final int F_IFACE_OUT = FlowSchema.ordinal(IFACE_OUT);
  static final int F_AS_SRC = FlowSchema.ordinal(AS_SRC);
  static final int F_AS_DST = FlowSchema.ordinal(AS_DST);
  static final int F_SAMPLING_RATE = FlowSchema.ordinal(SAMPLING_RATE);
  static final int F_WRITER_ID = FlowSchema.ordinal(WRITER_ID);
  static final int F_EXPORT_PROTO_VERSION = FlowSchema.ordinal(EXPORT_PROTO_VERSION);
  static final int F_EXPORT_PROTO_SEQNO = FlowSchema.ordinal(EXPORT_PROTO_SEQNO);
  static final int F_LABEL = FlowSchema.ordinal(LABEL);
  static final int F_EVENT_TIME = FlowSchema.ordinal(EVENT_TIME);
  static final int F_EXTRA = FlowSchema.ordinal(EXTRA);
  static final int FIELD_COUNT = FIELDS.size();

  /** The typed keys' readers and, for integers, their largest value; by column position. */
  static final Reader[] READERS = new Reader[FIELD_COUNT];
  static final long[] MAX = new long[FIELD_COUNT];
  /** Column positions of the typed JSON keys (not event_time or extra, which no key fills). */
  private static final Map<String, Integer> SLOTS = new HashMap<>();
  /** The keys a flow must have, in the order a reject names the first missing one. */
  static final int[] REQUIRED = {F_IP_SRC, F_IP_DST, F_PACKETS, F_BYTES};
  /** Timestamps in the order they stand in for the event time. */
  static final int[] EVENT_TIME_SOURCES = {F_TIMESTAMP_START, F_TIMESTAMP_END, F_TIMESTAMP_ARRIVAL,
      F_TIMESTAMP_EXPORT};
  /** Columns that are not nullable and default to 0 when the key is absent. */
  static final long DEFAULTS_ZERO = (1L << F_PORT_SRC) | (1L << F_PORT_DST) | (1L << F_IP_PROTO);

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

  /** The bit of a typed key in the duplicate and presence masks, or -1 for an undeclared key. */
  static int slot(String key) {
    Integer slot = SLOTS.get(key);
    return slot == null ? -1 : slot;
  }
}
