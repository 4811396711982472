package io.kaminari.flow;

import static io.kaminari.flow.FlowSchema.AS_DST;
import static io.kaminari.flow.FlowSchema.AS_SRC;
import static io.kaminari.flow.FlowSchema.BYTES;
import static io.kaminari.flow.FlowSchema.EVENT_TYPE;
import static io.kaminari.flow.FlowSchema.EXPORT_PROTO_SEQNO;
import static io.kaminari.flow.FlowSchema.EXPORT_PROTO_VERSION;
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
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.flow.PmacctParserTest.Collector;
import io.kaminari.flow.PmacctParserTest.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks the parser against real nfacctd output (pmacct's own test suite, copied to test resources): every record must
 * parse, and every typed value must equal an independent reading of the same line with Jackson's tree model and
 * java.time.
 */
class PmacctConformanceTest {

  /** Some cases aggregate no timestamp at all. */
  private static final long FALLBACK = 1_750_000_000_123_456L; // 2025-06-15, after every case (the future-skew bound)
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> SCHEMA_KEYS =
      FlowSchema.FIELDS.stream().map(FlowSchema.Field::name).collect(Collectors.toSet());
  private static final Map<String, Integer> FLAG_BITS =
      Map.of("FIN", 1, "SYN", 2, "RST", 4, "PSH", 8, "ACK", 16, "URG", 32, "ECE", 64, "CWR", 128);
  /** The protocol names these cases use, per IANA. */
  private static final Map<String, Integer> PROTOCOLS =
      Map.of("icmp", 1, "tcp", 6, "udp", 17, "ipv6-icmp", 58, "vrrp", 112);
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");

  private final PmacctParser parser = new PmacctParser(ZoneOffset.UTC);

  private static List<Path> caseFiles() throws IOException, URISyntaxException {
    Path root = Path.of(PmacctConformanceTest.class.getResource("/pmacct-tests").toURI());
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory).sorted().map(d -> d.resolve("output-flow-00.json")).toList();
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<Event> parse(byte[] message) {
    Collector c = new Collector();
    parser.parse(message, FALLBACK, c);
    return c.events;
  }

  @Test
  void allCasesAndRecordsArePresent() throws Exception {
    List<Path> files = caseFiles();
    assertThat(files).hasSize(16);
    assertThat(files.stream().mapToInt(f -> lines(f).size()).sum()).isEqualTo(1443);
  }

  @TestFactory
  Stream<DynamicTest> everyLineMatchesAnIndependentReading() throws Exception {
    return caseFiles().stream().map(file -> DynamicTest.dynamicTest(file.getParent().getFileName().toString(), () -> {
      List<String> lines = lines(file);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        Event actual = PmacctParserTest.single(parse(line.getBytes(StandardCharsets.UTF_8)));
        Event expected = expected(0, line);
        assertThat(actual).as("%s line %d: %s", file, i + 1, line).isEqualTo(expected);
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> wholeFileAsOneMultiValueMessage() throws Exception {
    return caseFiles().stream().map(file -> DynamicTest.dynamicTest(file.getParent().getFileName().toString(), () -> {
      List<String> lines = lines(file);
      List<Event> events = parse(Files.readAllBytes(file));
      assertThat(events).hasSize(lines.size());
      for (int i = 0; i < lines.size(); i++) {
        assertThat(events.get(i)).as("%s object %d", file, i).isEqualTo(expected(i, lines.get(i)));
      }
    }));
  }

  /** The sink event for {@code line}, computed from Jackson's tree and java.time only. */
  private static Event expected(int index, String line) throws IOException {
    JsonNode n = MAPPER.readTree(line);
    String eventType = text(n, EVENT_TYPE);
    if ("purge_init".equals(eventType) || "purge_close".equals(eventType)) {
      return new Event("marker", index, null, eventType, null, null);
    }
    Long start = timestamp(n, TIMESTAMP_START);
    Long end = timestamp(n, TIMESTAMP_END);
    Long arrival = timestamp(n, TIMESTAMP_ARRIVAL);
    Long export = timestamp(n, TIMESTAMP_EXPORT);
    long eventTime = Stream.of(start, end, arrival, export).filter(t -> t != null).findFirst().orElse(FALLBACK);
    Map<String, String> extra = new LinkedHashMap<>();
    n.fields().forEachRemaining(e -> {
      if (!SCHEMA_KEYS.contains(e.getKey()) && !e.getValue().isNull()) {
        extra.put(e.getKey(), text(n, e.getKey()));
      }
    });
    Long portSrc = number(n, PORT_SRC);
    Long portDst = number(n, PORT_DST);
    Flow flow = new Flow(eventType == null ? "purge" : eventType, text(n, PEER_IP_SRC), text(n, IP_SRC),
        text(n, IP_DST), portSrc == null ? 0 : portSrc.intValue(), portDst == null ? 0 : portDst.intValue(),
        protocol(n), tcpFlags(n), integer(n, TOS), number(n, PACKETS), number(n, BYTES), number(n, FLOWS), start, end,
        arrival, export, integer(n, IFACE_IN), integer(n, IFACE_OUT), number(n, AS_SRC), number(n, AS_DST),
        number(n, SAMPLING_RATE), text(n, WRITER_ID), integer(n, EXPORT_PROTO_VERSION),
        number(n, EXPORT_PROTO_SEQNO), text(n, LABEL), eventTime,
        extra.isEmpty() ? null : extra);
    return new Event("flow", index, flow, null, null, null);
  }

  private static JsonNode value(JsonNode n, String key) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? null : v;
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = value(n, key);
    return v == null ? null : v.isValueNode() ? v.asText() : v.toString();
  }

  private static Long number(JsonNode n, String key) {
    JsonNode v = value(n, key);
    if (v == null) {
      return null;
    }
    assertThat(v.isIntegralNumber() || v.isTextual()).as(key).isTrue();
    return v.isTextual() ? Long.valueOf(v.asText()) : v.longValue();
  }

  private static Integer integer(JsonNode n, String key) {
    Long v = number(n, key);
    return v == null ? null : Math.toIntExact(v);
  }

  private static int protocol(JsonNode n) {
    JsonNode v = value(n, IP_PROTO);
    if (v == null) {
      return 0;
    }
    if (v.isTextual() && !Character.isDigit(v.asText().charAt(0))) {
      assertThat(PROTOCOLS).containsKey(v.asText());
      return PROTOCOLS.get(v.asText());
    }
    return integer(n, IP_PROTO);
  }

  private static Integer tcpFlags(JsonNode n) {
    JsonNode v = value(n, TCP_FLAGS);
    if (v == null || !v.isArray()) {
      return integer(n, TCP_FLAGS);
    }
    int bits = 0;
    for (JsonNode flag : v) {
      assertThat(FLAG_BITS).containsKey(flag.asText());
      bits |= FLAG_BITS.get(flag.asText());
    }
    return bits;
  }

  private static Long timestamp(JsonNode n, String key) {
    JsonNode v = value(n, key);
    if (v == null || v.asText().startsWith("0000-00-00")) {
      return null;
    }
    String s = v.asText();
    if (!s.contains("-")) {
      return new BigDecimal(s).movePointRight(6).longValueExact();
    }
    Instant instant = s.contains("T") ? OffsetDateTime.parse(s).toInstant()
        : LocalDateTime.parse(s, LOCAL).toInstant(ZoneOffset.UTC);
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }
}
