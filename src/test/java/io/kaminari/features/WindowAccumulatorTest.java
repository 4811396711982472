package io.kaminari.features;

import static io.kaminari.features.Flows.ICMP;
import static io.kaminari.features.Flows.TCP;
import static io.kaminari.features.Flows.UDP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowAccumulatorTest {
  /** Slots: src 80, src 53, src other, dst 443, dst 0, dst other; each (pps, opposite ports). */
  private static final FeatureSpec SMALL = new FeatureSpec("small", null, 60, Scope.GLOBAL, 24, 64,
      List.of(80, 53), List.of(443, 0), FeatureSpec.DEFAULT_FEATURES, true);

  /**
   * The busiest destination's flow records: a sum per bin of addresses, so at least the busiest address's records,
   * the same whatever the order of flows and merges, and 0 under dst-prefix (whose key is the prefix).
   */
  @Test
  void theBusiestDestinationIsCountedExactlyWhateverTheOrderOfFlowsAndMerges() {
    List<String> destinations = new java.util.ArrayList<>();
    for (int i = 0; i < 3000; i++) destinations.add("198.18." + (i / 250) + "." + (i % 250));
    for (int i = 0; i < 500; i++) destinations.add("203.0.113.9"); // the flood
    WindowAccumulator one = new WindowAccumulator(SMALL);
    for (String d : destinations) one.add(40000, 80, TCP, 1, 60, 0, "10.0.0.1", d);
    assertThat(one.busiestDstFlows()).isBetween(500L, 505L);
    java.util.Collections.shuffle(destinations, new java.util.Random(3));
    WindowAccumulator a = new WindowAccumulator(SMALL);
    WindowAccumulator b = new WindowAccumulator(SMALL);
    for (int i = 0; i < destinations.size(); i++) {
      (i % 3 == 0 ? a : b).add(40000, 80, TCP, 1, 60, 0, "10.0.0.1", destinations.get(i));
    }
    b.merge(a);
    assertThat(b.busiestDstFlows()).isEqualTo(one.busiestDstFlows());
    assertThat(new WindowAccumulator(SMALL).busiestDstFlows()).as("an empty window").isZero();
    FeatureSpec byPrefix = new FeatureSpec("p", null, 60, Scope.DST_PREFIX, 24, 64, List.of(80), List.of(443),
        List.of(PortFeature.PPS), true);
    WindowAccumulator prefix = new WindowAccumulator(byPrefix);
    prefix.add(40000, 80, TCP, 1, 60, 0, "10.0.0.1", "203.0.113.9");
    assertThat(prefix.busiestDstFlows()).isZero();
  }

  /**
   * The busiest (source, destination) pair's flow records: one client opening connection after connection to one
   * server counts as itself however many other clients reach that server, summed per bin so that order and merges do
   * not change it; 0 under dst-prefix.
   */
  @Test
  void theBusiestPairIsCountedWhateverTheOrderOfFlowsAndMerges() {
    List<String[]> pairs = new java.util.ArrayList<>();
    for (int i = 0; i < 3000; i++) pairs.add(new String[] {"10.1." + (i / 250) + "." + (i % 250), "192.0.2.29"});
    for (int i = 0; i < 12; i++) pairs.add(new String[] {"172.16.0.5", "192.0.2.29"}); // the web flood's client
    for (int i = 0; i < 12; i++) pairs.add(new String[] {"192.0.2.29", "172.16.0.5"}); // its answers: another pair
    WindowAccumulator one = new WindowAccumulator(SMALL);
    for (String[] p : pairs) one.add(40000, 80, TCP, 1, 60, 0, p[0], p[1]);
    assertThat(one.busiestDstFlows()).as("3,012 records to the server").isBetween(3012L, 3015L);
    assertThat(one.busiestPairFlows()).as("12 from the one client, not the server's 3,012").isBetween(12L, 14L);
    java.util.Collections.shuffle(pairs, new java.util.Random(5));
    WindowAccumulator a = new WindowAccumulator(SMALL);
    WindowAccumulator b = new WindowAccumulator(SMALL);
    for (int i = 0; i < pairs.size(); i++) (i % 3 == 0 ? a : b).add(40000, 80, TCP, 1, 60, 0, pairs.get(i)[0],
        pairs.get(i)[1]);
    b.merge(a);
    assertThat(b.busiestPairFlows()).isEqualTo(one.busiestPairFlows());
    assertThat(new WindowAccumulator(SMALL).busiestPairFlows()).as("an empty window").isZero();
    FeatureSpec byPrefix = new FeatureSpec("p", null, 60, Scope.DST_PREFIX, 24, 64, List.of(80), List.of(443),
        List.of(PortFeature.PPS), true);
    WindowAccumulator prefix = new WindowAccumulator(byPrefix);
    prefix.add(40000, 80, TCP, 1, 60, 0, "10.0.0.1", "203.0.113.9");
    assertThat(prefix.busiestPairFlows()).isZero();
  }

  /**
   * The service ports: per flow record with ports, the lower port when below the ephemeral range, so a request and its
   * reply name the same service; none from a flow between two ephemeral ports or from a protocol without ports; the
   * same set in any order and across merged partials; null under dst-prefix.
   */
  @Test
  void theServicePortsAreTheLowerPortOfEachFlowBelowTheEphemeralRange() {
    List<int[]> flows = new ArrayList<>(List.of(
        new int[] {51000, 8443, TCP}, new int[] {8443, 51000, TCP}, // a request and its reply: 8443
        new int[] {40000, 53, UDP}, new int[] {53, 53, UDP},
        new int[] {33000, 60000, UDP},                              // two ephemeral ports: no service
        new int[] {32767, 45000, TCP},                              // the last port below the range
        new int[] {0, 771, ICMP},                                   // no ports: no service
        new int[] {0, 40000, UDP}));                                // port 0 (a non-first fragment) is one
    WindowAccumulator one = new WindowAccumulator(SMALL);
    for (int[] f : flows) one.add(f[0], f[1], f[2], 1, 60, 0, "10.0.0.1", "192.0.2.1");
    assertThat(one.servicePorts()).containsExactly(0, 53, 8443, 32767);
    java.util.Collections.shuffle(flows, new java.util.Random(3));
    WindowAccumulator a = new WindowAccumulator(SMALL);
    WindowAccumulator b = new WindowAccumulator(SMALL);
    for (int i = 0; i < flows.size(); i++) {
      (i % 2 == 0 ? a : b).add(flows.get(i)[0], flows.get(i)[1], flows.get(i)[2], 1, 60, 0, "10.0.0.1", "192.0.2.1");
    }
    a.merge(b);
    assertThat(a.servicePorts()).containsExactly(one.servicePorts());
    WindowAccumulator scan = new WindowAccumulator(SMALL);
    for (int p = 0; p < 32768; p++) scan.add(50000, p, TCP, 1, 60, 0, "10.0.0.1", "192.0.2.1");
    assertThat(scan.servicePorts()).as("a scan of every port below the range, past the set's bitmap switch")
        .hasSize(32768).startsWith(0, 1, 2).endsWith(32766, 32767);
    assertThat(new WindowAccumulator(SMALL).servicePorts()).as("an empty window").isEmpty();
    FeatureSpec byPrefix = new FeatureSpec("p", null, 60, Scope.DST_PREFIX, 24, 64, List.of(80), List.of(443),
        List.of(PortFeature.PPS), true);
    WindowAccumulator prefix = new WindowAccumulator(byPrefix);
    prefix.add(40000, 80, TCP, 1, 60, 0, "10.0.0.1", "203.0.113.9");
    assertThat(prefix.servicePorts()).isNull();
  }

  @Test
  void handComputedVector() {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    acc.add(80, 443, TCP, 60, 6000, 0, "10.0.0.1", "192.0.2.1");
    acc.add(80, 8080, TCP, 30, 3000, 10, "10.0.0.1", "192.0.2.1");  // 1-in-10 sampling: 300 packets
    acc.add(53, 53, UDP, 6, 600, 1, "10.0.0.1", "192.0.2.1");
    acc.add(0, 771, ICMP, 12, 1200, 0, "10.0.0.1", "192.0.2.1");    // ICMP type 3 code 3 in the port field: counts as 0 -> 0
    acc.add(65535, 0, UDP, 3, 300, 0, "10.0.0.1", "192.0.2.1");

    assertThat(acc.toVector()).containsExactly(
        6f, 2,       // src 80: 360 packets / 60 s; dst ports {443, 8080}
        0.1f, 1,     // src 53: 6 / 60; {53}
        0.25f, 1,    // src other (0 from ICMP, 65535): 15 / 60; {0}
        1f, 1,       // dst 443: 60 / 60; {80}
        0.25f, 2,    // dst 0 (ICMP and the UDP flow): 15 / 60; src ports {0, 65535}
        5.1f, 2);    // dst other (8080, 53): 306 / 60; {80, 53}
    assertThat(acc.flowCount()).isEqualTo(5);
    assertThat(acc.packetCount()).isEqualTo(381);
  }

  @Test
  void withoutBucketsUnlistedPortsFeedNoSlotButStillCount() {
    FeatureSpec spec = new FeatureSpec("nb", null, 60, Scope.GLOBAL, 24, 64, List.of(80), List.of(443),
        List.of(PortFeature.PPS), false);
    WindowAccumulator acc = new WindowAccumulator(spec);
    acc.add(80, 9999, TCP, 60, 0, 0, "10.0.0.1", "192.0.2.1");
    acc.add(9999, 9999, TCP, 120, 0, 0, "10.0.0.1", "192.0.2.1");
    assertThat(acc.toVector()).containsExactly(1f, 0f);
    assertThat(acc.flowCount()).isEqualTo(2);
    assertThat(acc.packetCount()).isEqualTo(180);
  }

  @Test
  void optionalFeatures() {
    FeatureSpec spec = new FeatureSpec("all", null, 120, Scope.GLOBAL, 24, 64, List.of(443), List.of(),
        List.of(PortFeature.values()), false);
    WindowAccumulator acc = new WindowAccumulator(spec);
    acc.add(443, 50000, TCP, 10, 1200, 4, "10.0.0.1", "10.0.0.9");
    acc.add(443, 50001, TCP, 2, 120, 0, "10.0.0.1", "10.0.0.8");
    acc.add(443, 50001, TCP, 2, 120, 0, "10.0.0.2", "10.0.0.8");
    assertThat(spec.featureNames()).containsExactly("src_port 443 pps", "src_port 443 dst_ports",
        "src_port 443 bytes_per_s", "src_port 443 flows_per_s", "src_port 443 src_ips", "src_port 443 dst_ips");
    // packets 40 + 2 + 2, bytes 4800 + 120 + 120, over 120 s; 3 records (unscaled)
    assertThat(acc.toVector()).containsExactly(44 / 120f, 2, 5040 / 120f, 3 / 120f, 2, 2);
  }

  @Test
  void sampledCountsSaturateInsteadOfWrapping() {
    long huge = 1L << 62; // x 1000 wraps to exactly 0 in 64 bits
    assertThat(WindowAccumulator.scaled(huge, 1000)).isEqualTo(Long.MAX_VALUE);
    assertThat(WindowAccumulator.scaled(Long.MAX_VALUE, 2)).isEqualTo(Long.MAX_VALUE);
    assertThat(WindowAccumulator.scaled(Long.MAX_VALUE / 3, 3)).isEqualTo(Long.MAX_VALUE / 3 * 3);
    assertThat(WindowAccumulator.scaled(Long.MAX_VALUE, 0)).isEqualTo(Long.MAX_VALUE);
    assertThat(WindowAccumulator.plus(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);

    WindowAccumulator acc = new WindowAccumulator(SMALL);
    acc.add(80, 443, TCP, huge, huge, 1000, "10.0.0.1", "192.0.2.1");
    acc.add(80, 443, TCP, 60, 6000, 0, "10.0.0.1", "192.0.2.1");
    WindowAccumulator other = new WindowAccumulator(SMALL);
    other.add(80, 443, TCP, Long.MAX_VALUE, 1, 1, "10.0.0.1", "192.0.2.1");
    acc.merge(other);
    assertThat(acc.packetCount()).isEqualTo(Long.MAX_VALUE);
    float[] v = acc.toVector();
    // src 80 and dst 443 read as the largest flood there can be, not as nothing.
    assertThat(v[0]).isEqualTo((float) (Long.MAX_VALUE / 60.0));
    assertThat(v[6]).isEqualTo((float) (Long.MAX_VALUE / 60.0));
  }

  @Test
  void emptyAccumulatorIsAllZeros() {
    WindowAccumulator acc = new WindowAccumulator(FeatureSpec.seed(Scope.GLOBAL));
    assertThat(acc.toVector()).hasSize(64).containsOnly(0f);
    assertThat(acc.flowCount()).isZero();
  }

  @Test
  void rejectsPortsOutOfRangeForPortProtocols() {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    assertThatThrownBy(() -> acc.add(65536, 80, TCP, 1, 1, 0, "10.0.0.1", "192.0.2.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> acc.add(80, -1, UDP, 1, 1, 0, "10.0.0.1", "192.0.2.1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void addFlowEqualsAddColumns() {
    WindowAccumulator fromFlow = new WindowAccumulator(SMALL);
    WindowAccumulator fromColumns = new WindowAccumulator(SMALL);
    fromFlow.add(Flows.flow(0, "198.51.100.1", "192.0.2.1", 80, 443, TCP, 5, 500, 100L));
    fromFlow.add(Flows.flow(0, "198.51.100.1", "192.0.2.1", 53, 1234, UDP, 5, 500, null));
    fromColumns.add(80, 443, TCP, 5, 500, 100, "198.51.100.1", "192.0.2.1");
    fromColumns.add(53, 1234, UDP, 5, 500, 0, "198.51.100.1", "192.0.2.1");
    assertThat(fromFlow.toVector()).containsExactly(fromColumns.toVector());
    assertThat(fromFlow.packetCount()).isEqualTo(505);
  }

  @Test
  void mergeEqualsSequentialAdd() {
    FeatureSpec spec = new FeatureSpec("m", null, 300, Scope.GLOBAL, 24, 64, FeatureSpec.SEED_SRC_PORTS,
        FeatureSpec.SEED_DST_PORTS, List.of(PortFeature.values()), true);
    Random random = new Random(42);
    WindowAccumulator sequential = new WindowAccumulator(spec);
    WindowAccumulator[] parts = {new WindowAccumulator(spec), new WindowAccumulator(spec), new WindowAccumulator(spec)};
    for (int i = 0; i < 20_000; i++) {
      // Part 0 gets a port scan (thousands of distinct ports, bitmap sets); the others few ports (hash sets).
      int part = random.nextInt(3);
      int portSrc = part == 0 ? random.nextInt(65536) : FeatureSpec.SEED_SRC_PORTS.get(random.nextInt(15));
      int portDst = part == 0 ? random.nextInt(65536) : random.nextInt(40);
      int proto = random.nextInt(10) == 0 ? ICMP : TCP;
      long packets = 1 + random.nextInt(100);
      long sampling = random.nextInt(3) * 100;
      String ipSrc = "10.0." + random.nextInt(4) + "." + random.nextInt(50);
      String ipDst = "192.0.2." + random.nextInt(256);
      sequential.add(portSrc, portDst, proto, packets, packets * 60, sampling, ipSrc, ipDst);
      parts[part].add(portSrc, portDst, proto, packets, packets * 60, sampling, ipSrc, ipDst);
    }
    WindowAccumulator merged = new WindowAccumulator(spec);
    merged.merge(parts[1]);
    merged.merge(parts[0]);
    merged.merge(parts[2]);
    assertThat(merged.toVector()).containsExactly(sequential.toVector());
    assertThat(merged.flowCount()).isEqualTo(sequential.flowCount()).isEqualTo(20_000);
    assertThat(merged.packetCount()).isEqualTo(sequential.packetCount());
    // A scan's "other" slot really did see thousands of distinct opposite ports.
    assertThat(sequential.toVector()[spec.featureNames().indexOf("src_port other dst_ports")]).isGreaterThan(1024);
  }

  @Test
  void survivesJavaSerialisationForSparkBuffers() throws Exception {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    acc.add(80, 443, TCP, 60, 6000, 0, "10.0.0.1", "192.0.2.1");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(acc);
    }
    WindowAccumulator copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (WindowAccumulator) in.readObject();
    }
    copy.merge(acc);
    assertThat(copy.flowCount()).isEqualTo(2);
    assertThat(copy.toVector()[0]).isEqualTo(2f);
    assertThat(copy.toVector()[1]).isEqualTo(1f);
  }

  @Test
  void mergeRejectsAnotherLayout() {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    assertThatThrownBy(() -> acc.merge(new WindowAccumulator(FeatureSpec.seed(Scope.GLOBAL))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different specs");
  }

  @Test
  void ratesKeepPrecisionForLargeCounts() {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    acc.add(80, 443, TCP, 123_456_789_012L, 0, 1000, "10.0.0.1", "192.0.2.1");
    assertThat((double) acc.toVector()[0]).isCloseTo(123_456_789_012_000.0 / 60, within(1e-6 * 123_456_789_012_000.0 / 60));
  }

  @Test
  void summarisesSourcesAndTopTalkersByScaledPackets() {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    acc.add(80, 443, TCP, 60, 0, 0, "198.51.100.1", "203.0.113.10");
    acc.add(80, 443, TCP, 10, 0, 10, "198.51.100.2", "203.0.113.77");  // 100 packets on the wire
    acc.add(53, 53, UDP, 30, 0, 0, "198.51.100.1", "192.0.2.5");
    acc.add(0, 771, ICMP, 10, 0, 0, "2001:db8::1", "2001:db8:1:2::9");  // ICMP: destination port 0
    assertThat(acc.sources()).isEqualTo(3);
    // 200 packets: 203.0.113.0/24 carries 160, 192.0.2.0/24 30, the IPv6 /64 10.
    assertThat(acc.topDstPrefixes()).containsExactly("203.0.113.0/24 (80%)", "192.0.2.0/24 (15%)",
        "2001:db8:1:2::/64 (5%)");
    assertThat(acc.topSources()).containsExactly("198.51.100.2 (50%)", "198.51.100.1 (45%)", "2001:db8::1 (5%)");
    assertThat(acc.topDstPorts()).containsExactly("443 (80%)", "53 (15%)", "0 (5%)");
    assertThat(acc.estimatedCounts()).isZero();
  }

  @Test
  void underDstPrefixTheKeyIsThePrefixSoNoTopPrefixesAreKept() {
    FeatureSpec spec = new FeatureSpec("p", null, 60, Scope.DST_PREFIX, 24, 64, List.of(80), List.of(443),
        FeatureSpec.DEFAULT_FEATURES, true);
    WindowAccumulator acc = new WindowAccumulator(spec);
    acc.add(80, 443, TCP, 6, 0, 0, "198.51.100.1", "203.0.113.10");
    assertThat(acc.topDstPrefixes()).isEmpty();
    assertThat(acc.topSources()).containsExactly("198.51.100.1 (100%)");
    assertThat(new WindowAccumulator(spec).topSources()).as("no packets, no shares").isEmpty();
  }

  @Test
  void aRefusedFlowLeavesTheAccumulatorUnchanged() {
    WindowAccumulator acc = new WindowAccumulator(SMALL);
    assertThatThrownBy(() -> acc.add(80, 443, TCP, 1, 1, 0, "10.0.0.1", "not-an-address"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not-an-address");
    assertThatThrownBy(() -> acc.add(80, 443, TCP, 1, 1, 0, null, "192.0.2.1"))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("distinct sources");
    assertThat(acc.flowCount()).isZero();
    assertThat(acc.sources()).isZero();
    assertThat(acc.toVector()).containsOnly(0f);
  }

  @Test
  void aSpoofedFloodIsCountedBySketchAndItsEstimatesAreReported() {
    FeatureSpec spec = new FeatureSpec("d", null, 60, Scope.GLOBAL, 24, 64, List.of(80), List.of(80),
        List.of(PortFeature.PPS, PortFeature.DISTINCT_SRC_IPS), false);
    WindowAccumulator sequential = new WindowAccumulator(spec);
    WindowAccumulator[] parts = {new WindowAccumulator(spec), new WindowAccumulator(spec)};
    for (int i = 0; i < 30_000; i++) {
      String src = "10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255);
      sequential.add(40000 + i % 1000, 80, TCP, 1, 40, 0, src, "203.0.113.10");
      parts[i % 2].add(40000 + i % 1000, 80, TCP, 1, 40, 0, src, "203.0.113.10");
    }
    WindowAccumulator merged = new WindowAccumulator(spec);
    merged.merge(parts[0]);
    merged.merge(parts[1]);
    assertThat(sequential.sources()).isEqualTo(merged.sources())
        .isCloseTo(30_000, within((long) (30_000 * 4 * DistinctCounter.RELATIVE_STANDARD_ERROR)));
    // sources, the distinct-sources feature of dst slot 80, and the top sources (30,000 keys of one packet each).
    assertThat(sequential.estimatedCounts()).isEqualTo(3);
    assertThat(sequential.toVector()[3]).isEqualTo((float) sequential.sources());
    assertThat(sequential.topDstPrefixes()).containsExactly("203.0.113.0/24 (100%)");
    assertThat(sequential.topDstPorts()).containsExactly("80 (100%)");
    assertThat(sequential.topSources()).hasSize(3).allSatisfy(t -> assertThat(t).contains("(>=0%)"));
  }
}
