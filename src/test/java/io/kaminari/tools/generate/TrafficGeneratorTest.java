package io.kaminari.tools.generate;

import static io.kaminari.flow.FlowSchema.BYTES;
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
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{6}");
  private static final DateTimeFormatter PMACCT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  /** Outside every benign address range, so flows touching it are exactly the attack's. */
  private static final String VICTIM = "100.64.0.7";

  private static GeneratorConfig small(long seed) {
    return GeneratorConfig.of(seed, T0, Duration.ofMinutes(5), 20_000).withBenignHosts(2_000);
  }

  private static List<JsonNode> flows(CollectingSink sink) throws Exception {
    List<JsonNode> flows = new ArrayList<>();
    for (String line : sink.lines()) {
      JsonNode node = JSON.readTree(line);
      if (EVENT_PURGE.equals(node.get(EVENT_TYPE).asText())) {
        flows.add(node);
      }
    }
    return flows;
  }

  private static long micros(JsonNode flow, String key) {
    Instant t = LocalDateTime.parse(flow.get(key).asText(), PMACCT_TIME).toInstant(ZoneOffset.UTC);
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  @Test
  void sameSeedGivesIdenticalBytesAndAnotherSeedDifferentBytes() throws Exception {
    GeneratorConfig config = small(7).withAttacks(AttackSpec.synFlood(T0.plusSeconds(60), Duration.ofSeconds(30),
        VICTIM, 200));
    byte[] first = CollectingSink.run(config).bytes();
    byte[] second = CollectingSink.run(config).bytes();
    byte[] other = CollectingSink.run(config.withSeed(8)).bytes();

    assertThat(first).isNotEmpty().isEqualTo(second);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void everyRecordHasTheNfacctdKeysTypesAndOrder() throws Exception {
    CollectingSink sink = CollectingSink.run(small(1));
    List<JsonNode> flows = flows(sink);
    List<String> expectedKeys = List.of(EVENT_TYPE, PEER_IP_SRC, IP_SRC, IP_DST, PORT_SRC, PORT_DST, TCP_FLAGS,
        IP_PROTO, TIMESTAMP_START, TIMESTAMP_END, TIMESTAMP_ARRIVAL, EXPORT_PROTO_SEQNO, EXPORT_PROTO_VERSION,
        TIMESTAMP_EXPORT, PACKETS, BYTES, WRITER_ID);

    assertThat(flows).hasSize(20_000);
    Set<String> protos = new HashSet<>();
    int v6 = 0;
    for (JsonNode flow : flows) {
      List<String> keys = new ArrayList<>();
      flow.fieldNames().forEachRemaining(keys::add);
      assertThat(keys).isEqualTo(expectedKeys);
      for (String key : List.of(PEER_IP_SRC, IP_SRC, IP_DST, TCP_FLAGS, IP_PROTO, WRITER_ID)) {
        assertThat(flow.get(key).isTextual()).as(key).isTrue();
      }
      for (String key : List.of(PORT_SRC, PORT_DST, EXPORT_PROTO_SEQNO, EXPORT_PROTO_VERSION, PACKETS, BYTES)) {
        assertThat(flow.get(key).isIntegralNumber()).as(key).isTrue();
      }
      for (String key : List.of(TIMESTAMP_START, TIMESTAMP_END, TIMESTAMP_ARRIVAL, TIMESTAMP_EXPORT)) {
        assertThat(flow.get(key).asText()).matches(TIMESTAMP);
      }
      assertThat(Integer.parseInt(flow.get(TCP_FLAGS).asText())).isBetween(0, 255);
      assertThat(flow.get(EXPORT_PROTO_VERSION).asInt()).isEqualTo(9);
      assertThat(flow.get(PACKETS).asLong()).isPositive();
      assertThat(flow.get(BYTES).asLong()).isGreaterThanOrEqualTo(28 * flow.get(PACKETS).asLong());
      long start = micros(flow, TIMESTAMP_START);
      long end = micros(flow, TIMESTAMP_END);
      long arrival = micros(flow, TIMESTAMP_ARRIVAL);
      assertThat(end - start).isBetween(0L, 60_000_000L);
      assertThat(micros(flow, TIMESTAMP_EXPORT)).isGreaterThanOrEqualTo(end);
      assertThat(arrival).isBetween(end, end + 6_000_000L);
      protos.add(flow.get(IP_PROTO).asText());
      if (flow.get(IP_SRC).asText().contains(":")) {
        v6++;
      }
    }
    assertThat(protos).containsExactlyInAnyOrder("tcp", "udp", "icmp");
    assertThat(v6).isBetween(flows.size() * 3 / 100, flows.size() * 7 / 100);
  }

  @Test
  void recordsComeInNondecreasingArrivalOrderAndMessageTimesFollowThem() throws Exception {
    CollectingSink sink = CollectingSink.run(small(2).withMultiValues(3).withMarkers(true));
    long previous = Long.MIN_VALUE;
    for (JsonNode flow : flows(sink)) {
      long arrival = micros(flow, TIMESTAMP_ARRIVAL);
      assertThat(arrival).isGreaterThanOrEqualTo(previous);
      previous = arrival;
    }
    assertThat(sink.millis).isSorted();
  }

  @Test
  void benignTrafficAnswersFromServicePortsAndShowsTheSeedPorts() throws Exception {
    List<JsonNode> flows = flows(CollectingSink.run(small(3)));
    Map<Integer, Integer> srcPorts = new HashMap<>();
    Map<Integer, Integer> dstPorts = new HashMap<>();
    Map<String, Integer> tcpFlags = new HashMap<>();
    for (JsonNode flow : flows) {
      srcPorts.merge(flow.get(PORT_SRC).asInt(), 1, Integer::sum);
      dstPorts.merge(flow.get(PORT_DST).asInt(), 1, Integer::sum);
      if (flow.get(IP_PROTO).asText().equals("tcp")) {
        tcpFlags.merge(flow.get(TCP_FLAGS).asText(), 1, Integer::sum);
      } else {
        assertThat(flow.get(TCP_FLAGS).asText()).isEqualTo("0");
      }
    }
    assertThat(srcPorts.keySet()).contains(4010, 0, 80, 53, 443, 4610, 3379, 1024, 15000, 3074, 25);
    assertThat(dstPorts.keySet()).contains(80, 443, 53, 25, 8888, 8080, 123, 0, 110, 3389, 22, 3306, 1433, 587, 21);
    assertThat(srcPorts.get(443)).isGreaterThan(flows.size() / 10);
    assertThat(dstPorts.get(443)).isGreaterThan(flows.size() / 10);
    String mostCommonFlags = tcpFlags.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    assertThat(mostCommonFlags).isEqualTo("27");
  }

  @Test
  void benignVolumePeaksInTheEveningAndDipsAtNight() throws Exception {
    GeneratorConfig day = GeneratorConfig.of(4, Instant.parse("2024-05-01T00:00:00Z"), Duration.ofDays(1), 100_000)
        .withBenignHosts(1_000);
    int[] perHour = new int[24];
    for (JsonNode flow : flows(CollectingSink.run(day))) {
      perHour[(int) (micros(flow, TIMESTAMP_START) / 3_600_000_000L % 24)]++;
    }
    assertThat(perHour[21]).isGreaterThan(3 * perHour[4]);
    assertThat(perHour[13]).isBetween(perHour[4], perHour[21]);
  }

  @Test
  void synFloodIsBareSynsFromManySpoofedSourcesToOneVictimPort() throws Exception {
    AttackSpec flood = AttackSpec.synFlood(T0.plusSeconds(30), Duration.ofSeconds(60), VICTIM, 500);
    CollectingSink sink = new CollectingSink();
    GenerationResult result = new TrafficGenerator(small(5).withAttacks(flood)).run(sink);
    List<JsonNode> attack = flows(sink).stream().filter(f -> f.get(IP_DST).asText().equals(VICTIM)).toList();

    assertThat(attack).hasSize(30_000);
    assertThat(result.attacks().get(0).flows()).isEqualTo(30_000);
    assertThat(attack).allSatisfy(f -> {
      assertThat(f.get(TCP_FLAGS).asText()).isEqualTo("2");
      assertThat(f.get(IP_PROTO).asText()).isEqualTo("tcp");
      assertThat(f.get(PORT_DST).asInt()).isEqualTo(80);
      assertThat(f.get(BYTES).asLong() / f.get(PACKETS).asLong()).isIn(40L, 60L);
      long start = micros(f, TIMESTAMP_START) / 1000;
      assertThat(start).isBetween(flood.start().toEpochMilli(), flood.end().toEpochMilli() - 1);
    });
    assertThat(attack.stream().map(f -> f.get(IP_SRC).asText()).distinct().count()).isGreaterThan(10_000);
    assertThat(attack.stream().map(f -> f.get(PORT_SRC).asInt()).distinct().count()).isGreaterThan(10_000);
  }

  @Test
  void reflectionComesFromTheServicePortOfManyReflectorsWithBigPackets() throws Exception {
    AttackSpec dns = AttackSpec.udpReflection(T0.plusSeconds(10), Duration.ofSeconds(100), VICTIM, 53, 300);
    List<JsonNode> attack = flows(CollectingSink.run(small(6).withAttacks(dns))).stream()
        .filter(f -> f.get(IP_DST).asText().equals(VICTIM)).toList();

    assertThat(attack).hasSize(30_000);
    assertThat(attack).allSatisfy(f -> {
      assertThat(f.get(PORT_SRC).asInt()).isEqualTo(53);
      assertThat(f.get(IP_PROTO).asText()).isEqualTo("udp");
      assertThat(f.get(TCP_FLAGS).asText()).isEqualTo("0");
      assertThat(f.get(BYTES).asLong() / f.get(PACKETS).asLong()).isGreaterThan(1_000);
    });
    assertThat(attack.stream().map(f -> f.get(IP_SRC).asText()).distinct().count()).isGreaterThan(5_000);
    assertThat(attack.stream().map(f -> f.get(PORT_DST).asInt()).distinct().count()).isGreaterThan(10_000);
  }

  @Test
  void portScanIsOneSourceProbingDistinctPortsWithOneSynEach() throws Exception {
    AttackSpec scan = AttackSpec.portScan(T0.plusSeconds(10), Duration.ofSeconds(20), VICTIM, 100);
    List<JsonNode> attack = flows(CollectingSink.run(small(7).withAttacks(scan))).stream()
        .filter(f -> f.get(IP_DST).asText().equals(VICTIM)).toList();

    assertThat(attack).hasSize(2_000);
    assertThat(attack.stream().map(f -> f.get(IP_SRC).asText()).distinct()).hasSize(1);
    assertThat(attack.stream().map(f -> f.get(PORT_SRC).asInt()).distinct()).hasSize(1);
    assertThat(attack.stream().map(f -> f.get(PORT_DST).asInt()).distinct()).hasSize(2_000);
    assertThat(attack).allSatisfy(f -> {
      assertThat(f.get(TCP_FLAGS).asText()).isEqualTo("2");
      assertThat(f.get(PACKETS).asLong()).isEqualTo(1);
    });
  }

  @Test
  void addingAnAttackLeavesTheBenignRecordsUnchanged() throws Exception {
    List<String> benign = CollectingSink.run(small(9)).lines();
    List<String> withAttack = CollectingSink.run(small(9).withAttacks(
        AttackSpec.portScan(T0.plusSeconds(10), Duration.ofSeconds(20), VICTIM, 100))).lines();

    assertThat(withAttack.stream().filter(l -> !l.contains("\"" + VICTIM + "\"")).map(TrafficGeneratorTest::withoutSeqno))
        .containsExactlyElementsOf(benign.stream().map(TrafficGeneratorTest::withoutSeqno).toList());
  }

  /** Strips export_proto_seqno, which numbers an exporter's packets and so counts the attack's records too. */
  private static String withoutSeqno(String line) {
    return line.replaceFirst("\"" + EXPORT_PROTO_SEQNO + "\": \\d+, ", "");
  }

  /** How many 60 s purges the flows' arrival times fall into. */
  private static long purges(List<JsonNode> flows) {
    return flows.stream().mapToLong(f -> micros(f, TIMESTAMP_ARRIVAL) / 60_000_000L).distinct().count();
  }

  @Test
  void markersBracketEachPurgeAndCountItsRecords() throws Exception {
    CollectingSink sink = new CollectingSink();
    GenerationResult result = new TrafficGenerator(small(10).withMarkers(true)).run(sink);
    List<String> lines = sink.lines();

    assertThat(JSON.readTree(lines.get(0)).get(EVENT_TYPE).asText()).isEqualTo(EVENT_PURGE_INIT);
    assertThat(JSON.readTree(lines.get(lines.size() - 1)).get(EVENT_TYPE).asText()).isEqualTo(EVENT_PURGE_CLOSE);
    long inPurge = 0;
    long purged = 0;
    boolean open = false;
    for (String line : lines) {
      JsonNode node = JSON.readTree(line);
      switch (node.get(EVENT_TYPE).asText()) {
        case EVENT_PURGE_INIT -> {
          assertThat(open).isFalse();
          assertThat(node.get(WRITER_ID).asText()).isEqualTo("kaminari-gen/1");
          open = true;
          inPurge = 0;
        }
        case EVENT_PURGE_CLOSE -> {
          assertThat(open).isTrue();
          assertThat(node.get(PURGED_ENTRIES).asLong()).isEqualTo(inPurge);
          assertThat(node.get(TOTAL_ENTRIES).asLong()).isEqualTo(inPurge);
          purged += inPurge;
          open = false;
        }
        default -> {
          assertThat(open).isTrue();
          inPurge++;
        }
      }
    }
    assertThat(purged).isEqualTo(result.flows()).isEqualTo(20_000);
    assertThat(result.markers()).isEqualTo(2 * purges(flows(sink))).isGreaterThanOrEqualTo(2 * 6);
    assertThat(result.messages()).isEqualTo(result.flows() + result.markers());
  }

  @Test
  void multiValuesPacksThatManyRecordsPerMessageWithinAPurge() throws Exception {
    CollectingSink sink = new CollectingSink();
    GenerationResult result = new TrafficGenerator(small(11).withMultiValues(50)).run(sink);

    assertThat(result.markers()).isZero();
    assertThat(result.messages()).isEqualTo(sink.messages.size());
    int total = 0;
    int full = 0;
    for (byte[] message : sink.messages) {
      String[] objects = new String(message, StandardCharsets.US_ASCII).split("\n");
      assertThat(objects.length).isBetween(1, 50);
      for (String object : objects) {
        assertThat(JSON.readTree(object).get(EVENT_TYPE).asText()).isEqualTo(EVENT_PURGE);
      }
      total += objects.length;
      full += objects.length == 50 ? 1 : 0;
    }
    assertThat(total).isEqualTo(20_000);
    // Only the last message of each purge may be short.
    assertThat((long) sink.messages.size() - full).isLessThanOrEqualTo(purges(flows(sink)));
    assertThat(sink.lines()).isEqualTo(CollectingSink.run(small(11)).lines());
  }

  @Test
  void resultCoversTheFlowsWritten() throws Exception {
    CollectingSink sink = new CollectingSink();
    GenerationResult result = new TrafficGenerator(small(12)).run(sink);
    List<JsonNode> flows = flows(sink);
    long firstStart = flows.stream().mapToLong(f -> micros(f, TIMESTAMP_START)).min().orElseThrow();
    Iterator<JsonNode> it = flows.iterator();
    JsonNode last = it.next();
    while (it.hasNext()) {
      last = it.next();
    }

    assertThat(result.flows()).isEqualTo(flows.size());
    assertThat(result.firstStart()).isEqualTo(Instant.EPOCH.plusNanos(firstStart * 1000));
    assertThat(result.lastArrival()).isEqualTo(Instant.EPOCH.plusNanos(micros(last, TIMESTAMP_ARRIVAL) * 1000));
    assertThat(result.firstStart()).isAfterOrEqualTo(T0);
    assertThat(result.attackFlows()).isZero();
  }
}
