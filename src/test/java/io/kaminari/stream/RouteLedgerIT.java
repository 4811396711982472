package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.incidents.Announcer;
import io.kaminari.testing.Gobgpd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RouteLedger} against a real GoBGP daemon: an incident's routes follow its states (a changed rule is announced
 * before the old one is withdrawn), and a withdrawal that fails while the API is down stays owed and is done by the
 * next retry once it answers again.
 */
class RouteLedgerIT {
  private static final List<String> RTBH = List.of("global", "rib", "-a", "ipv4", "add", "203.0.113.10/32",
      "nexthop", "192.0.2.1", "community", "65535:666,65535:65281");
  private static final List<String> SYN = List.of("global", "rib", "-a", "ipv4-flowspec", "add", "match",
      "destination", "203.0.113.10/32", "protocol", "tcp", "destination-port", "==80", "then", "discard");
  private static final List<String> WIDER = List.of("global", "rib", "-a", "ipv4-flowspec", "add", "match",
      "destination", "203.0.113.10/32", "protocol", "tcp", "destination-port", "==80", "packet-length",
      ">=40&<=80", "then", "discard");

  @TempDir Path tmp;

  @Test
  void anIncidentsRoutesFollowItsStatesAndAFailedWithdrawalIsRetriedUntilItIsDone() throws Exception {
    Path first = Files.createDirectories(tmp.resolve("first"));
    Path second = Files.createDirectories(tmp.resolve("second"));
    int port;
    RouteLedger ledger;
    try (Gobgpd gobgpd = Gobgpd.start(first)) {
      port = Integer.parseInt(gobgpd.address().substring(gobgpd.address().lastIndexOf(':') + 1));
      ledger = new RouteLedger(new Announcer.Gobgp(gobgpd.address()));
      RouteLedger.Outcome start = ledger.reconcile("a", List.of(RTBH, SYN), false);
      assertThat(start.announced()).containsExactly(RTBH, SYN);
      assertThat(start.errors()).isEmpty();
      assertThat(gobgpd.rib("ipv4")).contains("203.0.113.10/32");
      assertThat(gobgpd.rib("ipv4-flowspec")).contains("[destination-port: ==80]");

      RouteLedger.Outcome update = ledger.reconcile("a", List.of(RTBH, WIDER), false);
      assertThat(update.announced()).containsExactly(WIDER);
      assertThat(update.withdrawn()).containsExactly(SYN);
      assertThat(update.held()).containsExactly(RTBH, WIDER);
      String flowspec = gobgpd.rib("ipv4-flowspec");
      assertThat(flowspec.lines().filter(l -> l.startsWith("*>"))).hasSize(1);
      assertThat(flowspec).contains("[packet-length: >=40&<=80]");
    }

    // The API is down when the incident ends: nothing can be withdrawn, so everything stays owed.
    RouteLedger.Outcome end = ledger.reconcile("a", List.of(), true);
    assertThat(end.withdrawn()).isEmpty();
    assertThat(end.held()).containsExactly(RTBH, WIDER);
    assertThat(end.errors()).hasSize(2).allSatisfy(e -> assertThat(e).startsWith("gobgp global rib -a ipv4")
        .contains(" del ").contains("does not answer"));
    assertThat(ledger.holds("a")).isTrue();
    assertThat(ledger.owed()).isEqualTo(2);

    // It answers again (a router keeps its RIB across an API outage: put the routes back as they were).
    try (Gobgpd gobgpd = Gobgpd.start(second, port)) {
      assertThat(gobgpd.client(RTBH.toArray(String[]::new)).code()).isZero();
      assertThat(gobgpd.client(WIDER.toArray(String[]::new)).code()).isZero();
      var retried = ledger.retryEnded();
      assertThat(retried).containsOnlyKeys("a");
      assertThat(retried.get("a").withdrawn()).containsExactly(RTBH, WIDER);
      assertThat(retried.get("a").errors()).isEmpty();
      assertThat(ledger.holds("a")).isFalse();
      assertThat(ledger.owed()).isZero();
      assertThat(ledger.retryEnded()).as("nothing left owed").isEmpty();
      assertThat(gobgpd.rib("ipv4")).doesNotContain("203.0.113.10/32");
      assertThat(gobgpd.rib("ipv4-flowspec")).doesNotContain("203.0.113.10/32");
    }
  }
}
