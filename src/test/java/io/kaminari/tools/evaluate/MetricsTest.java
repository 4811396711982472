package io.kaminari.tools.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricsTest {
  static final Instant T0 = Instant.parse("2024-05-02T00:00:00Z");
  static final Duration MIN = Duration.ofMinutes(1);

  static List<Instant> windows(int n) {
    List<Instant> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(T0.plus(MIN.multipliedBy(i)));
    return out;
  }

  static Instant w(int i) {
    return T0.plus(MIN.multipliedBy(i));
  }

  @Test
  void perWindowEventsDelayAndFalseAlarms() {
    // 1440 windows = one day. Events: [10, 13) detected at its 2nd window; [100] missed; [200, 202) detected at once.
    Set<Instant> labelled = Set.of(w(10), w(11), w(12), w(100), w(200), w(201));
    Set<Instant> flagged = Set.of(w(11), w(12), w(200), w(500), w(501), w(900));
    Metrics.Result r = Metrics.of(windows(1440), MIN, flagged, labelled);

    assertThat(r.perWindow().truePositives()).isEqualTo(3);
    assertThat(r.perWindow().falsePositives()).isEqualTo(3);
    assertThat(r.perWindow().falseNegatives()).isEqualTo(3);
    assertThat(r.perWindow().precision()).isCloseTo(0.5, within(1e-9));
    assertThat(r.perWindow().recall()).isCloseTo(0.5, within(1e-9));
    assertThat(r.perWindow().f1()).isCloseTo(0.5, within(1e-9));
    assertThat(r.events()).containsExactly(
        new Metrics.Event(w(10), w(13), 3, 1),
        new Metrics.Event(w(100), w(101), 1, null),
        new Metrics.Event(w(200), w(202), 2, 0));
    assertThat(r.eventsDetected()).isEqualTo(2);
    assertThat(r.eventRecall()).isCloseTo(2.0 / 3, within(1e-9));
    assertThat(r.meanDelayWindows()).isCloseTo(0.5, within(1e-9));
    assertThat(r.maxDelayWindows()).isEqualTo(1);
    assertThat(r.testDays()).isCloseTo(1.0, within(1e-9));
    assertThat(r.falseAlarmsPerDay()).isCloseTo(3.0, within(1e-9));
  }

  @Test
  void eventsAreRunsOfConsecutiveWindowsAndIgnoreWhatIsOutsideTheTestRange() {
    // Adjacent labelled windows are one event; one gap splits it. A label and a flag outside the windows are ignored.
    Set<Instant> labelled = Set.of(w(0), w(1), w(3), w(59), w(-5));
    Set<Instant> flagged = Set.of(w(59), w(60));
    Metrics.Result r = Metrics.of(windows(60), MIN, flagged, labelled);
    assertThat(r.events()).extracting(Metrics.Event::windows).containsExactly(2, 1, 1);
    assertThat(r.events().get(2).delayWindows()).isZero();
    assertThat(r.perWindow().falsePositives()).isZero();
    assertThat(r.falseAlarmsPerDay()).isZero();
    assertThat(r.testDays()).isCloseTo(1.0 / 24, within(1e-9));
  }

  @Test
  void nothingLabelledNothingFlagged() {
    Metrics.Result r = Metrics.of(windows(10), MIN, Set.of(), Set.of());
    assertThat(r.events()).isEmpty();
    assertThat(r.eventRecall()).isEqualTo(1.0);
    assertThat(r.meanDelayWindows()).isNaN();
    assertThat(r.maxDelayWindows()).isEqualTo(-1);
    assertThat(r.perWindow().precision()).isEqualTo(1.0);
  }

  @Test
  void eventsDoNotBridgeAGapInTheWindowList() {
    // Non-contiguous window lists (e.g. a test range given as two pieces) do not merge runs across the gap.
    List<Instant> ws = List.of(w(0), w(1), w(10), w(11));
    Metrics.Result r = Metrics.of(ws, MIN, Set.of(w(10)), Set.of(w(1), w(10)));
    assertThat(r.events()).hasSize(2);
    assertThat(r.eventsDetected()).isEqualTo(1);
  }

  @Test
  void rocAucRanksAttackWindowsAboveQuietOnesWithTiesHalf() {
    List<Instant> ws = windows(4);
    Set<Instant> labelled = Set.of(w(1), w(3));
    // attack scores 5 and 2; quiet 1 and (missing =) 0: every attack above every quiet window.
    assertThat(Metrics.rocAuc(ws, labelled, java.util.Map.of(w(0), 1.0, w(1), 5.0, w(3), 2.0))).isEqualTo(1.0);
    // attack 1 ties quiet 1, attack 0 (missing) ties quiet 0: all pairs: (1>0)=1, (1=1)=.5, (0=0)=.5, (0<1)=0 -> 0.5.
    assertThat(Metrics.rocAuc(ws, labelled, java.util.Map.of(w(0), 1.0, w(1), 1.0))).isEqualTo(0.5);
    assertThat(Metrics.rocAuc(ws, Set.of(), java.util.Map.of())).isNaN();
    Metrics.Result r = Metrics.of(ws, MIN, Set.of(w(1)), labelled, java.util.Map.of(w(1), 3.0));
    assertThat(r.rocAuc()).isCloseTo(0.75, within(1e-9));
  }
}
