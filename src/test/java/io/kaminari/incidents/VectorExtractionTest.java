package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VectorExtractionTest {
  static TrafficGroup g(int proto, int dst, int src, int flags, long packets, int minLen, int maxLen) {
    return new TrafficGroup(proto, dst, src, flags, packets, packets * minLen, packets, minLen, maxLen);
  }

  @Test
  void aSynFloodIsTcpToItsPortWithSynOnly() {
    List<TrafficGroup> groups = List.of(
        g(6, 80, -1, 2, 9_000, 40, 60), // the flood
        g(6, 80, -1, 27, 300, 60, 1400), // benign web: SYN+ACK+PSH+FIN
        g(6, 443, -1, 27, 200, 60, 1400),
        g(17, 53, -1, 0, 100, 80, 120));
    AttackVector v = VectorExtraction.extract(groups, 9_600);
    assertThat(v.protocols()).containsExactly(6);
    assertThat(v.dstPorts()).containsExactly(80);
    assertThat(v.reflectedSrcPorts()).isEmpty();
    assertThat(v.tcpFlags()).isEqualTo(2);
    assertThat(v.packetLengthMin()).isEqualTo(40);
    assertThat(v.packetLengthMax()).isEqualTo(60);
    assertThat(v.share()).isEqualTo(9_000 / 9_600.0);
    assertThat(v.describe()).isEqualTo("tcp dst port 80 flags SYN, 40-60 bytes/packet (94% of packets)");
  }

  @Test
  void aReflectionIsUdpFromTheAmplifierPortToAnyPort() {
    List<TrafficGroup> groups = new ArrayList<>();
    for (int port = 1024; port < 1124; port++) groups.add(g(17, port, 53, 0, 80, 1305, 1500)); // 100 random ports
    groups.add(g(6, 443, -1, 24, 500, 52, 1400));
    AttackVector v = VectorExtraction.extract(groups, 8_500);
    assertThat(v.protocols()).containsExactly(17);
    assertThat(v.reflectedSrcPorts()).containsExactly(53);
    assertThat(v.dstPorts()).as("spread over 100 ports: any port").isEmpty();
    assertThat(v.tcpFlags()).isNull();
    assertThat(v.reflection()).isTrue();
    assertThat(v.describe())
        .isEqualTo("udp src port 53 (reflection) to any port, 1305-1500 bytes/packet (94% of packets)");
  }

  @Test
  void aReflectionsNonFirstFragmentsJoinItWhenHeavy() {
    List<TrafficGroup> groups = new ArrayList<>();
    for (int port = 1024; port < 1124; port++) groups.add(g(17, port, 53, 0, 80, 1305, 1500));
    groups.add(g(17, 0, -1, 0, 6_000, 60, 1500)); // records from port 0 to port 0: the non-first fragments
    groups.add(g(6, 443, -1, 24, 500, 52, 1400));
    AttackVector v = VectorExtraction.extract(groups, 14_500);
    assertThat(v.fragments()).isTrue();
    assertThat(v.reflectedSrcPorts()).as("port 0 is no service").containsExactly(53);
    assertThat(v.packetLengthMin()).as("the answers' lengths, not the fragments'").isEqualTo(1305);
    assertThat(v.share()).isEqualTo(14_000 / 14_500.0);
    assertThat(v.describe()).isEqualTo("udp src port 53 (reflection) and its non-first fragments to any port,"
        + " 1305-1500 bytes/packet (97% of packets)");

    // A few fragments (under 10% of the packets) are not the attack's; without a reflection there are none.
    List<TrafficGroup> few = new ArrayList<>(groups.subList(0, 100));
    few.add(g(17, 0, -1, 0, 500, 60, 1500));
    assertThat(VectorExtraction.extract(few, 8_500).fragments()).isFalse();
    AttackVector flood = VectorExtraction.extract(List.of(g(17, 0, -1, 0, 900, 1500, 1500), g(17, 9, -1, 0, 100, 80,
        80)), 1_000);
    assertThat(flood.reflection()).isFalse();
    assertThat(flood.fragments()).isFalse();
  }

  @Test
  void aTcpReflectionIsTcpFromTheServersPortsToAnyPortWhateverItsFlags() {
    List<TrafficGroup> groups = new ArrayList<>();
    for (int port = 30_000; port < 30_100; port++) {
      groups.add(g(6, port, 80, 18, 60, 44, 60)); // SYN-ACKs from web servers to the spoofed ports
      groups.add(g(6, port, 443, 4, 20, 40, 40)); // RSTs from closed ones
    }
    groups.add(g(6, 22, -1, 27, 300, 60, 1400)); // the victim's own SSH clients
    AttackVector v = VectorExtraction.extract(groups, 8_300);
    assertThat(v.reflectedSrcPorts()).containsExactly(80, 443);
    assertThat(v.tcpFlags()).as("SYN-ACK and RST: the ports discriminate, not the flags").isNull();
    assertThat(v.share()).as("port 80 alone is 72%, under the 80% cover").isEqualTo(8_000 / 8_300.0);
    assertThat(v.describe()).isEqualTo("tcp src port 80,443 (reflection) to any port, 40-60 bytes/packet (96% of"
        + " packets)");
    FlowspecRule rule = FlowspecRule.of("203.0.113.5/32", v);
    assertThat(rule.exabgp("discard")).isEqualTo("announce flow route { match { destination 203.0.113.5/32;"
        + " protocol =tcp; source-port [ =80 =443 ]; } then { discard; } }");
    assertThat(rule.mayHit("203.0.113.5", 6, 443, 51_000, 0x14, 40)).as("a RST-ACK answer").isTrue();
    assertThat(rule.mayHit("203.0.113.5", 6, 51_000, 22, 0x1b, 600)).as("a client of the victim").isFalse();

    // Openings are no reflection, whatever their source ports: a SYN flood from port 80 keeps its flags.
    List<TrafficGroup> syn = new ArrayList<>();
    for (int port = 30_000; port < 30_100; port++) syn.add(g(6, port, 80, 2, 60, 40, 40));
    AttackVector flood = VectorExtraction.extract(syn, 6_000);
    assertThat(flood.reflection()).isFalse();
    assertThat(flood.tcpFlags()).isEqualTo(2);
    // Answers from spread ports (an ACK flood) are none either.
    List<TrafficGroup> ack = new ArrayList<>();
    for (int port = 30_000; port < 30_100; port++) ack.add(g(6, port, -1, 16, 60, 40, 40));
    assertThat(VectorExtraction.extract(ack, 6_000).reflection()).isFalse();
    assertThat(TrafficGroup.srcKey(6, 443)).isEqualTo(443);
    assertThat(TrafficGroup.srcKey(6, 1023)).as("no service: a SYN flood's random source port").isEqualTo(-1);
    assertThat(TrafficGroup.srcKey(17, 37810)).as("Dahua DHDiscover answers").isEqualTo(37810);
    assertThat(TrafficGroup.srcKey(17, 70_000)).as("no port").isEqualTo(-1);
    assertThat(TrafficGroup.srcKey(6, -1)).isEqualTo(-1);
  }

  @Test
  void aMixOfProtocolsKeepsTheHeavyOnesAndNoFlags() {
    List<TrafficGroup> groups = List.of(g(6, 80, -1, 2, 500, 40, 40), g(1, 0, -1, 0, 450, 84, 84),
        g(17, 5000, -1, 0, 50, 100, 100));
    AttackVector v = VectorExtraction.extract(groups, 1_000);
    assertThat(v.protocols()).containsExactly(6, 1);
    assertThat(v.dstPorts()).as("icmp has no ports").isEmpty();
    assertThat(v.tcpFlags()).isNull();
    assertThat(v.share()).isEqualTo(0.95);
    assertThat(v.describe()).isEqualTo("tcp+icmp, 40-84 bytes/packet (95% of packets)");
  }

  @Test
  void noTrafficIsNoVector() {
    assertThat(VectorExtraction.extract(List.of(), 0)).isEqualTo(AttackVector.none());
    assertThat(AttackVector.none().describe()).isEqualTo("no flows to the victim");
  }

  @Test
  void aSmallSourcePortShareIsNoReflection() {
    // 5% of packets from port 123 is benign NTP, not the attack.
    List<TrafficGroup> groups = List.of(g(17, 9999, -1, 0, 950, 1000, 1200), g(17, 40000, 123, 0, 50, 76, 76));
    AttackVector v = VectorExtraction.extract(groups, 1_000);
    assertThat(v.reflectedSrcPorts()).isEmpty();
    assertThat(v.dstPorts()).containsExactly(9999);
    assertThat(AttackVector.flagNames(18)).isEqualTo("SYN+ACK");
  }
}
