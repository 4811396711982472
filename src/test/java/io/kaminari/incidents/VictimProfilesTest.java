package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.IpPrefix;
import io.kaminari.flow.Flow;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VictimProfilesTest {
  static final Instant W = Instant.parse("2024-05-02T03:00:00Z");

  static Flow flow(String src, String dst, int srcPort, int dstPort, int proto, Integer flags, long packets,
      long bytes, Long asSrc, Long samplingRate) {
    return new Flow("purge", "192.0.2.1", src, dst, srcPort, dstPort, proto, flags, 0, packets, bytes, 1L, null, null,
        null, null, null, null, asSrc, null, samplingRate, null, null, null, null, 0L, null);
  }

  /**
   * Adds {@code f} with its destination prefix at /24 and /64, as the featurizer hands it over; null for an address it
   * would refuse.
   */
  static void add(VictimProfiles p, Flow f) {
    String prefix;
    try {
      prefix = f.ipDst() == null ? null : IpPrefix.of(f.ipDst(), 24, 64);
    } catch (IllegalArgumentException notAnAddress) {
      prefix = null;
    }
    p.add(f, prefix);
  }

  /** Benign web traffic to {@code prefixes} /24s of 10.0.x.0, one flow each per call. */
  static void benign(VictimProfiles p, int prefixes, int round) {
    for (int i = 0; i < prefixes; i++) {
      add(p, flow("192.0.2." + (round % 200), "10.0." + i + ".5", 443, 40_000 + round, 6, 24, 10, 9_000, 64500L,
          null));
    }
  }

  /**
   * Scaled out, each source task profiles its own flows and the aggregator merges the profiles: where every source
   * profiled the victim from its first flow, the merged profile is the whole window's (vector, packets, sources, top
   * lists), also after the Java serialization the partials travel in; a victim one source alone profiled is added as
   * it is; {@link VictimProfiles#only} keeps one prefix's profile.
   */
  @Test
  void profilesOfPartsOfTheFlowsMergeIntoTheProfileOfTheWhole() throws Exception {
    VictimProfiles whole = new VictimProfiles();
    VictimProfiles[] parts = {new VictimProfiles(), new VictimProfiles()};
    // 120 sources (the top lists are exact below 128 keys, and so the same in any order), a SYN flood and web replies.
    for (int i = 0; i < 600; i++) {
      Flow f = i % 3 == 0 ? flow("192.0.2." + (i % 20), "203.0.113.10", 443, 40_000 + i, 6, 24, 1, 900, 64500L, null)
          : flow("198.51." + (i % 100) + ".9", "203.0.113.10", 1024 + i, 80, 6, 2, 1, 60, null, null);
      add(whole, f);
      add(parts[i % 2], f);
    }
    add(parts[1], flow("192.0.2.7", "10.9.9.9", 53, 40_000, 17, null, 1, 300, null, null));
    VictimProfiles merged = new VictimProfiles();
    for (VictimProfiles p : parts) {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(p);
      }
      try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
          new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
        merged.merge((VictimProfiles) in.readObject());
      }
    }
    VictimTraffic expected = whole.traffic("203.0.113.0/24", W);
    assertThat(merged.traffic("203.0.113.0/24", W)).isEqualTo(expected);
    assertThat(expected.vector().describe()).startsWith("tcp ").contains("flags SYN");
    assertThat(merged.traffic("10.9.9.0/24", W).packets()).as("profiled by one source only").isEqualTo(1);
    assertThat(merged.profiled()).containsExactlyInAnyOrder("203.0.113.0/24", "10.9.9.0/24");
    assertThat(merged.only("203.0.113.0/24").profiled()).containsExactly("203.0.113.0/24");
    assertThat(merged.only("203.0.113.0/24").traffic("203.0.113.0/24", W)).isEqualTo(expected);
    assertThat(merged.only("192.0.2.0/24")).isNull();
  }

  @Test
  void aSynFloodsVictimIsProfiledWithItsVectorAmongBenignTraffic() {
    VictimProfiles p = new VictimProfiles();
    for (int r = 0; r < 20; r++) {
      benign(p, 30, r);
      for (int i = 0; i < 50; i++) {
        add(p, flow("198.51." + (i % 200) + "." + r, "203.0.113.10", 1024 + i, 80, 6, 2, 1, 60, null, null));
      }
    }
    VictimTraffic t = p.traffic("203.0.113.0/24", W);
    assertThat(t).isNotNull();
    assertThat(t.windowStart()).isEqualTo(W);
    assertThat(t.vector().describe()).isEqualTo("tcp dst port 80 flags SYN, 60-60 bytes/packet (100% of packets)");
    // The eight prefixes of the first benign round came first: the flood was profiled from its 21st packet on,
    // when it outweighed twice the least profiled one (10 packets).
    assertThat(t.packets()).isEqualTo(1000 - 20);
    assertThat(t.sources()).isEqualTo(1000 - 20);
    assertThat(t.topDestinations()).containsExactly("203.0.113.10 (100%)");
    assertThat(t.topSourceAsns()).as("the flood carries no as_src").isEmpty();
    assertThat(t.topSources()).hasSize(5);
    assertThat(p.profiled()).hasSize(VictimProfiles.PROFILED).contains("203.0.113.0/24");
    assertThat(p.traffic("10.0.29.0/24", W)).as("not among the first %d prefixes", VictimProfiles.PROFILED).isNull();
    assertThat(p.traffic(null, W)).isNull();
  }

  @Test
  void aReflectionToRandomPortsIsFoundAndSamplingScalesThePackets() {
    VictimProfiles p = new VictimProfiles();
    for (int i = 0; i < 3000; i++) {
      add(p, flow("192.0.2." + (i % 250), "203.0.113.7", 53, 1024 + i * 7 % 60000, 17, null, 2, 2_900, 64501L, 100L));
    }
    VictimTraffic t = p.traffic("203.0.113.0/24", W);
    assertThat(t.vector().protocols()).containsExactly(AttackVector.UDP);
    assertThat(t.vector().reflectedSrcPorts()).containsExactly(53);
    assertThat(t.vector().dstPorts()).as("spread: any port").isEmpty();
    assertThat(t.vector().packetLengthMin()).isEqualTo(1450);
    assertThat(t.packets()).isEqualTo(3000 * 2 * 100);
    assertThat(t.topSourceAsns()).containsExactly("AS64501 (100%)");
    assertThat(t.sources()).isEqualTo(250);
  }

  @Test
  void aFloodThatStartsLateReplacesTheLeastProfiledPrefix() {
    VictimProfiles p = new VictimProfiles();
    benign(p, 20, 0); // eight of them profiled, each with 10 packets
    assertThat(p.traffic("203.0.113.0/24", W)).isNull();
    // Its first flows are counted but not profiled until it outweighs twice the least profiled prefix.
    for (int i = 0; i < 100; i++) {
      add(p, flow("198.51.100." + (i % 200), "203.0.113.10", 1024 + i, 80, 6, 2, 1, 60, null, null));
    }
    VictimTraffic t = p.traffic("203.0.113.0/24", W);
    assertThat(t).isNotNull();
    assertThat(t.packets()).as("from the flow that made it outweigh 2 x 10 packets").isEqualTo(100 - 20);
    assertThat(p.profiled()).hasSize(VictimProfiles.PROFILED);
    assertThat(t.vector().tcpFlags()).isEqualTo(2);
  }

  @Test
  void aFollowedQuietPrefixIsProfiledBesideTheHeaviestAndNeverReplaced() {
    VictimProfiles p = new VictimProfiles();
    benign(p, 20, 0); // eight busy /24s profiled
    // A DNS carpet on a quiet customer /24: two flows a round, far below the busy prefixes.
    String quiet = "10.4.8.0/24";
    for (int r = 0; r < 5; r++) {
      add(p, flow("192.0.2.53", "10.4.8." + (10 + r), 53, 30_000 + r, 17, null, 1, 1_300, 64502L, null));
    }
    assertThat(p.traffic(quiet, W)).as("not followed: one flow a round is never among the heaviest").isNull();

    java.util.Set<String> victims = new java.util.HashSet<>();
    p.follow(victims::contains);
    victims.add(quiet); // a live view: consulted at the prefix's next flow
    for (int r = 0; r < 50; r++) {
      benign(p, 20, r + 1);
      add(p, flow("192.0.2.53", "10.4.8." + (10 + r), 53, 30_000 + r, 17, null, 1, 1_300, 64502L, null));
    }
    VictimTraffic t = p.traffic(quiet, W);
    assertThat(t).isNotNull();
    assertThat(t.packets()).as("from its first flow after it was followed").isEqualTo(50);
    assertThat(t.vector().reflectedSrcPorts()).containsExactly(53);
    assertThat(t.topDestinations()).hasSize(3);
    assertThat(p.profiled()).hasSize(VictimProfiles.PROFILED + 1).endsWith(quiet);

    // A flood arriving later (past twice the busy prefixes' 510 packets) replaces the least profiled of the heaviest,
    // never the followed one.
    for (int i = 0; i < 1500; i++) {
      add(p, flow("198.51.100." + (i % 200), "203.0.113." + (i % 4), 1024 + i, 80, 6, 2, 1, 60, null, null));
    }
    assertThat(p.traffic(quiet, W).packets()).isEqualTo(50);
    assertThat(p.profiled()).hasSize(VictimProfiles.PROFILED + 1).contains(quiet, "203.0.113.0/24");
  }

  @Test
  void atMostMaxFollowedPrefixesAreFollowedPerWindow() {
    VictimProfiles p = new VictimProfiles();
    p.follow(prefix -> prefix.startsWith("10.9."));
    for (int i = 0; i < VictimProfiles.MAX_FOLLOWED + 10; i++) {
      add(p, flow("192.0.2.1", "10.9." + i + ".1", 53, 1024, 17, null, 1, 100, null, null));
    }
    // The first eight fill the heaviest's places too: the followed ones are the next 64, the rest unprofiled.
    assertThat(p.profiled()).hasSize(VictimProfiles.MAX_FOLLOWED + VictimProfiles.PROFILED);
    assertThat(p.traffic("10.9.0.0/24", W)).isNotNull();
    assertThat(p.traffic("10.9." + (VictimProfiles.MAX_FOLLOWED + 9) + ".0/24", W)).isNull();
  }

  @Test
  void aPrefixIsReplacedOnlyByOneOfTwiceItsWindowCountSoTwoPrefixesDoNotEvictEachOtherByTurns() {
    VictimProfiles p = new VictimProfiles();
    for (int i = 0; i < VictimProfiles.PROFILED; i++) {
      for (int k = 0; k < 100; k++) add(p, flow("192.0.2.1", "10.0." + i + ".1", 1, 80, 6, 24, 1, 60, null, null));
    }
    // 10.1.0.0/24 reaches 201 packets in the window: twice the least profiled (100) and one more; it replaces it.
    for (int k = 0; k < 201; k++) add(p, flow("192.0.2.1", "10.1.0.1", 1, 80, 6, 24, 1, 60, null, null));
    assertThat(p.profiled()).contains("10.1.0.0/24").hasSize(VictimProfiles.PROFILED);
    assertThat(p.traffic("10.1.0.0/24", W).packets()).isEqualTo(1);
    // The one it replaced comes back to 150 packets: not twice the least profiled (100), so it stays out, and the
    // newcomer keeps its profile although it profiled one packet (the packets since admission do not decide).
    String evicted = java.util.stream.IntStream.range(0, VictimProfiles.PROFILED).mapToObj(i -> "10.0." + i + ".0/24")
        .filter(x -> !p.profiled().contains(x)).findFirst().orElseThrow();
    String host = evicted.replace(".0/24", ".1");
    for (int k = 0; k < 50; k++) add(p, flow("192.0.2.1", host, 1, 80, 6, 24, 1, 60, null, null));
    assertThat(p.profiled()).doesNotContain(evicted).contains("10.1.0.0/24");
  }

  @Test
  void flowsWithoutAPrefixCountNowhere() {
    VictimProfiles p = new VictimProfiles();
    add(p, flow("192.0.2.1", null, 1, 2, 6, 2, 1, 60, null, null));
    add(p, flow("192.0.2.1", "not-an-address", 1, 2, 6, 2, 1, 60, null, null));
    assertThat(p.profiled()).isEmpty();
    add(p, flow("192.0.2.1", "2001:db8::1", 1, 2, 6, 2, 1, 60, null, null));
    assertThat(p.profiled()).containsExactly("2001:db8::/64");
  }

  @Test
  void groupsAreCappedButTheTotalsCountEveryFlow() {
    VictimProfiles p = new VictimProfiles();
    for (int port = 1; port <= VictimProfiles.MAX_GROUPS + 500; port++) {
      add(p, flow("192.0.2.1", "203.0.113.9", 40_000, port, 17, null, 1, 100, null, null));
    }
    VictimTraffic t = p.traffic("203.0.113.0/24", W);
    assertThat(t.packets()).isEqualTo(VictimProfiles.MAX_GROUPS + 500);
    assertThat(t.vector().share()).as("the groups beyond the cap are not matched").isLessThan(1.0);
    assertThat(t.vector().protocols()).containsExactly(AttackVector.UDP);
  }
}
