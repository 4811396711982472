package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.kaminari.model.threshold.NormalTail;
import io.kaminari.model.threshold.TailSamples;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ThresholdMethodTest {

  @Test
  void parsesBothFormsAndRoundTripsText() {
    assertThat(ThresholdMethod.parse("quantile:0.999")).isEqualTo(new ThresholdMethod.Quantile(0.999));
    assertThat(ThresholdMethod.parse(" Sigma:3 ")).isEqualTo(new ThresholdMethod.Sigma(3));
    assertThat(ThresholdMethod.parse(new ThresholdMethod.Quantile(0.99).text()))
        .isEqualTo(new ThresholdMethod.Quantile(0.99));
  }

  @Test
  void rejectsBadTextWithTheAcceptedForms() {
    assertThatThrownBy(() -> ThresholdMethod.parse("max")).hasMessageContaining("quantile:Q");
    assertThatThrownBy(() -> ThresholdMethod.parse("quantile:1.5")).hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> ThresholdMethod.parse("quantile:abc")).hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> ThresholdMethod.parse("sigma:-1")).hasMessageContaining("> 0");
    assertThatThrownBy(() -> ThresholdMethod.parse(null)).hasMessageContaining("required");
  }

  @Test
  void quantileIsNearestRank() {
    double[] scores = new double[1000];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = scores.length - i; // 1000 .. 1, unsorted on purpose
    }
    assertThat(new ThresholdMethod.Quantile(0.999).threshold(scores)).isEqualTo(999.0);
    assertThat(new ThresholdMethod.Quantile(0.5).threshold(scores)).isEqualTo(500.0);
    assertThat(new ThresholdMethod.Quantile(0.0001).threshold(scores)).isEqualTo(1.0);
    assertThat(new ThresholdMethod.Quantile(0.999).threshold(new double[] {3, 1, 2})).isEqualTo(3.0);
    assertThat(scores[0]).as("input left unsorted").isEqualTo(1000.0);
  }

  @Test
  void aQuantileNeedsOneOverOneMinusQScores() {
    assertThat(new ThresholdMethod.Quantile(0.999).minimumScores()).isEqualTo(1000);
    assertThat(new ThresholdMethod.Quantile(0.99).minimumScores()).isEqualTo(100);
    assertThat(new ThresholdMethod.Quantile(0.5).minimumScores()).isEqualTo(2);
    assertThat(new ThresholdMethod.Quantile(0.9995).minimumScores()).isEqualTo(2000);
    assertThat(new ThresholdMethod.Sigma(3).minimumScores()).isEqualTo(1);
  }

  @Test
  void sigmaIsMeanPlusKPopulationStd() {
    double[] scores = {2, 4, 4, 4, 5, 5, 7, 9}; // mean 5, population std 2
    assertThat(new ThresholdMethod.Sigma(3).threshold(scores)).isCloseTo(11.0, within(1e-12));
  }

  @Test
  void refusesToCalibrateOnNothing() {
    assertThatThrownBy(() -> new ThresholdMethod.Sigma(3).threshold(new double[0]))
        .hasMessageContaining("without validation scores");
  }

  @Test
  void parsesTheRobustFormsAndRoundTripsTheirText() {
    assertThat(ThresholdMethod.parse("mad:4")).isEqualTo(new ThresholdMethod.Mad(4));
    assertThat(ThresholdMethod.parse("pot:1/day")).isEqualTo(new ThresholdMethod.Pot(1, true, 0.9, 0.01));
    assertThat(ThresholdMethod.parse("pot:1/day").text()).isEqualTo("pot:1.0/day,init=0.9,censor=0.01");
    assertThat(ThresholdMethod.parse(" POT: 0.001, init=0.95 ,censor=0 "))
        .isEqualTo(new ThresholdMethod.Pot(0.001, false, 0.95, 0));
    for (String text : new String[] {"mad:4", "pot:2.5/day", "pot:0.001,init=0.8,censor=0.05"}) {
      ThresholdMethod m = ThresholdMethod.parse(text);
      assertThat(ThresholdMethod.parse(m.text())).as(text).isEqualTo(m);
    }
  }

  @Test
  void rejectsBadRobustFormsNamingTheProblem() {
    assertThatThrownBy(() -> ThresholdMethod.parse("max")).hasMessageContaining("mad:K").hasMessageContaining("pot:R/day");
    assertThatThrownBy(() -> ThresholdMethod.parse("mad:0")).hasMessageContaining("mad multiplier must be > 0");
    assertThatThrownBy(() -> ThresholdMethod.parse("pot:0/day")).hasMessageContaining("R/day with R > 0");
    assertThatThrownBy(() -> ThresholdMethod.parse("pot:1.5")).hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> ThresholdMethod.parse("pot:x/day")).hasMessageContaining("pot risk");
    assertThatThrownBy(() -> ThresholdMethod.parse("pot:1/day,init=1")).hasMessageContaining("pot init");
    assertThatThrownBy(() -> ThresholdMethod.parse("pot:1/day,censor=0.2")).hasMessageContaining("[0, 1 - init)");
    // 1 - 0.99 is 0.010000000000000009 in doubles, so this pair passes "censor < 1 - init" and leaves no peak: the
    // trainer's search for the scores it needs used to loop forever on it
    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(
        () -> ThresholdMethod.parse("pot:1/day,init=0.99,censor=0.01"))
        .hasMessage("init 0.99 and censor 0.01 leave too small a share (8.673617379884035E-18) of the scores as"
            + " uncensored peaks; lower init or censor"));
    assertThatThrownBy(() -> ThresholdMethod.parse("pot:1/day,tail=2"))
        .hasMessageContaining("accepts the options init=Q and censor=F, got \"tail=2\"");
  }

  /**
   * The reason for mad and pot. A day of 5-minute windows whose scores are log-normal, a planted attack at 1.5 times
   * the day's largest quiet score (the evaluation's attacks score 1.3-2x the quiet maximum), and the same day with
   * three windows of an attack inside the calibration range, a thousand times the quiet maximum. The quantile, in
   * effect the maximum, and mean + 3 std jump past the planted attack; median + MAD and the censored POT fit do not
   * move.
   */
  @Test
  void aFewHugeOutliersMoveQuantileAndSigmaPastAPlantedAttackButNotMadOrPot() {
    double[] clean = TailSamples.logNormal(288, Math.log(0.2), 0.4, 31);
    double quietMax = TailSamples.max(clean);
    double attack = 1.5 * quietMax;
    double[] dirty = Arrays.copyOf(clean, 291);
    Arrays.fill(dirty, 288, 291, 1000 * quietMax);
    ThresholdMethod.Context fiveMinutes = new ThresholdMethod.Context(300);

    for (String text : new String[] {"quantile:0.999", "sigma:3"}) {
      ThresholdMethod m = ThresholdMethod.parse(text);
      assertThat(m.calibrate(clean, fiveMinutes).threshold()).as("%s, clean", text).isLessThan(attack);
      assertThat(m.calibrate(dirty, fiveMinutes).threshold()).as("%s, contaminated", text).isGreaterThan(attack);
    }
    for (String text : new String[] {"mad:3", "pot:1/day"}) {
      ThresholdMethod m = ThresholdMethod.parse(text);
      double before = m.calibrate(clean, fiveMinutes).threshold();
      double after = m.calibrate(dirty, fiveMinutes).threshold();
      assertThat(after).as("%s, contaminated", text).isLessThan(attack).isCloseTo(before, within(0.05 * before));
    }
  }

  @Test
  void madIsMedianPlusKRobustSigmasOfTheLogScores() {
    double[] scores = new double[101];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = Math.exp(i - 50); // log scores -50 .. 50: median 0, MAD 25
    }
    ThresholdMethod.Calibrated c = new ThresholdMethod.Mad(0.5).calibrate(scores, ThresholdMethod.Context.NONE);
    assertThat(Math.log(c.threshold())).isCloseTo(0.5 * 1.4826 * 25, within(1e-9));
    assertThat(c.scores()).isEqualTo(101);
    assertThat(c.parameters()).containsEntry("k", 0.5).containsEntry("median_log", 0.0).containsEntry("mad_log", 25.0);
  }

  @Test
  void robustMethodsRefuseTooFewScoresWithTheCountsInTheMessage() {
    ThresholdMethod mad = ThresholdMethod.parse("mad:4");
    ThresholdMethod pot = ThresholdMethod.parse("pot:0.001");
    assertThat(mad.refusesFewer()).isTrue();
    assertThat(pot.refusesFewer()).isTrue();
    assertThat(new ThresholdMethod.Quantile(0.999).refusesFewer()).isFalse();
    assertThat(mad.minimumScores()).isEqualTo(100);
    assertThat(pot.minimumScores()).isEqualTo(170);

    double[] few = TailSamples.logNormal(99, 0, 0.4, 32);
    assertThatThrownBy(() -> mad.threshold(few)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot calibrate threshold mad:4.0 on 99 scores: it needs at least 100 (train on a longer range)");
    assertThatThrownBy(() -> pot.threshold(few))
        .hasMessageStartingWith("cannot calibrate threshold pot:0.001,init=0.9,censor=0.01 on 99 scores: it needs 15"
            + " peaks").hasMessageContaining("at least 170 scores");
    double[] flat = new double[200];
    Arrays.fill(flat, 0.5);
    flat[0] = 1;
    assertThatThrownBy(() -> mad.threshold(flat)).hasMessageContaining("more than half of them are equal");
  }

  @Test
  void potPerDayTurnsTheRateIntoARiskPerWindowWithTheWindowLength() {
    double[] scores = TailSamples.logNormal(1440, 0, 0.4, 33);
    ThresholdMethod perDay = ThresholdMethod.parse("pot:2/day");
    ThresholdMethod.Calibrated daily = perDay.calibrate(scores, new ThresholdMethod.Context(60));
    ThresholdMethod.Calibrated perWindow = ThresholdMethod.parse("pot:" + 2 / 1440.0)
        .calibrate(scores, ThresholdMethod.Context.NONE);
    assertThat(daily.threshold()).isEqualTo(perWindow.threshold());
    assertThat(daily.parameters()).containsEntry("risk_per_window", 2 / 1440.0).containsEntry("risk_per_day", 2.0)
        .containsEntry("window_seconds", 60.0).containsEntry("peaks", 144.0).containsEntry("outliers", 0.0)
        .containsKeys("initial_threshold", "censored", "shape", "scale_log", "init_quantile", "censor_fraction");
    // fewer false alarms a day, a higher threshold
    assertThat(ThresholdMethod.parse("pot:0.5/day").calibrate(scores, new ThresholdMethod.Context(60)).threshold())
        .isGreaterThan(daily.threshold());
    assertThatThrownBy(() -> perDay.threshold(scores)).hasMessageContaining("needs the window length");
    assertThatThrownBy(() -> perDay.calibrate(scores, new ThresholdMethod.Context(86_400)))
        .hasMessageContaining("more than one per window");
  }

  @Test
  void aSharedBudgetDividesEachMethodsRisk() {
    assertThat(ThresholdMethod.parse("quantile:0.999").withRiskDividedBy(2))
        .isEqualTo(new ThresholdMethod.Quantile(1 - 0.001 / 2));
    assertThat(ThresholdMethod.parse("pot:1/day,init=0.85").withRiskDividedBy(4).text())
        .isEqualTo("pot:0.25/day,init=0.85,censor=0.01");
    assertThat(ThresholdMethod.parse("pot:0.002").withRiskDividedBy(2).text()).startsWith("pot:0.001,");
    // mad:3 leaves 0.135% of normal log scores above it; half of that is left above mad:3.205.
    ThresholdMethod.Mad mad = (ThresholdMethod.Mad) ThresholdMethod.parse("mad:3").withRiskDividedBy(2);
    assertThat(mad.k()).isCloseTo(3.2052, within(1e-3));
    ThresholdMethod.Sigma sigma = (ThresholdMethod.Sigma) ThresholdMethod.parse("sigma:2").withRiskDividedBy(10);
    assertThat(NormalTail.upper(sigma.k()))
        .isCloseTo(NormalTail.upper(2) / 10, within(1e-9));
    ThresholdMethod same = ThresholdMethod.parse("mad:4");
    assertThat(same.withRiskDividedBy(1)).isSameAs(same);
    assertThatThrownBy(() -> same.withRiskDividedBy(0.5)).hasMessageContaining("divisor >= 1");
    // A shared risk calibrates a higher threshold on the same scores.
    double[] scores = TailSamples.logNormal(1440, 0, 0.4, 5);
    ThresholdMethod pot = ThresholdMethod.parse("pot:1/day");
    assertThat(pot.withRiskDividedBy(2).calibrate(scores, new ThresholdMethod.Context(60)).threshold())
        .isGreaterThan(pot.calibrate(scores, new ThresholdMethod.Context(60)).threshold());
  }

  @Test
  void theNormalTailAndItsInverseAgree() {
    assertThat(NormalTail.upper(0)).isCloseTo(0.5, within(1e-7));
    assertThat(NormalTail.upper(1.959964)).isCloseTo(0.025, within(1e-8));
    assertThat(NormalTail.upper(3)).isCloseTo(0.0013499, within(1e-7));
    for (double p : new double[] {0.4, 0.05, 1e-3, 1e-6, 1e-10}) {
      double z = NormalTail.inverseUpper(p);
      assertThat(NormalTail.upper(z)).as("p=" + p).isCloseTo(p, within(p * 1e-6));
    }
    assertThat(NormalTail.inverseUpper(0.975)).isCloseTo(-1.959964, within(1e-5));
    assertThatThrownBy(() -> NormalTail.inverseUpper(1)).hasMessageContaining("(0, 1)");
  }
}
