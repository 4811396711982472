package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.incidents.Mitigations.Format;
import io.kaminari.incidents.Mitigations.Options;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MitigationsTest {
  static final Instant START = Instant.parse("2024-05-02T03:00:00Z");
  static final Instant LAST = Instant.parse("2024-05-02T03:10:00Z");
  static final Options BOTH = new Options("192.0.2.1", "100::1", "discard", Format.BOTH);

  static Incident incident(String scope, String victim, Instant end, AttackVector vector, List<String> destinations) {
    IncidentSpan span = new IncidentSpan("0123456789abcdef", "flow-ae", scope, victim, START, LAST, end, 2, 5.5, 300,
        true);
    return new Incident(span, 3, 9_000, 3_600_000, 200, 2_700_000, 135_000_000, 60_000, vector,
        List.of("198.51.100.7 (1%)"), 60_000, List.of(), destinations);
  }

  static final AttackVector SYN = new AttackVector(List.of(6), List.of(80), List.of(), 2, 40, 60, 0.97);
  static final AttackVector DNS = new AttackVector(List.of(17), List.of(), List.of(53), null, 1305, 1500, 0.99);

  @Test
  void synFloodOnAnIpv4PrefixProposesTheTopDestination() {
    String text = Mitigations.propose(incident("global", "203.0.113.0/24", LAST,
        SYN, List.of("203.0.113.10 (98%)", "203.0.113.7 (1%)")), BOTH);
    assertThat(text).isEqualTo("""
        # Mitigation proposals for incident 0123456789abcdef (flow-ae v3, scope global)
        # victim 203.0.113.0/24, 2024-05-02T03:00:00Z .. 2024-05-02T03:10:00Z, peak 9000 pps / 3600000 bps, 2 anomalous windows
        # vector: tcp dst port 80 flags SYN, 40-60 bytes/packet (97% of packets)
        # NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's decision.

        # RTBH (RFC 7999): blackholes ALL traffic to the address, the attack's and everyone else's.
        # The victim 203.0.113.0/24 is a prefix: routes for its top destination(s) 203.0.113.10 (98%).
        exabgp: announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666 65535:65281]
        gobgp:  gobgp global rib -a ipv4 add 203.0.113.10/32 nexthop 192.0.2.1 community 65535:666,65535:65281

        # Flowspec (RFC 8955): matches the attack vector only, 97% of the victim's packets in the incident.
        exabgp: announce flow route { match { destination 203.0.113.10/32; protocol =tcp; destination-port =80; \
        tcp-flags syn&!ack; } then { discard; } }
        gobgp:  gobgp global rib -a ipv4-flowspec add match destination 203.0.113.10/32 protocol tcp \
        destination-port '==80' tcp-flags 'S&!A' then discard
        """);
  }

  @Test
  void dnsReflectionOnAnIpv6AddressMatchesTheSourcePortAndLengths() {
    Options gobgpRateLimit = new Options("192.0.2.1", "100::1", "rate-limit:125000", Format.GOBGP);
    String text = Mitigations.propose(incident("dst-prefix", "2001:db8::10/128", null, DNS,
        List.of("2001:db8::10 (100%)")), gobgpRateLimit);
    assertThat(text).isEqualTo("""
        # Mitigation proposals for incident 0123456789abcdef (flow-ae v3, scope dst-prefix)
        # victim 2001:db8::10/128, 2024-05-02T03:00:00Z .. still open at 2024-05-02T03:10:00Z, peak 9000 pps / 3600000 bps, 2 anomalous windows
        # vector: udp src port 53 (reflection) to any port, 1305-1500 bytes/packet (99% of packets)
        # NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's decision.

        # RTBH (RFC 7999): blackholes ALL traffic to the address, the attack's and everyone else's.
        gobgp:  gobgp global rib -a ipv6 add 2001:db8::10/128 nexthop 100::1 community 65535:666,65535:65281

        # Flowspec (RFC 8955): matches the attack vector only, 99% of the victim's packets in the incident.
        gobgp:  gobgp global rib -a ipv6-flowspec add match destination 2001:db8::10/128 protocol udp \
        source-port '==53' packet-length '>=1305&<=1500' then rate-limit 125000
        """);
    String exa = Mitigations.propose(incident("dst-prefix", "2001:db8::10/128", null, DNS, List.of()),
        new Options("192.0.2.1", "100::1", "discard", Format.EXABGP));
    assertThat(exa).contains("""
        exabgp: announce route 2001:db8::10/128 next-hop 100::1 community [65535:666 65535:65281]
        """).contains("""
        exabgp: announce flow route { match { destination 2001:db8::10/128/0; next-header =udp; source-port =53; \
        packet-length >=1305&<=1500; } then { discard; } }
        """).doesNotContain("gobgp");
  }

  @Test
  void ipv4ReflectionFromTwoAmplifierPorts() {
    AttackVector ntpAndDns = new AttackVector(List.of(17), List.of(), List.of(123, 53), null, 468, 1500, 0.9);
    String flow = Mitigations.exabgpFlow("203.0.113.30/32", ntpAndDns, BOTH);
    assertThat(flow).isEqualTo("announce flow route { match { destination 203.0.113.30/32; protocol =udp;"
        + " source-port [ =123 =53 ]; packet-length >=468&<=1500; } then { discard; } }");
    assertThat(Mitigations.gobgpFlow("203.0.113.30/32", ntpAndDns, BOTH)).isEqualTo("gobgp global rib -a"
        + " ipv4-flowspec add match destination 203.0.113.30/32 protocol udp source-port '==123' '==53'"
        + " packet-length '>=468&<=1500' then discard");
  }

  @Test
  void aPrefixWithNoDominantAddressGetsNoRtbhAndAPrefixRule() {
    String text = Mitigations.propose(incident("dst-prefix", "203.0.113.0/24", LAST, SYN,
        List.of("203.0.113.1 (20%)", "203.0.113.2 (20%)")), BOTH);
    assertThat(text).contains("# No RTBH route proposed: the victim 203.0.113.0/24 is a prefix and no single address"
        + " in it carries 25% of its packets (top destinations: 203.0.113.1 (20%), 203.0.113.2 (20%)); blackholing"
        + " the whole prefix would cut it off entirely.")
        .doesNotContain("announce route")
        .contains("match { destination 203.0.113.0/24; protocol =tcp;");
  }

  @Test
  void noFlowsMeansNoFlowspecRule() {
    String text = Mitigations.propose(incident("dst-prefix", "203.0.113.10/32", LAST, AttackVector.none(), List.of()),
        BOTH);
    assertThat(text).contains("announce route 203.0.113.10/32")
        .contains("# No Flowspec rule proposed: no flows to the victim in the incident's windows")
        .doesNotContain("flow route");
  }

  @Test
  void rejectsUnknownFormatsAndActions() {
    assertThat(Format.parse("GoBGP")).isEqualTo(Format.GOBGP);
    assertThatThrownBy(() -> Format.parse("bird")).hasMessageContaining("exabgp, gobgp or both");
    assertThatThrownBy(() -> new Options("192.0.2.1", "100::1", "drop", Format.BOTH))
        .hasMessageContaining("discard or rate-limit:N");
  }
}
