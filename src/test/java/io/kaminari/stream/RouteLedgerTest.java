package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RouteLedger#plan}: what an incident's new state announces, withdraws, and leaves to another incident. */
class RouteLedgerTest {
  private static final List<String> RTBH = List.of("global", "rib", "-a", "ipv4", "add", "203.0.113.10/32");
  private static final List<String> SYN = List.of("global", "rib", "-a", "ipv4-flowspec", "add", "syn");
  private static final List<String> WIDER = List.of("global", "rib", "-a", "ipv4-flowspec", "add", "syn-wider");

  @Test
  void aNewIncidentAnnouncesWhatItWantsOnce() {
    RouteLedger.Plan p = RouteLedger.plan(Map.of(), "a", List.of(SYN, RTBH, SYN));
    assertThat(p.announce()).containsExactly(SYN, RTBH);
    assertThat(p.withdraw()).isEmpty();
    assertThat(p.release()).isEmpty();
  }

  @Test
  void aChangedRuleIsAnnouncedAndTheOldOneWithdrawnWhileAnUnchangedOneIsLeftAlone() {
    RouteLedger.Plan p = RouteLedger.plan(Map.of("a", List.of(SYN, RTBH)), "a", List.of(WIDER, RTBH));
    assertThat(p.announce()).containsExactly(WIDER);
    assertThat(p.withdraw()).containsExactly(SYN);
    assertThat(p.release()).isEmpty();
  }

  @Test
  void anEndedIncidentWithdrawsAllButWhatAnotherOpenIncidentStillHolds() {
    Map<String, List<List<String>>> held = Map.of("a", List.of(SYN, RTBH), "b", List.of(RTBH));
    RouteLedger.Plan p = RouteLedger.plan(held, "a", List.of());
    assertThat(p.announce()).isEmpty();
    assertThat(p.withdraw()).containsExactly(SYN);
    assertThat(p.release()).as("b's blackhole stays announced").containsExactly(RTBH);
    assertThat(RouteLedger.plan(held, "b", List.of()).withdraw()).as("a holds it too").isEmpty();
  }
}
