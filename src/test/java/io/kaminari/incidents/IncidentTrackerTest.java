package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.incidents.IncidentEvent.Kind;
import io.kaminari.incidents.IncidentTracker.WindowResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IncidentTrackerTest {
  static final Instant T0 = Instant.parse("2024-05-02T03:00:00Z");
  static final String VICTIM = "203.0.113.0/24";

  static WindowResult window(int minute, String victim, double score) {
    return window(minute, victim, score, null);
  }

  static WindowResult window(int minute, String victim, double score, VictimTraffic traffic) {
    Instant start = T0.plus(Duration.ofMinutes(minute));
    return new WindowResult("flow-ae", 1, "global", victim, start, start.plusSeconds(60), score > 1, score,
        60_000L * minute, 600, List.of("dst_port 80 pps (90%)"), traffic);
  }

  static VictimTraffic traffic(int minute, int dstPort) {
    return new VictimTraffic(T0.plus(Duration.ofMinutes(minute)), 1000,
        new AttackVector(List.of(6), List.of(dstPort), List.of(), 2, 60, 60, 1.0), List.of(), 100, List.of(),
        List.of());
  }

  @Test
  void theVictimsTrafficIsNotifiedAsSoonAsItIsKnownAndTheLatestIsKept() throws Exception {
    IncidentTracker t = new IncidentTracker(2, Duration.ofHours(1));
    List<IncidentEvent> states = new ArrayList<>();
    states.addAll(t.observe(List.of(window(0, VICTIM, 3.0))));                  // no profile of the victim yet
    states.addAll(t.observe(List.of(window(1, VICTIM, 3.0, traffic(1, 80)))));  // first known: an update
    states.addAll(t.observe(List.of(window(2, VICTIM, 3.0))));                  // none this window: the last kept
    states.addAll(t.observe(List.of(window(3, VICTIM, 3.0, traffic(3, 443))))); // changed: recorded, not notified
    states.addAll(t.observe(List.of(window(4, VICTIM, 0.2), window(5, VICTIM, 0.2))));
    assertThat(states).extracting(IncidentEvent::kind)
        .containsExactly(Kind.START, Kind.UPDATE, Kind.PROGRESS, Kind.PROGRESS, Kind.RESOLVE);
    assertThat(states.get(0).traffic()).isNull();
    assertThat(states.get(1).traffic()).isEqualTo(traffic(1, 80));
    assertThat(states.get(2).traffic()).isEqualTo(traffic(1, 80));
    assertThat(states.get(3).traffic()).isEqualTo(traffic(3, 443));
    assertThat(states.get(4).traffic()).as("the resolution keeps it").isEqualTo(traffic(3, 443));
    // The state's JSON (the incidents topic, the webhook body) carries it and reads back equal.
    String json = new String(states.get(4).toJson(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(json).contains("\"traffic\":{\"window_start\":\"2024-05-02T03:03:00Z\",\"packets\":1000,"
        + "\"vector\":{\"protocols\":[6],\"dst_ports\":[443],\"reflected_src_ports\":[],\"tcp_flags\":2,");
    assertThat(IncidentEvent.fromJson(states.get(4).toJson())).isEqualTo(states.get(4));

    // A start that knows its traffic needs no extra update, and a restored incident keeps it.
    IncidentTracker u = new IncidentTracker(2, Duration.ofHours(1));
    List<IncidentEvent> known = u.observe(List.of(window(0, VICTIM, 3.0, traffic(0, 80))));
    known.addAll(u.observe(List.of(window(1, VICTIM, 3.0, traffic(1, 80)))));
    assertThat(known).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS);
    IncidentTracker restored = new IncidentTracker(2, Duration.ofHours(1));
    restored.restore(known);
    assertThat(restored.open()).singleElement().extracting(IncidentEvent::traffic).isEqualTo(traffic(1, 80));
  }

  /** Feeds one window per minute (victim's score, or quiet) and collects every state. */
  static List<IncidentEvent> run(IncidentTracker t, double... scores) {
    List<IncidentEvent> out = new ArrayList<>();
    for (int m = 0; m < scores.length; m++) out.addAll(t.observe(List.of(window(m, VICTIM, scores[m]))));
    return out;
  }

  @Test
  void anHourLongAttackIsOneIncidentNotifiedAFewTimesNotSixty() {
    IncidentTracker t = new IncidentTracker(3, Duration.ofMinutes(15));
    double[] scores = new double[64];
    java.util.Arrays.fill(scores, 0, 60, 3.0);
    java.util.Arrays.fill(scores, 60, 64, 0.2);
    List<IncidentEvent> states = run(t, scores);
    List<IncidentEvent> notified = states.stream().filter(e -> e.kind().notifies()).toList();
    assertThat(notified).extracting(IncidentEvent::kind)
        .containsExactly(Kind.START, Kind.UPDATE, Kind.UPDATE, Kind.UPDATE, Kind.RESOLVE);
    assertThat(notified).extracting(IncidentEvent::seq).containsExactly(1, 2, 3, 4, 5);
    assertThat(states.stream().map(IncidentEvent::id).distinct()).hasSize(1);
    assertThat(states.get(0).id()).isEqualTo(IncidentGrouping.id("flow-ae", "global", VICTIM, T0));
    IncidentEvent resolved = notified.get(4);
    assertThat(resolved.windows()).isEqualTo(60);
    assertThat(resolved.start()).isEqualTo(T0);
    assertThat(resolved.end()).isEqualTo(T0.plus(Duration.ofMinutes(60)));
    assertThat(resolved.notifiedAt()).isEqualTo(T0.plus(Duration.ofMinutes(63)));
    assertThat(resolved.peakPps()).isEqualTo(59 * 60_000 / 60.0);
    assertThat(t.open()).isEmpty();
  }

  @Test
  void aDoubledPeakIsNotifiedAtOnceAndAShortLullDoesNotSplitTheIncident() {
    IncidentTracker t = new IncidentTracker(3, Duration.ofHours(1));
    List<IncidentEvent> states = run(t, 2.0, 3.0, 0.5, 0.5, 4.5, 9.5, 0.5, 0.5, 0.5);
    assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS, Kind.UPDATE,
        Kind.UPDATE, Kind.RESOLVE);
    assertThat(states.get(2).peakScore()).isEqualTo(4.5); // 4.5 >= 2 x 2.0
    assertThat(states.get(3).peakScore()).isEqualTo(9.5); // 9.5 >= 2 x 4.5
    assertThat(states.get(4).windows()).isEqualTo(4);
  }

  @Test
  void quietWindowsEndTheIncidentAndALaterAttackOnTheSameVictimIsANewOne() {
    IncidentTracker t = new IncidentTracker(2, Duration.ofHours(1));
    List<IncidentEvent> states = run(t, 5.0, 0.1, 0.1, 5.0);
    assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.RESOLVE, Kind.START);
    assertThat(states.get(2).id()).isNotEqualTo(states.get(0).id());
    assertThat(states.get(2).seq()).isEqualTo(1);
  }

  @Test
  void underDstPrefixAVictimWithoutRowsIsQuietAndEachVictimHasItsIncident() {
    IncidentTracker t = new IncidentTracker(2, Duration.ofHours(1));
    List<IncidentEvent> out = new ArrayList<>(t.observe(List.of(window(0, "198.51.100.0/24", 3),
        window(0, VICTIM, 3))));
    // Minutes 1 and 2: only the other prefix has traffic; its quiet rows close the windows for both.
    out.addAll(t.observe(List.of(window(1, "192.0.2.0/24", 0.1))));
    assertThat(t.open()).hasSize(2);
    out.addAll(t.observe(List.of(window(2, "192.0.2.0/24", 0.1))));
    assertThat(out).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.START, Kind.RESOLVE,
        Kind.RESOLVE);
    assertThat(out.subList(2, 4)).extracting(IncidentEvent::victim)
        .containsExactlyInAnyOrder("198.51.100.0/24", VICTIM);
    assertThat(t.open()).isEmpty();
    assertThat(t.isOpenVictim(VICTIM)).isFalse();
  }

  @Test
  void theOpenIncidentsVictimsAreTheOnesTheScorerFollows() {
    IncidentTracker t = new IncidentTracker(2, Duration.ofHours(1));
    assertThat(t.isOpenVictim(VICTIM)).isFalse();
    List<IncidentEvent> states = new ArrayList<>(t.observe(List.of(window(0, VICTIM, 3))));
    assertThat(t.isOpenVictim(VICTIM)).as("from its start").isTrue();
    assertThat(t.isOpenVictim("198.51.100.0/24")).isFalse();
    states.addAll(t.observe(List.of(window(1, VICTIM, 0.1))));
    assertThat(t.isOpenVictim(VICTIM)).as("quiet, not resolved yet").isTrue();
    states.addAll(t.observe(List.of(window(2, VICTIM, 0.1))));
    assertThat(states.get(states.size() - 1).kind()).isEqualTo(Kind.RESOLVE);
    assertThat(t.isOpenVictim(VICTIM)).as("resolved").isFalse();
    // A restored tracker follows the victims of the incidents it continues.
    IncidentTracker restored = new IncidentTracker(2, Duration.ofHours(1));
    restored.restore(states.subList(0, 1));
    assertThat(restored.isOpenVictim(VICTIM)).isTrue();
    restored.restore(states);
    assertThat(restored.isOpenVictim(VICTIM)).isFalse();
  }

  @Test
  void aRestoredTrackerContinuesTheIncidentWithoutStartingItAgain() {
    IncidentTracker before = new IncidentTracker(3, Duration.ofMinutes(15));
    List<IncidentEvent> first = run(before, 3, 3, 3);
    IncidentTracker after = new IncidentTracker(3, Duration.ofMinutes(15));
    after.restore(first); // the latest state per incident, as the incidents topic holds it
    List<IncidentEvent> next = new ArrayList<>();
    for (int m = 3; m < 8; m++) next.addAll(after.observe(List.of(window(m, VICTIM, m < 5 ? 3 : 0.2))));
    assertThat(next).extracting(IncidentEvent::kind).containsExactly(Kind.PROGRESS, Kind.PROGRESS, Kind.RESOLVE);
    assertThat(next.get(2).id()).isEqualTo(first.get(0).id());
    assertThat(next.get(2).windows()).isEqualTo(5);
    assertThat(next.get(2).seq()).isEqualTo(2);

    // A window the restored state has seen already (re-read after a restart) changes nothing.
    IncidentTracker again = new IncidentTracker(3, Duration.ofMinutes(15));
    again.restore(first);
    assertThat(again.observe(List.of(window(2, VICTIM, 3)))).isEmpty();
    // A resolved incident is not continued.
    again.restore(next);
    assertThat(again.open()).isEmpty();
  }

  @Test
  void unknownVictimsAreSkippedAndBadSettingsRefused() {
    IncidentTracker t = new IncidentTracker(1, Duration.ofMinutes(1));
    assertThat(t.observe(List.of(window(0, null, 9)))).isEmpty();
    assertThatThrownBy(() -> new IncidentTracker(0, Duration.ofMinutes(1)))
        .hasMessage("quietWindows must be >= 1, got 0");
    assertThatThrownBy(() -> new IncidentTracker(1, Duration.ZERO)).hasMessage("updateInterval must be > 0, got PT0S");
  }
}
