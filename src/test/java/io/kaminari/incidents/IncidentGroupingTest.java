package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IncidentGroupingTest {
  static final Instant T0 = Instant.parse("2024-05-02T03:00:00Z");
  static final Instant FROM = T0.minus(Duration.ofHours(1));
  static final Instant TO = T0.plus(Duration.ofHours(3));
  static final String A = "203.0.113.0/24";
  static final String B = "198.51.100.0/24";

  /** The anomalous window {@code n} five-minute windows after T0. */
  static AnomalousWindow w(String victim, int n, double score) {
    Instant start = T0.plus(Duration.ofMinutes(5L * n));
    return new AnomalousWindow("flow-ae", "dst-prefix", victim, start, start.plus(Duration.ofMinutes(5)), score);
  }

  @Test
  void fewerQuietWindowsThanTheLimitContinueAnIncidentAndTheLimitEndsIt() {
    // Windows 0,1 then 2 quiet (continues), window 4; then 3 quiet windows (5, 6, 7): window 8 starts a new one.
    List<IncidentSpan> spans = IncidentGrouping.group(
        List.of(w(A, 0, 2.0), w(A, 1, 5.0), w(A, 4, 3.0), w(A, 8, 1.5)), 3, FROM, TO);
    assertThat(spans).hasSize(2);
    IncidentSpan first = spans.get(0);
    assertThat(first.start()).isEqualTo(T0);
    assertThat(first.lastUpdate()).isEqualTo(T0.plus(Duration.ofMinutes(25)));
    assertThat(first.end()).as("closed: the 3 quiet windows after it are in the data").isEqualTo(first.lastUpdate());
    assertThat(first.windows()).isEqualTo(3);
    assertThat(first.peakScore()).isEqualTo(5.0);
    assertThat(first.complete()).isTrue();
    assertThat(spans.get(1).start()).isEqualTo(T0.plus(Duration.ofMinutes(40)));
    assertThat(spans.get(1).windows()).isEqualTo(1);
    assertThat(spans.get(1).id()).isNotEqualTo(first.id());
  }

  @Test
  void twoVictimsInterleavedAreTwoIncidents() {
    List<AnomalousWindow> windows = List.of(w(A, 0, 2), w(B, 1, 3), w(A, 2, 2), w(B, 3, 3), w(A, 4, 2), w(B, 5, 4));
    List<IncidentSpan> spans = IncidentGrouping.group(windows, 2, FROM, TO);
    assertThat(spans).extracting(IncidentSpan::victim).containsExactly(B, A); // ordered by victim text
    assertThat(spans).extracting(IncidentSpan::windows).containsExactly(3, 3);
    assertThat(spans.get(0).peakScore()).isEqualTo(4);
    // With quiet-windows 1, each victim's one-window gaps (the other victim's windows do not count) end its incident.
    assertThat(IncidentGrouping.group(windows, 1, FROM, TO)).hasSize(6);
  }

  @Test
  void aRecomputeGivesTheSameIdsWhateverTheOrderAndDuplicates() {
    List<AnomalousWindow> windows = new ArrayList<>(List.of(w(A, 0, 2), w(A, 1, 3), w(B, 1, 3), w(A, 9, 2)));
    List<IncidentSpan> once = IncidentGrouping.group(windows, 3, FROM, TO);
    windows.add(w(A, 1, 3)); // listed twice
    Collections.shuffle(windows, new Random(7));
    assertThat(IncidentGrouping.group(windows, 3, FROM, TO)).isEqualTo(once);
    assertThat(once.get(0).id())
        .isEqualTo(IncidentGrouping.id("flow-ae", "dst-prefix", B, T0.plus(Duration.ofMinutes(5))))
        .matches("[0-9a-f]{16}");
    assertThat(IncidentGrouping.id("flow-ae", "dst-prefix", A, T0))
        .isNotEqualTo(IncidentGrouping.id("other", "dst-prefix", A, T0))
        .isNotEqualTo(IncidentGrouping.id("flow-ae", "global", A, T0));
  }

  @Test
  void anIncidentStillRunningAtTheRangeEndIsOpen() {
    // The last anomaly ends 10 minutes before TO: fewer than 3 quiet windows follow it in the data.
    int last = (int) (Duration.between(T0, TO).toMinutes() / 5) - 3;
    IncidentSpan open = IncidentGrouping.group(List.of(w(A, last - 1, 2), w(A, last, 2)), 3, FROM, TO).get(0);
    assertThat(open.end()).isNull();
    assertThat(open.open()).isTrue();
    // One window earlier, exactly 3 quiet windows fit: closed.
    assertThat(IncidentGrouping.group(List.of(w(A, last - 1, 2)), 3, FROM, TO).get(0).end())
        .isEqualTo(T0.plus(Duration.ofMinutes(5L * last)));
  }

  @Test
  void anIncidentStartingTooCloseToTheRangeStartIsNotComplete() {
    Instant from = T0.minus(Duration.ofMinutes(10)); // 2 windows before the first anomaly, the limit is 3
    assertThat(IncidentGrouping.group(List.of(w(A, 0, 2)), 3, from, TO).get(0).complete()).isFalse();
    assertThat(IncidentGrouping.group(List.of(w(A, 0, 2)), 2, from, TO).get(0).complete()).isTrue();
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> IncidentGrouping.group(List.of(), 0, FROM, TO)).hasMessageContaining("quietWindows");
    assertThatThrownBy(() -> new AnomalousWindow("m", "global", A, T0, T0, 1)).hasMessageContaining("not after");
  }

  @Test
  void victimOfAWindowAndWhatItContains() {
    assertThat(Victims.of("dst-prefix", A, List.of())).isEqualTo(A);
    assertThat(Victims.of("global", "global", List.of("203.0.113.0/24 (91%)", "192.0.2.0/24 (5%)"))).isEqualTo(A);
    assertThat(Victims.of("global", "global", null)).isNull();
    assertThat(Victims.contains(A, "203.0.113.10")).isTrue();
    assertThat(Victims.contains(A, "::ffff:203.0.113.10")).isTrue();
    assertThat(Victims.contains(A, "203.0.114.10")).isFalse();
    assertThat(Victims.contains("2001:db8::/64", "2001:db8::1")).isTrue();
    assertThat(Victims.contains("2001:db8::/64", "2001:db8:0:1::1")).isFalse();
    assertThat(Victims.contains("203.0.113.10/32", "203.0.113.10")).isTrue();
    assertThat(Victims.contains(A, "not an address")).isFalse();
    assertThat(Victims.hostPrefix("2001:DB8::10")).isEqualTo("2001:db8::10/128");
    assertThat(Shares.share("203.0.113.10 (>=42%)")).isEqualTo(0.42);
    assertThat(Shares.text("AS64500", 1, 3)).isEqualTo("AS64500 (33%)");
  }
}
