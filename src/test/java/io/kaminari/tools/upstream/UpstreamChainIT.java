package io.kaminari.tools.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.tools.kafka.EmbeddedKafka;
import io.kaminari.testing.TestSpark;
import static org.apache.spark.sql.functions.col;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real upstream chain, end to end, with real programs: generated benign packets and real attack captures ->
 * softflowd (NetFlow v9) -> nfacctd (pmacct's collector, kafka plugin, JSON) -> a real Kafka broker -> land -> compact
 * -> features -> train -> batch score and the streaming scorer; and real exporters' captures -> nfacctd -> land ->
 * compact.
 *
 * <p>Proves that nothing is lost or altered between the exporter and the table (every packet replayed is counted in a
 * published record, every published record is landed and compacted, every key nfacctd wrote is in the row unchanged),
 * that the attacks keep their shape, and that both scorers flag the attack windows of the test hour, naming the
 * attacked port, and no quiet window. No mocks, no skips: missing tools fail the test.
 */
class UpstreamChainIT {
  private static final String TOPIC = "pmacct.upstream";
  private static final String EXPORTERS_TOPIC = "pmacct.exporters";
  private static EmbeddedKafka kafka;
  private static Path work;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "upstream-");
    kafka = EmbeddedKafka.start(work.resolve("kafka"));
    kafka.createTopics(1, TOPIC, EXPORTERS_TOPIC);
  }

  @AfterAll
  static void stop() {
    if (kafka != null) kafka.close();
  }
  /**
   * The whole chain once, as {@code kaminari demo --upstream} runs it ({@link UpstreamPipeline}): benign packets and
   * three real attack captures -> softflowd -> nfacctd -> Kafka -> land -> compact -> features -> train -> batch score
   * and the streaming scorer. Checks that nothing is lost or altered on the way, that the attacks keep their shape,
   * and that both scorers flag exactly the attack windows of the test hour, naming each attack's port.
   */
  @Test
  void realAttacksInBenignTrafficAreFlaggedByBothScorers() throws Exception {
    long t0 = System.nanoTime();
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    KaminariConfig config = TestSpark.config().with(Settings.SCORER_HTTP_PORT, "0");
    Upstream.lap("spark", t0);
    String udpBefore = udpCounters();
    UpstreamPipeline.Result r = UpstreamPipeline.run(config, spark, kafka, TOPIC, work.resolve("chain"), 42, System.out);
    System.out.println("upstream chain: UDP counters before " + udpBefore + " after " + udpCounters());
    Upstream.lap("chain", t0);

    List<Upstream.Published> published = Upstream.consume(kafka.bootstrapServers(), TOPIC);
    long flows = published.stream().filter(Upstream.Published::isFlow).count();
    long packets = published.stream().filter(Upstream.Published::isFlow)
        .mapToLong(p -> p.json().path("packets").asLong()).sum();
    System.out.printf("upstream chain: softflowd reported %d records exported, sent %d records (%d packets) for %d IP"
        + " packets; nfacctd published %d (%d flows with %d packets, %d markers)%n", r.replay().exported(),
        r.replay().sentRecords(), r.replay().sentPackets(), r.replay().ipPackets(), published.size(), flows, packets,
        published.size() - flows);
    // Nothing lost between exporter and broker: every record in the NetFlow datagrams softflowd sent (counted by a
    // relay on the way, whose v9 sequence numbers show it missed none) is published, with the same packet total.
    assertThat(r.replay().sequenceGaps()).as("datagrams the counting relay missed").isZero();
    assertThat(flows).as("flow records nfacctd published vs records softflowd sent")
        .isEqualTo(r.replay().sentRecords());
    assertThat(packets).as("packets in the published records vs in the records softflowd sent")
        .isEqualTo(r.replay().sentPackets());
    // softflowd itself is not exact (docs/upstream.md): its "Flows exported" count is a little higher than what it
    // sends, and a few packets of the replayed captures are in no record (measured: 50 of 1,034,847).
    assertThat(r.replay().exported()).as("records softflowd reported").isGreaterThanOrEqualTo(flows)
        .isLessThan(flows + flows / 1000);
    assertThat(packets).as("packets in the published records vs IP packets replayed")
        .isLessThanOrEqualTo(r.replay().ipPackets())
        .isGreaterThan(r.replay().ipPackets() - r.replay().ipPackets() / 10_000);
    assertThat(r.replay().packets() - r.replay().ipPackets()).as("non-IP frames replayed (ARP in the SYN-ACK capture)")
        .isEqualTo(4);
    // Sanity of the packet side: the generator's records became packets and the captures were all replayed.
    assertThat(r.replay().benignRecords()).isGreaterThan(30_000);
    assertThat(r.replay().attackPackets()).containsExactly(Map.entry("amp.TCP.reflection.SYNACK.pcap", 8_000L),
        Map.entry("amp.UDP.isakmp.pcap", 3_984L), Map.entry("amp.TCP.syn.optionallyACK.optionallysamePort.pcap", 896L));
    assertThat(published).as("markers").anyMatch(p -> p.eventType().equals("purge_init"))
        .anyMatch(p -> p.eventType().equals("purge_close"));
    assertThat(published).filteredOn(Upstream.Published::isFlow).allSatisfy(p -> {
      assertThat(p.json().path("export_proto_version").asInt()).isEqualTo(9);
      assertThat(p.json().path("peer_ip_src").asText()).isEqualTo("127.0.0.1");
    });
    System.out.println("upstream chain: " + r.land().summary());
    System.out.println("upstream chain: " + r.compact().summary());
    Upstream.assertReconciles(published, new UpstreamPipeline.Ingested(r.land(), r.compact()));
    Upstream.assertEveryFieldSurvives(spark, TOPIC, published);
    Upstream.lap("field comparison", t0);
    assertAttackShapes(spark);

    // Detection. The attack windows are found from the table (flows to the victim), not from the scorers.
    Map<Instant, UpstreamReplay.Attack> attacks = r.attackWindows();
    System.out.println("upstream chain: attack windows " + attacks);
    Map<Instant, UpstreamReplay.Attack> expected = new TreeMap<>();
    for (UpstreamReplay.Attack a : UpstreamReplay.ATTACKS) {
      if (a.scored()) expected.put(a.at().truncatedTo(ChronoUnit.MINUTES), a);
    }
    assertThat(attacks).as("attack windows of the test hour: one per sub-second reflection")
        .containsExactlyEntriesOf(expected);
    assertThat(r.batchScores()).as("global windows of the test hour scored in batch").hasSize(60);
    assertThat(r.streamScores()).as("global windows of the test hour closed by the stream").hasSize(60);
    System.out.println("upstream chain: batch scores of the test hour " + r.batchScores());
    // Same model, same vectors: the two scorers agree window by window.
    r.batchScores().forEach((w, score) -> assertThat(r.streamScores().get(w)).as("streaming score of " + w)
        .isCloseTo(score, org.assertj.core.data.Percentage.withPercentage(0.01)));
    assertThat(r.streamFlagged().keySet()).as("windows flagged by the stream vs batch")
        .containsExactlyElementsOf(r.batchFlagged().keySet());
    assertFlagsExactlyTheAttacks("batch scorer", r.batchFlagged(), attacks);
    assertFlagsExactlyTheAttacks("streaming scorer", r.streamFlagged(), attacks);
    Upstream.lap("checked", t0);
  }

  /** The kernel's UDP counters (Linux), printed to tell datagram loss from collector loss. */
  private static String udpCounters() throws java.io.IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp")).stream().filter(l -> l.startsWith("Udp:")).toList();
    return lines.size() == 2 ? lines.get(1) : "?";
  }

  /** Every attack window flagged with an explanation naming the attack's port; no quiet window flagged. */
  private static void assertFlagsExactlyTheAttacks(String who, Map<Instant, UpstreamPipeline.Flagged> flagged,
      Map<Instant, UpstreamReplay.Attack> attacks) {
    assertThat(flagged.keySet()).as("windows flagged by the " + who + " (quiet windows must not be)")
        .containsExactlyElementsOf(attacks.keySet());
    for (UpstreamPipeline.Flagged f : flagged.values()) {
      String port = attacks.get(f.window()).port();
      assertThat(f.explanation()).as(who + " explanation of " + f.window() + " names " + port)
          .anyMatch(e -> e.startsWith(port + " "));
    }
  }

  /**
   * One real exporter's capture, sent to nfacctd from its own loopback address (so nfacctd keeps its templates apart
   * and its records are told apart by peer_ip_src). {@code records} is the number of flow records in it (as tshark
   * decodes them); nfacctd may publish fewer, because its cache merges records whose aggregate keys are equal and
   * timestamp_arrival is stamped per record to the microsecond, so whether two equal records merge depends on timing.
   * The packet and byte totals do not depend on it. {@code upstreamOutput} is pmacct's own expected output for the
   * capture, whose counters are multiplied by {@code renormalize} (the sampling rate, with nfacctd_renormalize).
   */
  private record Exporter(String name, String address, List<String> files, long records, long packets, long bytes,
      String upstreamOutput, int renormalize) {}

  private static final List<Exporter> EXPORTERS = List.of(
      new Exporter("pmacct 100 Cisco IPFIX", "127.0.0.11",
          List.of("pmacct-tests/100-IPFIXv10-CISCO/traffic-00.pcap"), 12, 34, 34_172,
          "pmacct-tests/100-IPFIXv10-CISCO/output-flow-00.json", 1),
      new Exporter("pmacct 101 Cisco NetFlow v9", "127.0.0.12",
          List.of("pmacct-tests/101-NFv9-CISCO-cust_primitives/traffic-00.pcap"), 51, 56, 4_500,
          "pmacct-tests/101-NFv9-CISCO-cust_primitives/output-flow-00.json", 1),
      new Exporter("pmacct 104 Cisco IPFIX IPv6, sampled 1:256", "127.0.0.13",
          List.of("pmacct-tests/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap"), 3, 121, 10_632,
          "pmacct-tests/104-IPFIXv10-IPv6-CISCO-sampling_option/output-flow-00.json", 256),
      new Exporter("pmacct 112 Cisco IPFIX options (Linux SLL capture)", "127.0.0.14",
          List.of("pmacct-tests/112-IPFIXv10-CISCO-options-map-reassignment/traffic-00.pcap"), 9, 19, 1_197,
          "pmacct-tests/112-IPFIXv10-CISCO-options-map-reassignment/output-flow-00.json", 1),
      new Exporter("akvorado NetFlow v5", "127.0.0.21", List.of("akvorado/nfv5.pcap"), 29, 78, 88_345, null, 1),
      new Exporter("akvorado ipfixprobe IPFIX", "127.0.0.22",
          List.of("akvorado/ipfixprobe-templates.pcap", "akvorado/ipfixprobe-data.pcap"), 4, 34, 24_268, null, 1),
      // NSEL (firewall events): no packet counter, so nfacctd reports 0 packets.
      new Exporter("logstash Cisco ASA NetFlow v9 (NSEL)", "127.0.0.31", List.of(
          "logstash-codec-netflow/netflow9_test_cisco_asa_1_tpl.dat",
          "logstash-codec-netflow/netflow9_test_cisco_asa_1_data.dat"), 14, 0, 888, null, 1),
      new Exporter("logstash Mikrotik IPFIX", "127.0.0.32", List.of(
          "logstash-codec-netflow/ipfix_test_mikrotik_tpl.dat",
          "logstash-codec-netflow/ipfix_test_mikrotik_data258.dat"), 28, 208, 95_010, null, 1),
      new Exporter("logstash OpenBSD pflow IPFIX", "127.0.0.33", List.of(
          "logstash-codec-netflow/ipfix_test_openbsd_pflow_tpl.dat",
          "logstash-codec-netflow/ipfix_test_openbsd_pflow_data.dat"), 26, 209, 99_323, null, 1));

  @Test
  void realExporterCapturesParseAndReconcile() throws Exception {
    Tools.require("nfacctd", "pmacct");
    long t0 = System.nanoTime();
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    long expected = EXPORTERS.stream().mapToLong(Exporter::records).sum();
    try (Nfacctd nfacctd = Nfacctd.start(work.resolve("nfacctd-exporters"), kafka.bootstrapServers(),
        EXPORTERS_TOPIC)) {
      for (Exporter e : EXPORTERS) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(e.address(), 0))) {
          InetSocketAddress to = new InetSocketAddress("127.0.0.1", nfacctd.port);
          for (String f : e.files()) {
            Path file = Path.of(UpstreamChainIT.class.getResource("/exporters/" + f).toURI());
            // .dat files are one raw export packet; pcaps are replayed packet by packet, template packets first.
            List<byte[]> packets = f.endsWith(".dat") ? List.of(Files.readAllBytes(file)) : Pcap.udpPayloads(file);
            for (byte[] payload : packets) {
              socket.send(new DatagramPacket(payload, payload.length, to));
              Thread.sleep(2);
            }
          }
        }
      }
      UpstreamPipeline.awaitFlows(kafka.bootstrapServers(), EXPORTERS_TOPIC, expected, Duration.ofSeconds(20));
      nfacctd.stop();
      assertThat(nfacctd.logText()).as("nfacctd log").doesNotContain("ERROR");
    }
    Upstream.lap("exporters replayed", t0);
    List<Upstream.Published> published = Upstream.consume(kafka.bootstrapServers(), EXPORTERS_TOPIC);
    Map<String, long[]> perPeer = new TreeMap<>();
    for (Upstream.Published p : published) {
      if (!p.isFlow()) continue;
      long[] t = perPeer.computeIfAbsent(p.json().path("peer_ip_src").asText(), k -> new long[3]);
      t[0]++;
      t[1] += p.json().path("packets").asLong();
      t[2] += p.json().path("bytes").asLong();
    }
    System.out.println("exporters: records/packets/bytes per exporter address " + perPeer.entrySet().stream()
        .map(e -> e.getKey() + "=" + Arrays.toString(e.getValue())).collect(Collectors.joining(", ")));
    for (Exporter e : EXPORTERS) {
      long[] t = perPeer.getOrDefault(e.address(), new long[3]);
      assertThat(t[0]).as("flow records nfacctd decoded from " + e.name()).isBetween(1L, e.records());
      assertThat(t[1]).as("packets nfacctd decoded from " + e.name()).isEqualTo(e.packets());
      assertThat(t[2]).as("bytes nfacctd decoded from " + e.name()).isEqualTo(e.bytes());
    }
    assertThat(perPeer.keySet()).as("exporter addresses").hasSize(EXPORTERS.size());

    UpstreamPipeline.Ingested in = UpstreamPipeline.landAndCompact(TestSpark.config(), spark, kafka.bootstrapServers(),
        EXPORTERS_TOPIC);
    System.out.println("exporters: " + in.land().summary());
    System.out.println("exporters: " + in.compact().summary());
    Upstream.assertReconciles(published, in);
    assertThat(spark.table(Warehouse.FLOWS_REJECTED).count()).as("rows in flows_rejected").isZero();
    Upstream.assertEveryFieldSurvives(spark, EXPORTERS_TOPIC, published);
    Map<Long, Long> versions = spark.table(Warehouse.FLOWS).groupBy("export_proto_version").count().collectAsList()
        .stream().collect(Collectors.toMap(r -> (long) r.getInt(0), r -> r.getLong(1)));
    System.out.println("exporters: flows per export_proto_version " + versions);
    assertThat(versions.keySet()).containsExactlyInAnyOrder(5L, 9L, 10L);

    // Where pmacct's own test case says what nfacctd must produce, the table holds the same flows.
    for (Exporter e : EXPORTERS) {
      if (e.upstreamOutput() == null) continue;
      Map<String, List<Long>> want = new TreeMap<>();
      for (String line : Upstream.read("/exporters/" + e.upstreamOutput()).lines().filter(l -> !l.isBlank()).toList()) {
        com.fasterxml.jackson.databind.JsonNode j = Upstream.JSON.readTree(line);
        want.merge(flowKey(j), List.of(j.path("packets").asLong(), j.path("bytes").asLong()), UpstreamChainIT::plus);
      }
      Map<String, List<Long>> got = new TreeMap<>();
      for (Row r : spark.table(Warehouse.FLOWS).where(col("peer_ip_src").equalTo(e.address()))
          .selectExpr("concat_ws(' ', ip_src, ip_dst, port_src, port_dst, ip_proto)", "packets", "bytes")
          .collectAsList()) {
        got.merge(r.getString(0), List.of(r.getLong(1) * e.renormalize(), r.getLong(2) * e.renormalize()),
            UpstreamChainIT::plus);
      }
      assertThat(got).as("packets and bytes per flow key of " + e.name() + " vs pmacct's expected output")
          .isEqualTo(want);
    }
    Upstream.lap("exporters checked", t0);
  }

  /** ip_src ip_dst port_src port_dst proto of a record in pmacct's expected output. */
  private static String flowKey(com.fasterxml.jackson.databind.JsonNode j) {
    String proto = Integer.toString(Upstream.protocolNumber(j.path("ip_proto").asText()));
    return String.join(" ", j.path("ip_src").asText(), j.path("ip_dst").asText(), j.path("port_src").asText("0"),
        j.path("port_dst").asText("0"), proto);
  }

  private static List<Long> plus(List<Long> a, List<Long> b) {
    return List.of(a.get(0) + b.get(0), a.get(1) + b.get(1));
  }

  private static long scalar(SparkSession spark, String sql) {
    Row r = spark.sql(sql).first();
    return r.getLong(0);
  }

  /** The attacks keep their shape through the chain; each is found by its replayed time. */
  private static void assertAttackShapes(SparkSession spark) {
    String f = Warehouse.FLOWS + " WHERE ip_dst = '" + UpstreamReplay.VICTIM + "' AND ";
    Map<String, String> during = new TreeMap<>();
    for (UpstreamReplay.Attack a : UpstreamReplay.ATTACKS) {
      // The scored reflections last under a second, the unscored SYN flood 13.6 minutes.
      Instant to = a.at().plus(a.scored() ? Duration.ofSeconds(1) : Duration.ofMinutes(14));
      during.put(a.file(), "event_time >= '" + sql(a.at()) + "' AND event_time < '" + sql(to) + "'");
    }
    // StopDDoS SYN flood: 60 sources against the victim, every record carries SYN (bit 2); most of its packets are
    // SYN-ACKs from two hosts to port 21, the rest SYNs to ports such as 9069, 9070 and 445.
    String flood = f + during.get("amp.TCP.syn.optionallyACK.optionallysamePort.pcap");
    assertThat(scalar(spark, "SELECT count(DISTINCT ip_src) FROM " + flood + " AND ip_proto = 6")).isEqualTo(60);
    assertThat(scalar(spark, "SELECT sum(packets) FROM " + flood + " AND port_dst = 21 AND tcp_flags = 18"))
        .as("SYN-ACK packets to port 21").isEqualTo(532);
    assertThat(scalar(spark, "SELECT count(*) FROM " + flood + " AND (tcp_flags & 2) = 0"))
        .as("SYN flood records without SYN").isZero();
    // Its 336 records (one per source and source port) start over the whole 13.6 minutes.
    assertThat(scalar(spark, "SELECT count(DISTINCT date_trunc('MINUTE', event_time)) FROM " + flood))
        .as("minutes with SYN flood records").isGreaterThanOrEqualTo(13);
    // SYN-ACK reflection: thousands of reflectors answering SYN+ACK to the victim within a second.
    assertThat(scalar(spark, "SELECT count(DISTINCT ip_src) FROM " + f + during.get("amp.TCP.reflection.SYNACK.pcap")
        + " AND ip_proto = 6 AND (tcp_flags & 18) = 18")).isGreaterThan(5_000);
    // ISAKMP amplification: 2,767 reflectors, all from UDP port 4500 (NAT-T), all to the victim.
    String isakmp = f + during.get("amp.UDP.isakmp.pcap");
    assertThat(scalar(spark, "SELECT count(DISTINCT ip_src) FROM " + isakmp + " AND ip_proto = 17 AND port_src = 4500"))
        .isEqualTo(2_767);
    assertThat(scalar(spark, "SELECT count(*) FROM " + isakmp + " AND port_src <> 4500")).isZero();
    // Nothing of the generated background goes to the victim: the attack windows are told apart by it.
    assertThat(scalar(spark, "SELECT count(*) FROM " + f + "NOT ((" + String.join(") OR (", during.values()) + "))"))
        .as("flows to the victim outside the attacks").isZero();
  }

  /** A Spark SQL timestamp literal of {@code t} (the session time zone is UTC in tests). */
  private static String sql(Instant t) {
    return t.toString().replace('T', ' ').replace("Z", "");
  }
}
