package io.kaminari.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Warehouse;
import io.kaminari.kafka.EmbeddedKafka;
import io.kaminari.testing.TestSpark;
import static org.apache.spark.sql.functions.col;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real upstream chain, end to end, with real programs: real attack captures -> softflowd (NetFlow v9) -> nfacctd
 * (pmacct's collector, kafka plugin, JSON) -> a real Kafka broker -> {@code LandJob} -> {@code CompactJob} ->
 * {@code kaminari.flows}.
 *
 * <p>Proves that nothing is lost or altered between the exporter and the table: every record softflowd exported is
 * published, every published record is landed and compacted (counts reconcile, zero rejects), every key nfacctd wrote
 * is in the row unchanged, and the attacks keep their shape. No mocks, no skips: missing tools fail the test.
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
  /** The captures (src/test/resources/pcaps, see SOURCE.txt there). */
  private static final List<String> PCAPS = List.of(
      "amp.TCP.syn.optionallyACK.optionallysamePort.pcap",
      "amp.TCP.reflection.SYNACK.pcap",
      "amp.UDP.isakmp.pcap");
  private static final Pattern EXPORTED =
      Pattern.compile("Flows exported: (\\d+) \\((\\d+) records\\) in (\\d+) packets \\((\\d+) failures\\)");

  @Test
  void realAttackCapturesSurviveTheRealChainUnchanged() throws Exception {
    String softflowd = Tools.require("softflowd", "softflowd");
    Tools.require("nfacctd", "pmacct");
    long t0 = System.nanoTime();
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    Upstream.lap("spark", t0);

    Map<String, Long> exported = new LinkedHashMap<>();
    List<Upstream.Published> published;
    {
      try (Nfacctd nfacctd = Nfacctd.start(work.resolve("nfacctd"), kafka.bootstrapServers(), TOPIC)) {
        for (String pcap : PCAPS) {
          exported.put(pcap, softflowd(softflowd, pcap, nfacctd.port, work));
        }
        long expected = exported.values().stream().mapToLong(Long::longValue).sum();
        // kafka_refresh_time is 1 s: wait for the purges, then SIGINT for a last flush and a clean exit.
        Upstream.awaitFlows(kafka.bootstrapServers(), TOPIC, expected, Duration.ofSeconds(30));
        nfacctd.stop();
        Upstream.lap("softflowd + nfacctd", t0);
        assertThat(nfacctd.logText()).as("nfacctd log").doesNotContain("ERROR");
      }
      published = Upstream.consume(kafka.bootstrapServers(), TOPIC);
      long flows = published.stream().filter(Upstream.Published::isFlow).count();
      System.out.printf("upstream chain: softflowd exported %s; nfacctd published %d records (%d flows, %d markers)%n",
          exported, published.size(), flows, published.size() - flows);
      assertThat(flows).as("flow records nfacctd published vs records softflowd exported %s", exported)
          .isEqualTo(exported.values().stream().mapToLong(Long::longValue).sum());
      assertThat(published).as("markers").anyMatch(p -> p.eventType().equals("purge_init"))
          .anyMatch(p -> p.eventType().equals("purge_close"));
      assertThat(published).filteredOn(Upstream.Published::isFlow).allSatisfy(p -> {
        assertThat(p.json().path("export_proto_version").asInt()).isEqualTo(9);
        assertThat(p.json().path("peer_ip_src").asText()).isEqualTo("127.0.0.1");
      });

      Upstream.lap("consume", t0);
      Upstream.Ingested in = Upstream.landAndCompact(spark, kafka.bootstrapServers(), TOPIC);
      Upstream.lap("land + compact", t0);
      System.out.println("upstream chain: " + in.land().summary());
      System.out.println("upstream chain: " + in.compact().summary());
      Upstream.assertReconciles(published, in);
    }
    Upstream.assertEveryFieldSurvives(spark, TOPIC, published);
    Upstream.lap("field comparison", t0);
    assertAttackShapes(spark);
    Upstream.lap("attack shapes", t0);
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
      Upstream.awaitFlows(kafka.bootstrapServers(), EXPORTERS_TOPIC, expected, Duration.ofSeconds(20));
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

    Upstream.Ingested in = Upstream.landAndCompact(spark, kafka.bootstrapServers(), EXPORTERS_TOPIC);
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

  /** Runs softflowd over a capture to nfacctd; returns the records it says it exported (and checks it had no failure). */
  private static long softflowd(String exe, String pcap, int port, Path work) throws Exception {
    Path file = Path.of(UpstreamChainIT.class.getResource("/pcaps/" + pcap).toURI());
    Path log = work.resolve("softflowd-" + pcap + ".log");
    // -a: the capture's own timestamps; -A milli: millisecond flow times; -v 9: NetFlow v9 (see docs/upstream.md).
    Process p = new ProcessBuilder(exe, "-r", file.toString(), "-n", "127.0.0.1:" + port, "-v", "9", "-a",
        "-A", "milli").redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("softflowd did not finish " + pcap + " within 60 s");
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("softflowd exit status for %s:%n%s", pcap, out).isZero();
    Matcher m = EXPORTED.matcher(out);
    assertThat(m.find()).as("softflowd statistics for %s:%n%s", pcap, out).isTrue();
    assertThat(Long.parseLong(m.group(4))).as("softflowd send failures for %s", pcap).isZero();
    return Long.parseLong(m.group(2));
  }

  private static long scalar(SparkSession spark, String sql) {
    Row r = spark.sql(sql).first();
    return r.getLong(0);
  }

  /** Each capture is on its own UTC day, so its flows are found by their dt partition. */
  private static void assertAttackShapes(SparkSession spark) {
    String f = Warehouse.FLOWS;
    // StopDDoS SYN flood: 60 spoofed sources against 10.10.10.10, every record carries SYN (bit 2).
    assertThat(scalar(spark, "SELECT count(DISTINCT ip_src) FROM " + f
        + " WHERE dt = '2021-06-20' AND ip_dst = '10.10.10.10' AND ip_proto = 6")).isEqualTo(60);
    assertThat(scalar(spark, "SELECT count(*) FROM " + f
        + " WHERE dt = '2021-06-20' AND (tcp_flags & 2) = 0")).as("SYN flood records without SYN").isZero();
    // SYN-ACK reflection: thousands of reflectors answering SYN+ACK to the victim.
    assertThat(scalar(spark, "SELECT count(DISTINCT ip_src) FROM " + f
        + " WHERE dt = '2021-06-05' AND ip_dst = '10.10.10.10' AND ip_proto = 6 AND (tcp_flags & 18) = 18"))
        .isGreaterThan(5_000);
    // ISAKMP amplification: 2,767 reflectors, all from UDP port 4500 (NAT-T), all to the victim.
    assertThat(scalar(spark, "SELECT count(DISTINCT ip_src) FROM " + f
        + " WHERE dt = '2021-06-14' AND ip_dst = '10.10.10.10' AND ip_proto = 17 AND port_src = 4500"))
        .isEqualTo(2_767);
    assertThat(scalar(spark, "SELECT count(*) FROM " + f + " WHERE dt = '2021-06-14' AND port_src <> 4500")).isZero();
  }
}
