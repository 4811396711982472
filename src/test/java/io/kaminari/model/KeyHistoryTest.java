package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A prefix judged by its own history: its threshold from its training scores, and the sustained rule. */
class KeyHistoryTest {
  private static final long W = 60_000_000L;

  private static double update(KeyHistory.State s, int window, double ratio) {
    return s.update(window * W, ratio, W, KeyHistory.SUSTAIN);
  }

  @Test
  void firesOnlyWhenThisWindowAndTwoMoreOfTheLastFiveAreAbove() {
    KeyHistory.State s = new KeyHistory.State(KeyHistory.SPAN);
    assertThat(update(s, 0, 5.0)).as("one window, however high").isZero();
    assertThat(update(s, 1, 4.0)).as("two").isZero();
    assertThat(update(s, 2, 3.0)).as("three above: the third largest").isEqualTo(3.0);
    assertThat(update(s, 3, 0.5)).as("this window below: no verdict").isEqualTo(0.5);
    assertThat(update(s, 4, 2.0)).as("windows 0, 1, 2 and 4 above").isEqualTo(2.0);
    // Window 5 looks back over 1..5: 4.0, 3.0, 0.5, 2.0 and itself.
    assertThat(update(s, 5, 1.5)).as("this window is the smaller").isEqualTo(1.5);
    assertThat(update(s, 6, 1.2)).as("2..6: 3.0, 0.5, 2.0, 1.5, 1.2").isEqualTo(1.2);
  }

  @Test
  void windowsWithoutTrafficCountAsBelow() {
    KeyHistory.State s = new KeyHistory.State(KeyHistory.SPAN);
    update(s, 0, 9.0);
    update(s, 1, 9.0);
    // Windows 2 and 3 had no traffic for the prefix; window 6 looks back over 2..6, where 0 and 1 are gone.
    assertThat(update(s, 4, 9.0)).as("0, 1 and 4 are within 0..4").isEqualTo(9.0);
    assertThat(update(s, 6, 9.0)).as("2..6 holds only 4 and 6").isZero();
    assertThatThrownBy(() -> update(s, 6, 1.0)).hasMessageContaining("is not after the prefix's previous window");
  }

