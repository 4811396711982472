package io.kaminari.tools.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BaselineTest {
  static final Instant W0 = Instant.parse("2024-05-02T00:00:00Z");
  static final Instant W1 = Instant.parse("2024-05-02T00:01:00Z");

  @Test
  void thresholdsAreTrainingMaximaTimesTheMarginWithAOneUnitFloor() {
    Baseline.Calibrator c = new Baseline.Calibrator(60);
    c.accept(new Baseline.DestinationWindow(W0, "192.0.2.1", 600, 30, 5));
    c.accept(new Baseline.DestinationWindow(W1, "192.0.2.2", 1200, 6, 2));
    Baseline.Thresholds t = c.thresholds(1.5);
    assertThat(t.pps()).isCloseTo(1200 / 60.0 * 1.5, within(1e-9));
    assertThat(t.flowsPerSecond()).isCloseTo(30 / 60.0 * 1.5, within(1e-9));
    assertThat(t.distinctSources()).isCloseTo(5 * 1.5, within(1e-9));

    Baseline.Thresholds empty = new Baseline.Calibrator(60).thresholds(1.0);
    assertThat(empty.pps()).isCloseTo(1 / 60.0, within(1e-12));
    assertThat(empty.distinctSources()).isEqualTo(1.0);
  }

  @Test
  void aDestinationScoresItsWorstRatioAndTheExplanationNamesIt() {
    Baseline.Thresholds t = new Baseline.Thresholds(100, 1, 10);
    // pps 50/100 = 0.5, flows/s 3/1 = 3, sources 20/10 = 2: flows/s is the worst.
    Baseline.Verdict v = Baseline.judge(new Baseline.DestinationWindow(W0, "203.0.113.10", 3000, 180, 20), t, 60);
    assertThat(v.metric()).isEqualTo(Baseline.Metric.FLOWS_PER_SECOND);
    assertThat(v.score()).isCloseTo(3.0, within(1e-9));
    assertThat(v.anomalous()).isTrue();
    assertThat(v.explanation()).contains("flows/s").contains("203.0.113.10").contains("x3.00");

    Baseline.Verdict quiet = Baseline.judge(new Baseline.DestinationWindow(W0, "192.0.2.1", 60, 6, 1), t, 60);
    assertThat(quiet.anomalous()).isFalse();
    assertThat(quiet.score()).isCloseTo(0.1, within(1e-9));
  }

  @Test
  void aWindowOrPrefixTakesItsWorstDestination() {
    Baseline.Thresholds t = new Baseline.Thresholds(1, 1, 1);
    List<Baseline.DestinationWindow> stats = List.of(
        new Baseline.DestinationWindow(W0, "192.0.2.1", 60, 60, 1),     // 1.0: not above
        new Baseline.DestinationWindow(W0, "192.0.2.9", 60, 120, 1),    // 2.0
        new Baseline.DestinationWindow(W0, "198.51.100.7", 30, 30, 1),  // 1.0
        new Baseline.DestinationWindow(W1, "192.0.2.1", 6, 6, 1));      // 1.0 (one source)
    TreeMap<Baseline.Key, Baseline.Verdict> global = Baseline.worstPerScope(stats.iterator(), t, 60, ip -> "global");
    assertThat(global).hasSize(2);
    assertThat(global.get(new Baseline.Key(W0, "global")).ipDst()).isEqualTo("192.0.2.9");
    assertThat(global.get(new Baseline.Key(W0, "global")).anomalous()).isTrue();
    assertThat(global.get(new Baseline.Key(W1, "global")).anomalous()).isFalse();

    TreeMap<Baseline.Key, Baseline.Verdict> prefixes = Baseline.worstPerScope(stats.iterator(), t, 60,
        ip -> ip.substring(0, ip.lastIndexOf('.')) + ".0/24");
    assertThat(prefixes.keySet()).containsExactly(new Baseline.Key(W0, "192.0.2.0/24"),
        new Baseline.Key(W0, "198.51.100.0/24"), new Baseline.Key(W1, "192.0.2.0/24"));
    assertThat(prefixes.get(new Baseline.Key(W0, "198.51.100.0/24")).score()).isCloseTo(1.0, within(1e-9));
  }
}
