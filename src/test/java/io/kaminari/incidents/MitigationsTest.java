package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.incidents.Mitigations.Decision;
import io.kaminari.incidents.Mitigations.Exposure;
import io.kaminari.incidents.Mitigations.Format;
import io.kaminari.incidents.Mitigations.Kind;
import io.kaminari.incidents.Mitigations.Options;
import io.kaminari.incidents.Mitigations.Proposal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MitigationsTest {
  static final Instant START = Instant.parse("2024-05-02T03:00:00Z");
  static final Instant LAST = Instant.parse("2024-05-02T03:10:00Z");
  static final Options BOTH = options("discard", Format.BOTH, 0.01, List.of());
  static final String PROPOSE = "NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one"
      + " is the operator's decision.";

  static Options options(String action, Format format, double maxBenignShare, List<String> neverBlackhole) {
    return new Options("192.0.2.1", "100::1", action, format, maxBenignShare, neverBlackhole, Duration.ofHours(1));
  }

  /** The text for {@code incident} when every proposal hits all 50 incident records and none of 200 before it. */
  static String propose(Incident incident, Options options) {
    List<Proposal> proposals = Mitigations.proposals(incident);
    List<Exposure> exposures = proposals.stream().map(p -> new Exposure(50, 50, 200, 0)).toList();
    return Mitigations.render(incident, Mitigations.decide(proposals, exposures, options), options, PROPOSE);
  }

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
    String text = propose(incident("global", "203.0.113.0/24", LAST,
        SYN, List.of("203.0.113.10 (98%)", "203.0.113.7 (1%)")), BOTH);
    assertThat(text).isEqualTo("""
        # Mitigation proposals for incident 0123456789abcdef (flow-ae v3, scope global)
        # victim 203.0.113.0/24, 2024-05-02T03:00:00Z .. 2024-05-02T03:10:00Z, peak 9000 pps / 3600000 bps, 2 anomalous windows
        # vector: tcp dst port 80 flags SYN, 40-60 bytes/packet (97% of packets)
        # NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's decision.

        # RTBH (RFC 7999): blackholes ALL traffic to the address, the attack's and everyone else's.
        # The victim 203.0.113.0/24 is a prefix: routes for its top destination(s) 203.0.113.10 (98%).
        # 203.0.113.10/32: hits 50 of its 50 flow records in the incident, 0 of 200 (0.0%) in the 1h before it
        exabgp: announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666 65535:65281]
        gobgp:  gobgp global rib -a ipv4 add 203.0.113.10/32 nexthop 192.0.2.1 community 65535:666,65535:65281

        # Flowspec (RFC 8955): matches the attack vector only, 97% of the victim's packets in the incident.
        # 203.0.113.10/32: hits 50 of its 50 flow records in the incident, 0 of 200 (0.0%) in the 1h before it
        exabgp: announce flow route { match { destination 203.0.113.10/32; protocol =tcp; destination-port =80; \
        tcp-flags syn&!ack; } then { discard; } }
        gobgp:  gobgp global rib -a ipv4-flowspec add match destination 203.0.113.10/32 protocol tcp \
        destination-port '==80' tcp-flags 'S&!A' then discard
        """);
  }

  @Test
  void dnsReflectionOnAnIpv6AddressMatchesTheSourcePortAndLengths() {
    Options gobgpRateLimit = options("rate-limit:125000", Format.GOBGP, 0.01, List.of());
    String text = propose(incident("dst-prefix", "2001:db8::10/128", null, DNS,
        List.of("2001:db8::10 (100%)")), gobgpRateLimit);
    assertThat(text).isEqualTo("""
        # Mitigation proposals for incident 0123456789abcdef (flow-ae v3, scope dst-prefix)
        # victim 2001:db8::10/128, 2024-05-02T03:00:00Z .. still open at 2024-05-02T03:10:00Z, peak 9000 pps / 3600000 bps, 2 anomalous windows
        # vector: udp src port 53 (reflection) to any port, 1305-1500 bytes/packet (99% of packets)
        # NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's decision.

        # RTBH (RFC 7999): blackholes ALL traffic to the address, the attack's and everyone else's.
        # 2001:db8::10/128: hits 50 of its 50 flow records in the incident, 0 of 200 (0.0%) in the 1h before it
        gobgp:  gobgp global rib -a ipv6 add 2001:db8::10/128 nexthop 100::1 community 65535:666,65535:65281

        # Flowspec (RFC 8955): matches the attack vector only, 99% of the victim's packets in the incident.
        # 2001:db8::10/128: hits 50 of its 50 flow records in the incident, 0 of 200 (0.0%) in the 1h before it
        gobgp:  gobgp global rib -a ipv6-flowspec add match destination 2001:db8::10/128 protocol udp \
        source-port '==53' packet-length '>=1305&<=1500' then rate-limit 125000
        """);
    String exa = propose(incident("dst-prefix", "2001:db8::10/128", null, DNS, List.of()),
        options("discard", Format.EXABGP, 0.01, List.of()));
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
    String flow = FlowspecRule.of("203.0.113.30/32", ntpAndDns).exabgp("discard");
    assertThat(flow).isEqualTo("announce flow route { match { destination 203.0.113.30/32; protocol =udp;"
        + " source-port [ =123 =53 ]; packet-length >=468&<=1500; } then { discard; } }");
    assertThat(FlowspecRule.of("203.0.113.30/32", ntpAndDns).gobgp("discard")).isEqualTo("gobgp global rib -a"
        + " ipv4-flowspec add match destination 203.0.113.30/32 protocol udp source-port '==123' '==53'"
        + " packet-length '>=468&<=1500' then discard");
  }

  @Test
  void aPrefixWithNoDominantAddressGetsNoRtbhAndAPrefixRule() {
    String text = propose(incident("dst-prefix", "203.0.113.0/24", LAST, SYN,
        List.of("203.0.113.1 (20%)", "203.0.113.2 (20%)")), BOTH);
    assertThat(text).contains("# No RTBH route proposed: the victim 203.0.113.0/24 is a prefix and no single address"
        + " in it carries 25% of its packets (top destinations: 203.0.113.1 (20%), 203.0.113.2 (20%)); blackholing"
        + " the whole prefix would cut it off entirely.")
        .doesNotContain("announce route")
        .contains("match { destination 203.0.113.0/24; protocol =tcp;");
  }

  @Test
  void noFlowsMeansNoFlowspecRule() {
    String text = propose(incident("dst-prefix", "203.0.113.10/32", LAST, AttackVector.none(), List.of()),
        BOTH);
    assertThat(text).contains("announce route 203.0.113.10/32")
        .contains("# No Flowspec rule proposed: no flows to the victim in the incident's windows")
        .doesNotContain("flow route");
  }

  @Test
  void rejectsUnknownFormatsAndActions() {
    assertThat(Format.parse("GoBGP")).isEqualTo(Format.GOBGP);
    assertThatThrownBy(() -> Format.parse("bird")).hasMessageContaining("exabgp, gobgp or both");
    assertThatThrownBy(() -> options("drop", Format.BOTH, 0.01, List.of()))
        .hasMessageContaining("discard or rate-limit:N");
    assertThatThrownBy(() -> options("discard", Format.BOTH, 1.5, List.of())).hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> options("discard", Format.BOTH, 0.01, List.of("10.0.0.0")))
        .hasMessageContaining("'10.0.0.0' is not a prefix");
    assertThatThrownBy(() -> options("discard", Format.BOTH, 0.01, List.of("10.0.0.300/8")))
        .hasMessageContaining("'10.0.0.300/8' is not a prefix");
    assertThat(options("discard", Format.BOTH, 0.01, List.of("10.1.2.3/8", "2001:db8::1/32")).neverBlackhole())
        .containsExactly("10.0.0.0/8", "2001:db8::/32");
  }

  @Test
  void aSynFloodRuleHitsEveryFlowThatMayOpenWithASynAndNothingElse() {
    FlowspecRule rule = FlowspecRule.of("203.0.113.10/32", SYN);
    assertThat(rule.mayHit("203.0.113.10", 6, 40_000, 80, 2, 40)).as("the flood's SYN-only flow").isTrue();
    // A benign connection's flow record ORs SYN, ACK, PSH and FIN: its opening SYN matches syn&!ack and is dropped.
    assertThat(rule.mayHit("203.0.113.10", 6, 40_001, 80, 0x1b, 600)).as("a benign connection").isTrue();
    assertThat(rule.mayHit("203.0.113.10", 6, 40_002, 80, 0, 600)).as("an exporter without flags").isTrue();
    assertThat(rule.mayHit("203.0.113.10", 6, 40_003, 80, 0x18, 600)).as("mid-connection, no SYN").isFalse();
    assertThat(rule.mayHit("203.0.113.10", 6, 40_000, 443, 2, 40)).as("another port").isFalse();
    assertThat(rule.mayHit("203.0.113.11", 6, 40_000, 80, 2, 40)).as("another address").isFalse();
    assertThat(rule.mayHit("203.0.113.10", 17, 40_000, 80, 0, 40)).as("udp").isFalse();
    assertThat(rule.lengthMin()).as("ports and flags discriminate; lengths would only narrow").isNull();
  }

  @Test
  void aReflectionRuleHitsLargeAnswersFromTheAmplifierPortOnly() {
    FlowspecRule rule = FlowspecRule.of("2001:db8::10/128", DNS);
    assertThat(rule.mayHit("2001:db8::10", 17, 53, 31_337, 0, 1400)).isTrue();
    assertThat(rule.mayHit("2001:db8::10", 17, 53, 31_337, 0, 90)).as("an ordinary DNS answer").isFalse();
    assertThat(rule.mayHit("2001:db8::10", 17, 5353, 31_337, 0, 1400)).as("another source port").isFalse();
    assertThat(rule.mayHit("2001:db8::11", 17, 53, 31_337, 0, 1400)).isFalse();
    assertThatThrownBy(() -> FlowspecRule.of("203.0.113.10/32", AttackVector.none()))
        .hasMessageContaining("needs a protocol");
  }

  @Test
  void aFragmentedReflectionGetsASecondRuleForItsNonFirstFragments() {
    AttackVector fragmented = new AttackVector(List.of(17), List.of(), List.of(53), null, 1480, 1500, 0.95, true);
    String text = propose(incident("global", "203.0.113.10/32", LAST, fragmented, List.of("203.0.113.10 (100%)")),
        BOTH);
    assertThat(text).contains("# vector: udp src port 53 (reflection) and its non-first fragments to any port,"
        + " 1480-1500 bytes/packet (95% of packets)")
        .contains("exabgp: announce flow route { match { destination 203.0.113.10/32; protocol =udp; source-port =53;"
            + " packet-length >=1480&<=1500; } then { discard; } }")
        .contains("exabgp: announce flow route { match { destination 203.0.113.10/32; protocol =udp;"
            + " fragment is-fragment; } then { discard; } }")
        .contains("gobgp:  gobgp global rib -a ipv4-flowspec add match destination 203.0.113.10/32 protocol udp"
            + " fragment is-fragment then discard");
    List<FlowspecRule> rules = Mitigations.flowspecRules("203.0.113.10/32", fragmented);
    assertThat(rules).hasSize(2);
    FlowspecRule fragments = rules.get(1);
    assertThat(fragments.fragments()).isTrue();
    assertThat(fragments.mayHit("203.0.113.10", 17, 0, 0, 0, 1480)).as("a record of non-first fragments").isTrue();
    assertThat(fragments.mayHit("203.0.113.10", 17, 0, 0, 0, 60)).as("of any length: the last is short").isTrue();
    assertThat(fragments.mayHit("203.0.113.10", 17, 53, 40_000, 0, 1480)).as("a datagram with ports").isFalse();
    assertThat(fragments.mayHit("203.0.113.10", 6, 0, 0, 0, 1480)).as("tcp").isFalse();
    assertThat(fragments.mayHit("203.0.113.11", 17, 0, 0, 0, 1480)).isFalse();
    assertThat(Mitigations.flowspecRules("203.0.113.10/32", DNS)).as("no fragments, one rule").hasSize(1);
    assertThatThrownBy(() -> new FlowspecRule("203.0.113.10/32", List.of(17), List.of(53), List.of(), null, null,
        null, true)).hasMessageContaining("carry no transport header");
  }

  @Test
  void dropsThatHitTooMuchOfTheVictimsTrafficBeforeTheIncidentAreRefused() {
    Incident flood = incident("global", "203.0.113.10/32", LAST, SYN, List.of("203.0.113.10 (100%)"));
    List<Proposal> proposals = Mitigations.proposals(flood);
    assertThat(proposals).extracting(Proposal::kind).containsExactly(Kind.RTBH, Kind.FLOWSPEC);
    // The route hits all 200 records before the incident, the rule 2 of them (1%, exactly the limit).
    List<Exposure> exposures = List.of(new Exposure(50, 50, 200, 200), new Exposure(50, 49, 200, 2));
    List<Decision> discard = Mitigations.decide(proposals, exposures, BOTH);
    assertThat(discard.get(0).refusal()).isEqualTo("it would drop 100.0% of the flow records to 203.0.113.10/32 in"
        + " the 1h before the incident (200 of 200), more than mitigation.max-benign-share 1.0%");
    assertThat(discard.get(1).allowed()).as("at the limit").isTrue();
    String text = Mitigations.render(flood, discard, BOTH, PROPOSE);
    assertThat(text).contains("""
        # 203.0.113.10/32: hits 50 of its 50 flow records in the incident, 200 of 200 (100.0%) in the 1h before it
        # REFUSED: it would drop 100.0% of the flow records to 203.0.113.10/32 in the 1h before the incident (200 of \
        200), more than mitigation.max-benign-share 1.0%.
        """).doesNotContain("announce route").contains("exabgp: announce flow route");
    assertThat(Mitigations.exabgpCommands(discard, BOTH)).containsExactly(
        "announce flow route { match { destination 203.0.113.10/32; protocol =tcp; destination-port =80;"
            + " tcp-flags syn&!ack; } then { discard; } }");

    List<Exposure> more = List.of(new Exposure(50, 50, 0, 0), new Exposure(50, 49, 200, 3));
    List<Decision> strict = Mitigations.decide(proposals, more, BOTH);
    assertThat(strict).extracting(Decision::allowed)
        .as("no traffic before: nothing benign to spare; 1.5% > 1%").containsExactly(true, false);
    assertThat(strict.get(1).refusal()).endsWith(
        "; as a rate limit (mitigation.flowspec-action=rate-limit:N) it is not refused");
    Options rateLimit = options("rate-limit:125000", Format.BOTH, 0.01, List.of());
    assertThat(Mitigations.decide(proposals, more, rateLimit)).extracting(Decision::allowed)
        .as("a rate limit throttles, it does not drop").containsExactly(true, true);
  }

  @Test
  void theAllowListProtectsAddressesFromRtbhButNotFromAFlowspecRule() {
    Incident flood = incident("global", "203.0.113.0/24", LAST, SYN, List.of("203.0.113.10 (98%)"));
    List<Proposal> proposals = Mitigations.proposals(flood);
    List<Exposure> none = List.of(new Exposure(50, 50, 0, 0), new Exposure(50, 50, 0, 0));
    Options guarded = options("discard", Format.EXABGP, 0.01, List.of("203.0.112.0/23"));
    List<Decision> decisions = Mitigations.decide(proposals, none, guarded);
    assertThat(decisions.get(0).refusal())
        .isEqualTo("203.0.113.10/32 lies in 203.0.112.0/23, which mitigation.never-blackhole protects");
    assertThat(decisions.get(1).allowed()).isTrue();
    assertThat(Mitigations.decide(proposals, none, options("discard", Format.EXABGP, 0.01, List.of("2001:db8::/32"))))
        .allSatisfy(d -> assertThat(d.allowed()).isTrue());
    assertThatThrownBy(() -> Mitigations.decide(proposals, none.subList(0, 1), guarded))
        .hasMessageContaining("2 proposals but 1 exposures");
  }
}
