package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.incidents.Mitigations.Decision;
import io.kaminari.incidents.Mitigations.Exposure;
import io.kaminari.incidents.Mitigations.Format;
import io.kaminari.incidents.Mitigations.Options;
import io.kaminari.incidents.Mitigations.Proposal;
import io.kaminari.testing.Gobgpd;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mitigation.mode=announce} against a real GoBGP daemon: every shape of proposal Kaminari makes (RTBH for IPv4
 * and IPv6, Flowspec with destination ports and TCP flags, reflection source ports, packet lengths, non-first
 * fragments, a prefix, discard and rate limit) is accepted by GoBGP and lands in its RIB as the rule that was printed;
 * refused proposals are not sent, and each is withdrawn again without a trace; an API that does not answer gets
 * nothing, and a route GoBGP refuses names what was sent before it.
 */
class GobgpApiIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** The decisions for {@code incident} when no proposal hits anything before it (all allowed but the listed). */
  private static List<Decision> decisions(Incident incident, Options options) {
    List<Proposal> proposals = Mitigations.proposals(incident);
    return Mitigations.decide(proposals, proposals.stream().map(p -> new Exposure(50, 50, 200, 0)).toList(), options);
  }

  @Test
  void everyShapeOfProposalLandsInGobgpsRibAsPrinted(@TempDir Path dir) throws Exception {
    Options discard = MitigationsTest.options("discard", Format.GOBGP, 0.01, List.of("198.51.100.0/24"));
    Options rateLimit = MitigationsTest.options("rate-limit:125000", Format.GOBGP, 0.01, List.of());
    AttackVector ntpAndDns = new AttackVector(List.of(17), List.of(), List.of(123, 53), null, 468, 1500, 0.9);
    AttackVector anyPortUdp = new AttackVector(List.of(17), List.of(), List.of(), null, 1000, 1400, 0.9);
    AttackVector fragmentedDns = new AttackVector(List.of(17), List.of(), List.of(53), null, 1500, 1500, 0.9, true);
    List<Decision> syn = decisions(MitigationsTest.incident("global", "203.0.113.10/32", MitigationsTest.LAST,
        MitigationsTest.SYN, List.of("203.0.113.10 (100%)")), discard);
    List<Decision> dns = decisions(MitigationsTest.incident("dst-prefix", "2001:db8::10/128", null,
        MitigationsTest.DNS, List.of("2001:db8::10 (100%)")), rateLimit);
    List<Decision> reflection = decisions(MitigationsTest.incident("dst-prefix", "203.0.113.0/24", null, ntpAndDns,
        List.of("203.0.113.1 (20%)", "203.0.113.2 (20%)")), discard);
    List<Decision> listed = decisions(MitigationsTest.incident("global", "198.51.100.7/32", null, anyPortUdp,
        List.of("198.51.100.7 (100%)")), discard);
    assertThat(listed.get(0).allowed()).as("198.51.100.0/24 is never blackholed").isFalse();
    List<Decision> fragmented = decisions(MitigationsTest.incident("global", "203.0.113.30/32", null, fragmentedDns,
        List.of("203.0.113.30 (100%)")), discard);

    try (Gobgpd gobgpd = Gobgpd.start(dir)) {
      for (List<Decision> d : List.of(syn, dns, reflection, listed, fragmented)) {
        Options options = d == dns ? rateLimit : discard;
        List<List<String>> routes = Mitigations.gobgpCommands(d, options);
        // What runs is what `kaminari mitigate` printed for a person to review.
        assertThat(routes.stream().map(GobgpApi::commandLine).toList()).containsExactlyElementsOf(d.stream()
            .filter(Decision::allowed).map(x -> Mitigations.gobgp(x.proposal(), options)).toList());
        GobgpApi.announce(gobgpd.address(), routes, TIMEOUT);
      }
      assertThat(gobgpd.rib("ipv4")).contains("203.0.113.10/32").contains("192.0.2.1")
          .contains("{Communities: blackhole, no-export}").as("refused: never blackholed")
          .doesNotContain("198.51.100.7/32");
      assertThat(gobgpd.rib("ipv6")).contains("2001:db8::10/128").contains("100::1")
          .contains("{Communities: blackhole, no-export}");
      String v4 = gobgpd.rib("ipv4-flowspec");
      assertThat(v4.lines().filter(l -> l.startsWith("*>"))).hasSize(5);
      assertThat(v4).contains("[destination: 203.0.113.10/32][protocol: ==tcp][destination-port: ==80]"
              + "[tcp-flags: S&!A]")
          .contains("[destination: 203.0.113.0/24][protocol: ==udp][source-port: ==123 ==53]"
              + "[packet-length: >=468&<=1500]")
          .contains("[destination: 198.51.100.7/32][protocol: ==udp][packet-length: >=1000&<=1400]")
          .contains("[destination: 203.0.113.30/32][protocol: ==udp][source-port: ==53][packet-length: >=1500&<=1500]")
          .contains("[destination: 203.0.113.30/32][protocol: ==udp][fragment: is-fragment]")
          .contains("{Extcomms: [discard]}");
      assertThat(gobgpd.rib("ipv6-flowspec")).contains("[destination: 2001:db8::10/128/0][protocol: ==udp]"
          + "[source-port: ==53][packet-length: >=1305&<=1500]").contains("[rate: 125000.000000]");

      // Withdrawn the same way (mitigation.mode=auto when an incident resolves): every route leaves the RIB, and a
      // second withdrawal of the same routes is harmless.
      for (int twice = 0; twice < 2; twice++) {
        for (List<Decision> d : List.of(syn, dns, reflection, listed, fragmented)) {
          GobgpApi.withdraw(gobgpd.address(), Mitigations.gobgpCommands(d, d == dns ? rateLimit : discard), TIMEOUT);
        }
      }
      for (String family : List.of("ipv4", "ipv6", "ipv4-flowspec", "ipv6-flowspec")) {
        assertThat(gobgpd.rib(family)).as(family).doesNotContain("*>");
      }
    }
  }

  @Test
  void anApiThatDoesNotAnswerGetsNothingAndARefusedRouteNamesWhatWasSentBeforeIt(@TempDir Path dir)
      throws Exception {
    List<String> route = List.of("global", "rib", "-a", "ipv4", "add", "203.0.113.20/32", "nexthop", "192.0.2.1",
        "community", "65535:666");
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    assertThatThrownBy(() -> GobgpApi.announce("127.0.0.1:" + closed, List.of(route), TIMEOUT))
        .isInstanceOf(IOException.class).hasMessageContaining("does not answer")
        .hasMessageEndingWith("nothing announced");

    List<String> bogus = List.of("global", "rib", "-a", "ipv4-flowspec", "add", "match", "destination",
        "203.0.113.20/32", "protocol", "bogus", "then", "discard");
    try (Gobgpd gobgpd = Gobgpd.start(dir)) {
      assertThatThrownBy(() -> GobgpApi.announce(gobgpd.address(), List.of(route, bogus), TIMEOUT))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("refused route 2 of 2 (gobgp global rib -a ipv4-flowspec add match destination"
              + " 203.0.113.20/32 protocol bogus then discard)")
          .hasMessageContaining("invalid argument for protocol: bogus")
          .hasMessageContaining("announced before it: [gobgp global rib -a ipv4 add 203.0.113.20/32 nexthop"
              + " 192.0.2.1 community 65535:666]");
      assertThat(gobgpd.rib("ipv4")).contains("203.0.113.20/32");
      assertThat(gobgpd.rib("ipv4-flowspec")).doesNotContain("203.0.113.20/32");
    }
  }
}
