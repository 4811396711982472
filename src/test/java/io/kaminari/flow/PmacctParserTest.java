package io.kaminari.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PmacctParserTest {

  private static final long NO_FALLBACK = Long.MIN_VALUE;
  private static final long T0 = 1_700_000_000_000_000L; // 2023-11-14 22:13:20 UTC
  private static final String SOFTFLOWD_RECORD = "{\"event_type\": \"purge\", \"peer_ip_src\": \"127.0.0.1\", "
      + "\"ip_src\": \"10.0.0.1\", \"ip_dst\": \"192.168.1.10\", \"port_src\": 40010, \"port_dst\": 80, "
      + "\"tcp_flags\": \"27\", \"ip_proto\": \"tcp\", \"timestamp_start\": \"2023-11-14 22:13:20.000000\", "
      + "\"timestamp_end\": \"2023-11-14 22:13:20.000000\", \"timestamp_arrival\": \"2026-11-27 07:31:11.540322\", "
      + "\"export_proto_seqno\": 1, \"export_proto_version\": 9, \"timestamp_export\": \"2023-11-14 22:13:21.000000\", "
      + "\"packets\": 5, \"bytes\": 227, \"writer_id\": \"k/13577\"}";

  /** One sink call. */
  record Event(String kind, int index, Flow flow, String marker, String raw, String reason) {}

  static class Collector implements PmacctParser.Sink {
    final List<Event> events = new ArrayList<>();

    @Override
    public void flow(int index, PmacctParser.Fields flow) {
      events.add(new Event("flow", index, flow.toFlow(), null, null, null));
    }

    @Override
    public void marker(int index, String eventType) {
      events.add(new Event("marker", index, null, eventType, null, null));
    }

    @Override
    public void reject(int index, String rawObject, String reason) {
      events.add(new Event("reject", index, null, null, rawObject, reason));
    }
  }

  /** The grammar alone: no event-time bounds (EventTimePolicyTest checks those). */
  private final PmacctParser utc = new PmacctParser(ZoneOffset.UTC, EventTimePolicy.UNBOUNDED);

  private static List<Event> parse(PmacctParser parser, byte[] message, long fallback) {
    Collector c = new Collector();
    parser.parse(message, fallback, c);
    return c.events;
  }

  private List<Event> parse(String message) {
    return parse(utc, message.getBytes(StandardCharsets.UTF_8), NO_FALLBACK);
  }

  static Event single(List<Event> events) {
    assertThat(events).hasSize(1);
    assertThat(events.get(0).index()).isZero();
    return events.get(0);
  }

  private static Flow flowOf(PmacctParser parser, String json, long fallback) {
    Event e = single(parse(parser, json.getBytes(StandardCharsets.UTF_8), fallback));
    assertThat(e.kind()).as("reason: %s", e.reason()).isEqualTo("flow");
    return e.flow();
  }

  private Flow flow(String json) {
    return flowOf(utc, json, NO_FALLBACK);
  }

  private String reason(String json) {
    Event e = single(parse(json));
    assertThat(e.kind()).isEqualTo("reject");
    assertThat(e.raw()).isEqualTo(json);
    return e.reason();
  }

  /**
   * A minimal valid record (ip_src, ip_dst, packets, bytes, timestamp_start) with {@code keyValues} (key, raw JSON
   * value) pairs applied: a new key is appended, an existing one replaced, a null value removes the key.
   */
  private static String rec(String... keyValues) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("ip_src", "\"10.0.0.1\"");
    m.put("ip_dst", "\"192.168.1.10\"");
    m.put("packets", "5");
    m.put("bytes", "227");
    m.put("timestamp_start", "\"2023-11-14 22:13:20.000000\"");
    for (int i = 0; i < keyValues.length; i += 2) {
      if (keyValues[i + 1] == null) {
        m.remove(keyValues[i]);
      } else {
        m.put(keyValues[i], keyValues[i + 1]);
      }
    }
    StringBuilder sb = new StringBuilder("{");
    m.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append('"').append(k).append("\": ").append(v));
    return sb.append('}').toString();
  }

  private static long micros(String instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
  }

  // ---- whole records ----

  @Test
  void softflowdRecordFromTheNotes() {
    Flow f = flow(SOFTFLOWD_RECORD);
    assertThat(f).isEqualTo(new Flow("purge", "127.0.0.1", "10.0.0.1", "192.168.1.10", 40010, 80, 6, 27, null, 5, 227,
        null, T0, T0, micros("2026-11-27T07:31:11.540322Z"), T0 + 1_000_000, null, null, null, null, null, "k/13577",
        9, 1L, null, T0, null));
  }

  @Test
  void everyTypedKeyIsRead() {
    Flow f = flow(rec("event_type", "\"purge\"", "peer_ip_src", "\"fd25::101\"", "port_src", "1", "port_dst", "2",
        "ip_proto", "\"udp\"", "tcp_flags", "[\"SYN\"]", "tos", "184", "flows", "3",
        "timestamp_end", "\"1700000001.000000\"", "timestamp_arrival", "\"1700000002.000000\"",
        "timestamp_export", "\"1700000003.000000\"", "iface_in", "995", "iface_out", "841", "as_src", "4200000000",
        "as_dst", "65000", "sampling_rate", "1000", "writer_id", "\"nfacctd_kafka\"", "export_proto_version", "10",
        "export_proto_seqno", "4294967295", "label", "\"red\""));
    assertThat(f).isEqualTo(new Flow("purge", "fd25::101", "10.0.0.1", "192.168.1.10", 1, 2, 17, 2, 184, 5, 227, 3L,
        T0, T0 + 1_000_000, T0 + 2_000_000, T0 + 3_000_000, 995, 841, 4_200_000_000L, 65000L, 1000L, "nfacctd_kafka",
        10, 4_294_967_295L, "red", T0, null));
  }

  @Test
  void optionalKeysAbsentAreNullAndPortsAndProtoZero() {
    Flow f = flow(rec());
    assertThat(f).isEqualTo(new Flow("purge", null, "10.0.0.1", "192.168.1.10", 0, 0, 0, null, null, 5, 227, null,
        T0, null, null, null, null, null, null, null, null, null, null, null, null, T0, null));
  }

  @Test
  void reusedParserDoesNotCarryStateOver() {
    flow(SOFTFLOWD_RECORD);
    assertThat(flow(rec())).isEqualTo(flowOf(new PmacctParser(ZoneOffset.UTC), rec(), NO_FALLBACK));
  }

  // ---- timestamps ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"2023-11-14 22:13:20.000000\"    | 2023-11-14T22:13:20Z",
      "\"2023-11-14 22:13:20\"           | 2023-11-14T22:13:20Z",
      "\"2023-11-14 22:13:20.5\"         | 2023-11-14T22:13:20.500Z",
      "\"2023-11-14 22:13:20.123456789\" | 2023-11-14T22:13:20.123456Z",
      "\"2024-02-29 00:00:00.000001\"    | 2024-02-29T00:00:00.000001Z",
      "\"1970-01-01 00:00:00.000000\"    | 1970-01-01T00:00:00Z",
      "\"1969-12-31 23:59:59.000000\"    | 1969-12-31T23:59:59Z",
      "\"1700000001.679000\"             | 2023-11-14T22:13:21.679Z",
      "\"1700000001\"                    | 2023-11-14T22:13:21Z",
      "1700000001.679                    | 2023-11-14T22:13:21.679Z",
      "1700000001                        | 2023-11-14T22:13:21Z",
      "\"2023-11-14T22:13:20.000000Z\"   | 2023-11-14T22:13:20Z",
      "\"2023-11-14T22:13:20.000000+00:00\" | 2023-11-14T22:13:20Z",
      "\"2023-11-15T03:43:20.000000+05:30\" | 2023-11-14T22:13:20Z",
      "\"2023-11-14T14:13:20-08:00\"     | 2023-11-14T22:13:20Z",
      "\"2023-11-14 23:13:20.000000+01:00\" | 2023-11-14T22:13:20Z"})
  void timestampForms(String json, String expected) {
    Flow f = flow(rec("timestamp_start", json));
    assertThat(f.timestampStart()).isEqualTo(micros(expected));
    assertThat(f.eventTimeMicros()).isEqualTo(micros(expected));
  }

  @ParameterizedTest
  @CsvSource({
      "Europe/Zurich, 2023-11-14 23:13:20.000000",
      "Europe/Zurich, 2023-07-01 12:00:00",
      "Europe/Zurich, 2023-03-26 02:30:00", // in the spring-forward gap
      "Europe/Zurich, 2023-10-29 02:30:00", // in the autumn overlap
      "America/New_York, 2023-11-05 01:30:00.250000",
      "-05:00, 2023-11-14 17:13:20",
      "UTC, 2023-11-14 22:13:20"})
  void localTimeFormUsesTheCollectorZoneLikeJavaTime(String zone, String local) {
    ZoneId id = ZoneId.of(zone);
    Instant expected = LocalDateTime.parse(local.replace(' ', 'T')).atZone(id).toInstant();
    Flow f = flowOf(new PmacctParser(id), rec("timestamp_start", '"' + local + '"'), NO_FALLBACK);
    assertThat(f.timestampStart()).isEqualTo(ChronoUnit.MICROS.between(Instant.EPOCH, expected));
  }

  @Test
  void explicitOffsetsIgnoreTheCollectorZone() {
    Flow f = flowOf(new PmacctParser(ZoneId.of("Asia/Tokyo")),
        rec("timestamp_start", "\"2023-11-14T22:13:20.000000Z\""), NO_FALLBACK);
    assertThat(f.timestampStart()).isEqualTo(T0);
  }

  @Test
  void softflowdZeroDateIsAbsent() {
    Flow f = flow(rec("timestamp_start", null, "timestamp_end", "\"0000-00-00 00:00:00.000000\"",
        "timestamp_arrival", "\"1700000005.000000\""));
    assertThat(f.timestampEnd()).isNull();
    assertThat(f.eventTimeMicros()).isEqualTo(T0 + 5_000_000);
  }

  @Test
  void eventTimePrecedence() {
    String start = "\"1700000001\"";
    String end = "\"1700000002\"";
    String arrival = "\"1700000003\"";
    String export = "\"1700000004\"";
    assertThat(flow(rec("timestamp_start", start, "timestamp_end", end, "timestamp_arrival", arrival,
        "timestamp_export", export)).eventTimeMicros()).isEqualTo(T0 + 1_000_000);
    assertThat(flow(rec("timestamp_start", null, "timestamp_end", end, "timestamp_arrival", arrival,
        "timestamp_export", export)).eventTimeMicros()).isEqualTo(T0 + 2_000_000);
    assertThat(flow(rec("timestamp_start", null, "timestamp_arrival", arrival, "timestamp_export", export))
        .eventTimeMicros()).isEqualTo(T0 + 3_000_000);
    assertThat(flow(rec("timestamp_start", null, "timestamp_export", export)).eventTimeMicros())
        .isEqualTo(T0 + 4_000_000);
    assertThat(flowOf(utc, rec("timestamp_start", null), 42L).eventTimeMicros()).isEqualTo(42L);
    assertThat(flowOf(utc, rec("timestamp_start", "\"1700000001\""), 42L).eventTimeMicros())
        .isEqualTo(T0 + 1_000_000);
  }

  @Test
  void noEventTimeAndNoFallbackIsRejected() {
    assertThat(reason(rec("timestamp_start", null))).isEqualTo(
        "no event time: none of timestamp_start, timestamp_end, timestamp_arrival, timestamp_export and no fallback");
    assertThat(reason(rec("timestamp_start", "\"0000-00-00 00:00:00.000000\""))).startsWith("no event time");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"2023-13-01 00:00:00\"", "\"2023-02-29 00:00:00\"", "\"2023-04-31 00:00:00\"", "\"2023-11-14 24:00:00\"",
      "\"2023-11-14 22:60:00\"", "\"2023-11-14 22:13:60\"", "\"2023-11-14_22:13:20\"", "\"2023-11-14 22:13\"",
      "\"2023-11-14 22:13:20.\"", "\"2023-11-14 22:13:20.1234567890\"", "\"2023-11-14 22:13:20+5\"",
      "\"2023-11-14 22:13:20+24:00\"", "\"2023-11-14 22:13:20 UTC\"", "\"0000-01-01 00:00:00\"", "\"yesterday\"",
      "\"\"", "\"1700000001.\"", "\"-1700000001\"", "\"1700000001.679000Z\"", "1.7e9", "-5",
      "\"99999999999999999999\""})
  void malformedTimestampsAreRejected(String json) {
    assertThat(reason(rec("timestamp_start", json))).isEqualTo("timestamp_start: not a timestamp: " + json);
  }

  @Test
  void timestampOfWrongTypeIsRejected() {
    assertThat(reason(rec("timestamp_end", "{}"))).isEqualTo("timestamp_end: expected timestamp, got object");
    assertThat(reason(rec("timestamp_arrival", "true")))
        .isEqualTo("timestamp_arrival: expected timestamp, got boolean");
  }

  // ---- ip_proto ----

  @ParameterizedTest
  @CsvSource({
      "\"tcp\", 6", "\"udp\", 17", "\"icmp\", 1", "\"ipv6-icmp\", 58", "\"gre\", 47", "\"esp\", 50", "\"ah\", 51",
      "\"sctp\", 132", "\"vrrp\", 112", "\"ospf\", 89", "\"pim\", 103", "\"IPcomp\", 108", "\"TCP\", 6",
      "\"Udp\", 17", "\"icmpv6\", 58", "\"ip\", 0", "\"6\", 6", "\"255\", 255", "17, 17", "0, 0"})
  void ipProtoNamesAndNumbers(String json, int expected) {
    assertThat(flow(rec("ip_proto", json)).ipProto()).isEqualTo(expected);
  }

  @Test
  void badIpProtoIsRejected() {
    assertThat(reason(rec("ip_proto", "\"bogus\""))).isEqualTo("ip_proto: unknown protocol name: \"bogus\"");
    assertThat(reason(rec("ip_proto", "\"300\""))).isEqualTo("ip_proto: \"300\" out of range 0..255");
    assertThat(reason(rec("ip_proto", "256"))).isEqualTo("ip_proto: 256 out of range 0..255");
    assertThat(reason(rec("ip_proto", "[6]"))).isEqualTo("ip_proto: expected integer, got array");
  }

  // ---- tcp_flags ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"27\" | 27", "\"0\" | 0", "2 | 2", "[] | 0", "[\"ACK\", \"FIN\"] | 17", "[\"ACK\", \"RST\", \"SYN\"] | 22",
      "[\"FIN\", \"SYN\", \"RST\", \"PSH\", \"ACK\", \"URG\", \"ECE\", \"CWR\"] | 255", "[\"ack\", \"Psh\"] | 24"})
  void tcpFlagsForms(String json, int expected) {
    assertThat(flow(rec("tcp_flags", json)).tcpFlags()).isEqualTo(expected);
  }

  @Test
  void badTcpFlagsAreRejected() {
    assertThat(reason(rec("tcp_flags", "[\"XMAS\"]"))).isEqualTo("tcp_flags: unknown flag: \"XMAS\"");
    assertThat(reason(rec("tcp_flags", "[16]"))).isEqualTo("tcp_flags: expected flag name, got number");
    assertThat(reason(rec("tcp_flags", "{}"))).isEqualTo("tcp_flags: expected integer, got object");
    assertThat(reason(rec("tcp_flags", "\"256\""))).isEqualTo("tcp_flags: \"256\" out of range 0..255");
  }

  // ---- event types and markers ----

  @Test
  void purgeAndAbsentEventTypeAreFlows() {
    assertThat(flow(rec("event_type", "\"purge\"")).eventType()).isEqualTo("purge");
    assertThat(flow(rec()).eventType()).isEqualTo("purge");
    assertThat(flow(rec("event_type", "null")).eventType()).isEqualTo("purge");
  }

  @ParameterizedTest
  @ValueSource(strings = {"purge_init", "purge_close"})
  void markers(String type) {
    Event e = single(parse("{\"event_type\": \"" + type + "\", \"writer_id\": \"k/13577\", \"seq\": 1}"));
    assertThat(e.kind()).isEqualTo("marker");
    assertThat(e.marker()).isEqualTo(type);
  }

  @Test
  void otherEventTypesAreRejected() {
    assertThat(reason("{\"event_type\": \"log\", \"seq\": 1}")).isEqualTo("unsupported event_type: \"log\"");
    assertThat(reason(rec("event_type", "5"))).isEqualTo("event_type: expected string, got number");
  }

  @Test
  void malformedMarkerIsRejected() {
    assertThat(reason("{\"event_type\": \"purge_init\", \"writer_id\": 7}"))
        .isEqualTo("writer_id: expected string, got number");
  }

  // ---- nulls, extras, labels ----

  @Test
  void nullValuesAreAbsent() {
    Flow f = flow(rec("flows", "null", "tos", "null", "port_src", "null", "ip_proto", "null", "vrf_name", "null"));
    assertThat(f.flows()).isNull();
    assertThat(f.tos()).isNull();
    assertThat(f.portSrc()).isZero();
    assertThat(f.ipProto()).isZero();
    assertThat(f.extra()).isNull();
  }

  @Test
  void unknownKeysGoToExtraAsText() {
    Flow f = flow(rec("mpls_label_stack", "[\"0-69\", \"1-24305\"]", "custom_primitives",
        "{\"vrf_id_ingress\": \"1610612736\", \"n\": [1, {\"a\": null}]}", "mask_src", "32", "vrf_name", "\"\"",
        "stamp_inserted", "\"2023-11-14 22:10:00\"", "ok", "true", "ratio", "0.5"));
    assertThat(f.extra()).containsExactly(
        Map.entry("mpls_label_stack", "[\"0-69\",\"1-24305\"]"),
        Map.entry("custom_primitives", "{\"vrf_id_ingress\":\"1610612736\",\"n\":[1,{\"a\":null}]}"),
        Map.entry("mask_src", "32"),
        Map.entry("vrf_name", ""),
        Map.entry("stamp_inserted", "2023-11-14 22:10:00"),
        Map.entry("ok", "true"),
        Map.entry("ratio", "0.5"));
    assertThat(f.eventTimeMicros()).isEqualTo(T0);
  }

  @Test
  void labelIsTextOrCompactJson() {
    assertThat(flow(rec("label", "\"\"")).label()).isEmpty();
    assertThat(flow(rec("label", "{}")).label()).isEqualTo("{}");
    assertThat(flow(rec("label", "{\"nkey\": \"100.1\", \"pkey\": \"testing\"}")).label())
        .isEqualTo("{\"nkey\":\"100.1\",\"pkey\":\"testing\"}");
  }

  @Test
  void truncatedContainerDoesNotCorruptTheNextOne() {
    List<Event> events = parse("{\"label\": {\"a\": [1, {\"b\": \n" + rec("label", "{\"c\": [2]}", "x", "[3]"));
    assertThat(events).extracting(Event::kind).containsExactly("reject", "flow");
    assertThat(events.get(0).reason()).isEqualTo("truncated JSON: unexpected end of input");
    assertThat(events.get(1).flow().label()).isEqualTo("{\"c\":[2]}");
    assertThat(events.get(1).flow().extra()).containsExactly(Map.entry("x", "[3]"));
  }

  @Test
  void nonAsciiUtf8IsKept() {
    assertThat(flow(rec("label", "\"Zürich ✓ \uD83D\uDE80\"")).label()).isEqualTo("Zürich ✓ \uD83D\uDE80");
  }

  // ---- IP addresses ----

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "255.255.255.255", "10.0.0.1", "::", "::1", "1::", "fe80::fa53:29ff:fe3a:3152",
      "2001:db8:0:0:0:0:0:1", "2001:DB8::A", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:7::",
      "1:2:3:4:5:6:192.0.2.1", "ff02::16"})
  void ipLiteralsAreKeptVerbatim(String ip) {
    Flow f = flow(rec("ip_src", '"' + ip + '"', "ip_dst", '"' + ip + '"', "peer_ip_src", '"' + ip + '"'));
    assertThat(List.of(f.ipSrc(), f.ipDst(), f.peerIpSrc())).containsOnly(ip);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10.0.0.256", "10.0.0", "10.0.0.1.2", "010.0.0.1", "10..0.1", "1.2.3.4 ", "localhost",
      "1:2:3:4:5:6:7:8:9", "1::2::3", "fe80::1%eth0", "gggg::1", "12345::1", ":1", "1:", ":::", "1:2:3:4:5:6:7:8::",
      "::ffff:1.2.3", "::1.2.3.4:5", "١٢::1"})
  void badIpLiteralsAreRejected(String ip) {
    assertThat(reason(rec("ip_dst", '"' + ip + '"'))).isEqualTo("ip_dst: not an IP address: \"" + ip + '"');
  }

  @Test
  void ipOfWrongTypeIsRejected() {
    assertThat(reason(rec("ip_src", "167772161"))).isEqualTo("ip_src: expected string, got number");
    assertThat(reason(rec("peer_ip_src", "[]"))).isEqualTo("peer_ip_src: expected string, got array");
  }

  // ---- numbers ----

  @Test
  void numbersMayBeDecimalStrings() {
    Flow f = flow(rec("port_src", "\"80\"", "packets", "\"7\"", "bytes", "\"9223372036854775807\""));
    assertThat(f.portSrc()).isEqualTo(80);
    assertThat(f.packets()).isEqualTo(7);
    assertThat(f.bytes()).isEqualTo(Long.MAX_VALUE);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "port_src | 70000 | port_src: 70000 out of range 0..65535",
      "port_dst | -1 | port_dst: -1 out of range 0..65535",
      "bytes | -5 | bytes: -5 out of range 0..9223372036854775807",
      "packets | \"-5\" | packets: \"-5\" out of range 0..9223372036854775807",
      "bytes | 99999999999999999999 | bytes: 99999999999999999999 out of range 0..9223372036854775807",
      "bytes | 9223372036854775808 | bytes: 9223372036854775808 out of range 0..9223372036854775807",
      "packets | \"99999999999999999999\" | packets: \"99999999999999999999\" out of range 0..9223372036854775807",
      "as_src | 4294967296 | as_src: 4294967296 out of range 0..4294967295",
      "export_proto_seqno | 4294967296 | export_proto_seqno: 4294967296 out of range 0..4294967295",
      "iface_in | 2147483648 | iface_in: 2147483648 out of range 0..2147483647",
      "tos | 256 | tos: 256 out of range 0..255",
      "flows | -1 | flows: -1 out of range 0..9223372036854775807",
      "packets | \"abc\" | packets: not an integer: \"abc\"",
      "packets | \"\" | packets: not an integer: \"\"",
      "packets | \"5 \" | packets: not an integer: \"5 \"",
      "packets | \"-\" | packets: not an integer: \"-\"",
      "packets | 1.5 | packets: not an integer: 1.5",
      "bytes | 1e3 | bytes: not an integer: 1e3",
      "packets | {\"a\": 1} | packets: expected integer, got object",
      "packets | [1] | packets: expected integer, got array",
      "packets | true | packets: expected integer, got boolean",
      "writer_id | 5 | writer_id: expected string, got number"})
  void badNumbersAreRejected(String key, String json, String expected) {
    assertThat(reason(rec(key, json))).isEqualTo(expected);
  }

  @Test
  void longValuesAreCutInReasons() {
    String big = "9".repeat(100);
    assertThat(reason(rec("bytes", big)))
        .isEqualTo("bytes: " + big.substring(0, 64) + "... out of range 0..9223372036854775807");
  }

  // ---- required keys ----

  @ParameterizedTest
  @ValueSource(strings = {"ip_src", "ip_dst", "packets", "bytes"})
  void requiredKeys(String key) {
    assertThat(reason(rec(key, null))).isEqualTo("missing required key: " + key);
    assertThat(reason(rec(key, "null"))).isEqualTo("missing required key: " + key);
  }

  // ---- malformed objects ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "null | not a JSON object: null",
      "[] | not a JSON object: array",
      "[{\"ip_src\": \"10.0.0.1\"}] | not a JSON object: array",
      "42 | not a JSON object: number",
      "\"purge\" | not a JSON object: string",
      "true | not a JSON object: boolean",
      "{} | empty object",
      "{ } | empty object",
      "{\"ip_src\": \"10.0.0.1\", \"ip_d | truncated JSON: unexpected end of input",
      "{\"ip_src\": \"10.0.0.1\" | truncated JSON: unexpected end of input",
      "{\"ip_src\": \"10.0. | truncated JSON: unexpected end of input",
      "{\"label\": {\"nkey\": [1, | truncated JSON: unexpected end of input",
      "{ | truncated JSON: unexpected end of input"})
  void malformedObjects(String json, String expected) {
    assertThat(reason(json)).isEqualTo(expected);
  }

  @Test
  void syntaxErrorsAreRejectedWithJacksonsMessage() {
    assertThat(reason("{\"ip_src\": \"10.0.0.1\",, \"x\": 1}")).startsWith("malformed JSON: ");
    assertThat(reason("{\"packets\": 1 2}")).startsWith("malformed JSON: ");
    assertThat(reason("{ip_src: \"10.0.0.1\"}")).startsWith("malformed JSON: Unexpected character ('i'");
    assertThat(reason(rec() + "x")).startsWith("malformed JSON: ");
    assertThat(reason("}")).startsWith("malformed JSON: ");
  }

  @Test
  void twoObjectsOnOneLineAreRejected() {
    assertThat(reason(rec() + " " + rec())).isEqualTo("trailing content after the object");
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThat(reason("{\"ip_src\": \"10.0.0.1\", \"ip_src\": \"10.0.0.2\"}")).isEqualTo("duplicate key: ip_src");
    assertThat(reason("{\"flows\": null, \"flows\": 1}")).isEqualTo("duplicate key: flows");
    assertThat(reason(rec("vrf_name", "\"a\"").replace("}", ", \"vrf_name\": \"b\"}")))
        .isEqualTo("duplicate key: vrf_name");
  }

  @Test
  void invalidUtf8IsRejected() {
    byte[] prefix = "{\"label\": \"".getBytes(StandardCharsets.UTF_8);
    for (byte[] bad : List.of(new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC0, (byte) 0xAF},
        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80,
            (byte) 0x80}, new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xE2, (byte) 0x28, (byte) 0xA1})) {
      byte[] line = new byte[prefix.length + bad.length + 2];
      System.arraycopy(prefix, 0, line, 0, prefix.length);
      System.arraycopy(bad, 0, line, prefix.length, bad.length);
      line[line.length - 2] = '"';
      line[line.length - 1] = '}';
      Event e = single(parse(utc, line, NO_FALLBACK));
      assertThat(e.kind()).isEqualTo("reject");
      assertThat(e.reason()).isEqualTo("invalid UTF-8 at byte " + prefix.length);
      assertThat(e.raw()).startsWith("{\"label\": \"\uFFFD");
    }
  }

  // ---- messages ----

  @Test
  void multiValueMessageReportsEachObjectOnceWithItsIndex() {
    String bad = rec("port_src", "70000");
    String message = "\n" + rec("packets", "1") + "\r\n  \n" + bad + "\n" + rec("packets", "3") + "\n\t\n"
        + rec("packets", "4") + "\n";
    List<Event> events = parse(message);
    assertThat(events).extracting(Event::kind).containsExactly("flow", "reject", "flow", "flow");
    assertThat(events).extracting(Event::index).containsExactly(0, 1, 2, 3);
    assertThat(events.get(0).flow().packets()).isEqualTo(1);
    assertThat(events.get(1).raw()).isEqualTo(bad);
    assertThat(events.get(1).reason()).isEqualTo("port_src: 70000 out of range 0..65535");
    assertThat(events.get(2).flow().packets()).isEqualTo(3);
    assertThat(events.get(3).flow().packets()).isEqualTo(4);
  }

  @Test
  void markersAroundFlowsInOneMessage() {
    String message = "{\"event_type\": \"purge_init\", \"writer_id\": \"k/1\"}\n" + rec("event_type", "\"purge\"")
        + "\n[]\n{\"event_type\": \"purge_close\", \"writer_id\": \"k/1\", \"purged_entries\": 1}";
    List<Event> events = parse(message);
    assertThat(events).extracting(Event::kind).containsExactly("marker", "flow", "reject", "marker");
    assertThat(events).extracting(Event::marker).containsExactly("purge_init", null, null, "purge_close");
    assertThat(events.get(2).raw()).isEqualTo("[]");
  }

  @Test
  void emptyMessagesHoldNoObjects() {
    assertThat(parse(utc, null, NO_FALLBACK)).isEmpty();
    assertThat(parse("")).isEmpty();
    assertThat(parse("\n \r\n\t\n")).isEmpty();
  }

  @Test
  void sinkExceptionsPropagate() {
    PmacctParser.Sink failing = new Collector() {
      @Override
      public void flow(int index, PmacctParser.Fields flow) {
        throw new IllegalStateException("sink full");
      }
    };
    assertThatThrownBy(() -> utc.parse(rec().getBytes(StandardCharsets.UTF_8), NO_FALLBACK, failing))
        .isInstanceOf(IllegalStateException.class).hasMessage("sink full");
  }
}