  @Test
  void aPrefixThresholdIsTheQuantileOfItsOwnScoresAndNeedsEnoughRows() {
    // Key a: 1000 rows, 0.000 .. 0.999 shuffled, plus nothing else; key b: 99 rows (too few); key c: 200 rows of which
    // one is a huge outlier (an unlabelled attack): the quantile ignores it.
    List<String> keys = new ArrayList<>();
    List<Double> scores = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("a");
      scores.add(i / 1000.0);
    }
    for (int i = 0; i < 99; i++) {
      keys.add("b");
      scores.add(1.0);
    }
    for (int i = 0; i < 200; i++) {
      keys.add("c");
      scores.add(i == 17 ? 1e6 : 0.5);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) order.add(i);
    Collections.shuffle(order, new java.util.Random(1));
    double[] s = new double[order.size()];
    List<String> k = new ArrayList<>();
    for (int i = 0; i < s.length; i++) {
      s[i] = scores.get(order.get(i));
      k.add(keys.get(order.get(i)));
    }
    Map<String, Long> counts = new HashMap<>();
    k.forEach(key -> counts.merge(key, 1L, Long::sum));
    Map<String, Double> q = KeyHistory.quantiles(s, k.iterator(), counts);
    assertThat(q).containsOnlyKeys("a", "c");
    assertThat(q.get("a")).as("rank ceil(0.99 * 1000) = 990 of 0.000 .. 0.999").isEqualTo(0.989);
    assertThat(q.get("c")).isEqualTo(0.5);
    // A prefix reconstructed exactly gets the floor, so a score over its threshold stays a finite ratio.
    double[] zeros = new double[100];
    Map<String, Double> exact = KeyHistory.quantiles(zeros, java.util.Collections.nCopies(100, "z").iterator(),
        Map.of("z", 100L));
    assertThat(exact.get("z")).isEqualTo(KeyHistory.MIN_THRESHOLD);
  }

  @Test
  void theThresholdsFileRoundTripsAndRefusesBadValues(@TempDir Path dir) {
    KeyHistory.Thresholds t = new KeyHistory.Thresholds(KeyHistory.Thresholds.FORMAT, Map.of("10.0.0.0/24", 0.25),
        Map.of("10.0.0.0/24", 20L), List.of(4L, 33L), List.of(300L, 9000L));
    t.write(dir);
    assertThat(KeyHistory.Thresholds.read(dir)).isEqualTo(t);
    assertThat(PrefixRate.of(t, 60, 2).judge("10.0.0.0/24", 1, 94).describe())
        .as("its own 20 a window: max(24, 20 + 3 sqrt(20)) = 33.4 a window")
        .isEqualTo("prefix flow records 1.57/s > 0.56 (x2.8)");
    assertThat(PrefixRate.of(t, 60, 2).judge("198.18.6.0/24", 0, 50).ratio())
        .as("unseen, in the quietest group: max(4.8, 4 + 3 sqrt(4)) = 10 a window").isCloseTo(5.0, within(1e-9));
    assertThatThrownBy(() -> PrefixRate.of(t, 60, 3)).hasMessageContaining("of 2 traffic groups, the version has 3");
    assertThat(SingleConversation.of(t, 2)).isNotNull();
    assertThatThrownBy(() -> SingleConversation.of(t, 3))
        .hasMessageContaining("packets of 2 traffic groups, the version has 3");
    // A file from before the single-conversation bound: the prefix rate, and no exception.
    KeyHistory.Thresholds rates = new KeyHistory.Thresholds(2, Map.of("k", 0.5), Map.of("k", 20L), List.of(4L), null);
    assertThat(PrefixRate.of(rates, 60, 1)).isNotNull();
    assertThat(SingleConversation.of(rates, 1)).isNull();
    // A file from before the prefix rate: thresholds only, and neither rule.
    KeyHistory.Thresholds old = new KeyHistory.Thresholds(1, Map.of("k", 0.5), null, null, null);
    assertThat(PrefixRate.of(old, 60, 1)).isNull();
    assertThat(SingleConversation.of(old, 1)).isNull();
    assertThatThrownBy(() -> new KeyHistory.Thresholds(1, Map.of("k", 0.0), null, null, null))
        .hasMessageContaining("> 0");
    assertThatThrownBy(() -> new KeyHistory.Thresholds(4, Map.of(), null, null, null))
        .hasMessageContaining("format 4, this reader knows 1 to 3");
    assertThatThrownBy(() -> new KeyHistory.Thresholds(2, Map.of("k", 0.5), Map.of(), List.of(1L), null))
        .hasMessageContaining("needs max_flows for exactly the prefixes of thresholds (0 for 1)");
    assertThatThrownBy(() -> new KeyHistory.Thresholds(2, Map.of("k", 0.5), Map.of("k", -1L), List.of(1L), null))
        .hasMessageContaining("counts must be >= 0");
    assertThatThrownBy(() -> new KeyHistory.Thresholds(3, Map.of("k", 0.5), Map.of("k", 1L), List.of(1L), List.of()))
        .hasMessageContaining("needs group_max_packets for every traffic group (0 for 1)");
    assertThatThrownBy(() -> new KeyHistory.Thresholds(3, Map.of("k", 0.5), Map.of("k", 1L), List.of(1L),
        List.of(-5L))).hasMessageContaining("counts must be >= 0");
    assertThatThrownBy(() -> new KeyHistory(KeyHistory.FILE_NAME, 0.99, 6, 5, 100, 1)).hasMessageContaining("sustain");
    assertThatThrownBy(() -> KeyHistory.of(0)).hasMessageContaining("at least one prefix");
  }

  @Test
  void thePrefixRateJoinsTheVerdictAsAUnion() {
    Fusion.Verdict quiet = Fusion.sustained(1.0, 2.0, 0.0);
    Fusion.Verdict rate = Fusion.withRate(quiet, 2.8);
    assertThat(rate.anomaly()).isTrue();
    assertThat(rate.score()).isEqualTo(2.8);
    assertThat(rate.fired()).isEqualTo(Fusion.Fired.RATE);
    assertThat(rate.aeRatio()).isEqualTo(0.5);
    Fusion.Verdict both = Fusion.withRate(Fusion.sustained(3.0, 2.0, 1.25), 1.1);
    assertThat(both.fired()).isEqualTo(Fusion.Fired.AE_RATE);
    assertThat(both.score()).isEqualTo(1.25);
    Fusion.Verdict below = Fusion.withRate(quiet, 0.7);
    assertThat(below.anomaly()).isFalse();
    assertThat(below.fired()).isEqualTo(Fusion.Fired.NONE);
    assertThat(below.score()).as("ranked by the larger ratio").isEqualTo(0.7);
    assertThat(Fusion.withRate(quiet, 1.0).anomaly()).as("equal to the threshold does not fire").isFalse();
    assertThatThrownBy(() -> Fusion.withRate(quiet, Double.NaN)).hasMessageContaining("finite");
    assertThatThrownBy(() -> Fusion.withRate(Fusion.of(1, 2, 1, 2), 2.0)).hasMessageContaining("without an AR");
  }

  @Test
  void theVerdictIsTheSustainedScoreAgainstOne() {
    Fusion.Verdict v = Fusion.sustained(3.0, 2.0, 1.25);
    assertThat(v.anomaly()).isTrue();
    assertThat(v.score()).isEqualTo(1.25);
    assertThat(v.aeRatio()).isEqualTo(1.5);
    assertThat(v.fired()).isEqualTo(Fusion.Fired.AE);
    Fusion.Verdict quiet = Fusion.sustained(3.0, 2.0, 0.0);
    assertThat(quiet.anomaly()).isFalse();
    assertThat(quiet.fired()).isEqualTo(Fusion.Fired.NONE);
  }
}
