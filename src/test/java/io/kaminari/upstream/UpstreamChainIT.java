package io.kaminari.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Warehouse;
import io.kaminari.kafka.EmbeddedKafka;
import io.kaminari.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
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
  /** The captures (src/test/resources/pcaps, see SOURCE.txt there). */
  private static final List<String> PCAPS = List.of(
      "amp.TCP.syn.optionallyACK.optionallysamePort.pcap",
      "amp.TCP.reflection.SYNACK.pcap",
      "amp.UDP.isakmp.pcap",
      "ddosgrid-synflood.pcap");
  private static final Pattern EXPORTED =
      Pattern.compile("Flows exported: (\\d+) \\((\\d+) records\\) in (\\d+) packets \\((\\d+) failures\\)");

  @Test
  void realAttackCapturesSurviveTheRealChainUnchanged() throws Exception {
    String softflowd = Tools.require("softflowd", "softflowd");
    Tools.require("nfacctd", "pmacct");
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "upstream-chain-");

    Map<String, Long> exported = new LinkedHashMap<>();
    List<Upstream.Published> published;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
      kafka.createTopics(1, TOPIC);
      try (Nfacctd nfacctd = Nfacctd.start(work.resolve("nfacctd"), kafka.bootstrapServers(), TOPIC)) {
        for (String pcap : PCAPS) {
          exported.put(pcap, softflowd(softflowd, pcap, nfacctd.port, work));
        }
        long expected = exported.values().stream().mapToLong(Long::longValue).sum();
        // kafka_refresh_time is 1 s: wait for the purges, then SIGINT for a last flush and a clean exit.
        Upstream.awaitFlows(kafka.bootstrapServers(), TOPIC, expected, Duration.ofSeconds(30));
        nfacctd.stop();
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

      Upstream.Ingested in = Upstream.landAndCompact(spark, kafka.bootstrapServers(), TOPIC);
      System.out.println("upstream chain: " + in.land().summary());
      System.out.println("upstream chain: " + in.compact().summary());
      Upstream.assertReconciles(published, in);
    }
    Upstream.assertEveryFieldSurvives(spark, TOPIC, published);
    assertAttackShapes(spark);
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
    // ddosgrid hping flood: one source, one victim port, thousands of source ports, SYN.
    Row hping = spark.sql("SELECT count(DISTINCT ip_src), count(DISTINCT ip_dst), count(DISTINCT port_dst),"
        + " count(DISTINCT port_src), sum(CASE WHEN (tcp_flags & 2) = 2 THEN packets ELSE 0 END) FROM " + f
        + " WHERE dt = '2020-01-04'").first();
    assertThat(hping.getLong(0)).isEqualTo(1);
    assertThat(hping.getLong(1)).isEqualTo(1);
    assertThat(hping.getLong(2)).isEqualTo(1);
    assertThat(hping.getLong(3)).isGreaterThan(1_000);
    assertThat(hping.getLong(4)).isGreaterThanOrEqualTo(7_665);
  }
}
