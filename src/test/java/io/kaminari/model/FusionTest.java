package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.model.Fusion.Fired;
import io.kaminari.model.Fusion.Verdict;
import org.junit.jupiter.api.Test;

class FusionTest {
  // Unrelated scales on purpose: an AE mean squared error and AR robust sigmas.
  private static final double AE_T = 2.0;
  private static final double AR_T = 5.0;

  @Test
  void neitherFires() {
    Verdict v = Fusion.of(1.0, AE_T, 4.0, AR_T);
    assertThat(v.fired()).isEqualTo(Fired.NONE);
    assertThat(v.fired().text()).isEqualTo("none");
    assertThat(v.anomaly()).isFalse();
    assertThat(v.score()).isEqualTo(0.8); // max(0.5, 0.8)
    assertThat(v.threshold()).isEqualTo(1.0);
  }

  @Test
  void onlyTheAutoencoderFires() {
    Verdict v = Fusion.of(3.0, AE_T, 1.0, AR_T);
    assertThat(v.fired()).isEqualTo(Fired.AE);
    assertThat(v.fired().text()).isEqualTo("ae");
    assertThat(v.anomaly()).isTrue();
    assertThat(v.score()).isEqualTo(1.5);
    assertThat(v.aeRatio()).isEqualTo(1.5);
    assertThat(v.arRatio()).isEqualTo(0.2);
  }

  @Test
  void onlyTheForecasterFires() {
    Verdict v = Fusion.of(0.2, AE_T, 12.5, AR_T);
    assertThat(v.fired()).isEqualTo(Fired.AR);
    assertThat(v.fired().text()).isEqualTo("ar");
    assertThat(v.anomaly()).isTrue();
    assertThat(v.score()).isEqualTo(2.5);
  }

  @Test
  void bothFire() {
    Verdict v = Fusion.of(8.0, AE_T, 10.0, AR_T);
    assertThat(v.fired()).isEqualTo(Fired.BOTH);
    assertThat(v.fired().text()).isEqualTo("ae+ar");
    assertThat(v.anomaly()).isTrue();
    assertThat(v.score()).isEqualTo(4.0);
  }

  @Test
  void aScoreEqualToItsThresholdDoesNotFire() {
    Verdict tie = Fusion.of(AE_T, AE_T, AR_T, AR_T);
    assertThat(tie.fired()).isEqualTo(Fired.NONE);
    assertThat(tie.anomaly()).isFalse();
    assertThat(tie.score()).isEqualTo(1.0);
    assertThat(Fusion.of(Math.nextUp(AE_T), AE_T, AR_T, AR_T).fired()).isEqualTo(Fired.AE);
    assertThat(Fusion.of(AE_T, AE_T, Math.nextUp(AR_T), AR_T).fired()).isEqualTo(Fired.AR);
  }

  @Test
  void theCombinedScoreIsAboveOneExactlyWhenADetectorFires() {
    // Thresholds that are not powers of two, and scores one ulp around them, where a ratio could round to 1.0.
    double[] thresholds = {0.1, 1.7999999999999998, 3.0, 2.89, 1e-3, 123.456};
    for (double t : thresholds) {
      for (double s : new double[] {Math.nextDown(t), t, Math.nextUp(t), 0, t * 2}) {
        Verdict ae = Fusion.of(s, t, 0, 1);
        Verdict ar = Fusion.of(0, 1, s, t);
        assertThat(ae.anomaly()).as("AE %s vs %s", s, t).isEqualTo(s > t).isEqualTo(ae.score() > Fusion.THRESHOLD);
        assertThat(ar.anomaly()).as("AR %s vs %s", s, t).isEqualTo(s > t).isEqualTo(ar.score() > Fusion.THRESHOLD);
      }
    }
  }

  @Test
  void withoutAnArScoreTheAutoencoderDecidesAlone() {
    Verdict quiet = Fusion.aeOnly(1.0, AE_T);
    assertThat(quiet.fired()).isEqualTo(Fired.NONE);
    assertThat(quiet.arRatio()).isNaN();
    assertThat(quiet.score()).isEqualTo(0.5);
    Verdict fires = Fusion.aeOnly(3.0, AE_T);
    assertThat(fires.fired()).isEqualTo(Fired.AE);
    assertThat(fires.anomaly()).isTrue();
    assertThat(Fusion.aeOnly(AE_T, AE_T).anomaly()).isFalse();
  }

  @Test
  void badScoresAndThresholdsAreRefused() {
    assertThatThrownBy(() -> Fusion.of(1, 0, 1, 1))
        .hasMessageContaining("AE threshold must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> Fusion.of(1, 1, 1, Double.NaN)).hasMessageContaining("AR threshold");
    assertThatThrownBy(() -> Fusion.of(Double.NaN, 1, 1, 1)).hasMessageContaining("AE score must be finite and >= 0");
    assertThatThrownBy(() -> Fusion.of(1, 1, Double.POSITIVE_INFINITY, 1)).hasMessageContaining("AR score");
    assertThatThrownBy(() -> Fusion.of(1, 1, -1, 1)).hasMessageContaining("AR score");
    assertThatThrownBy(() -> Fusion.aeOnly(1, -2)).hasMessageContaining("AE threshold");
  }

  /**
   * Under {@code ar-led} the AR forecaster makes the verdict: the autoencoder above its threshold alone is reported
   * ({@code fired} = ae) but not anomalous, and the score is the AR ratio, above 1.0 exactly when the AR fires.
   */
  @Test
  void underArLedOnlyTheForecasterRaisesTheVerdict() {
    Verdict aeAlone = Fusion.of(Fusion.Rule.AR_LED, 3.0, AE_T, 4.0, AR_T);
    assertThat(aeAlone.fired()).isEqualTo(Fired.AE);
    assertThat(aeAlone.anomaly()).isFalse();
    assertThat(aeAlone.score()).isEqualTo(0.8).isEqualTo(aeAlone.arRatio());
    assertThat(aeAlone.aeRatio()).isEqualTo(1.5);
    Verdict arAlone = Fusion.of(Fusion.Rule.AR_LED, 1.0, AE_T, 6.0, AR_T);
    assertThat(arAlone.fired()).isEqualTo(Fired.AR);
    assertThat(arAlone.anomaly()).isTrue();
    assertThat(arAlone.score()).isEqualTo(1.2);
    Verdict both = Fusion.of(Fusion.Rule.AR_LED, 30.0, AE_T, 6.0, AR_T);
    assertThat(both.fired()).isEqualTo(Fired.BOTH);
    assertThat(both.score()).as("the AR ratio, not the larger AE one").isEqualTo(1.2);
    assertThat(Fusion.of(Fusion.Rule.AR_LED, 30.0, AE_T, AR_T, AR_T).anomaly()).as("a tie does not fire").isFalse();
    assertThat(Fusion.of(Fusion.Rule.UNION, 3.0, AE_T, 4.0, AR_T).anomaly()).isTrue();
  }

  @Test
  void rulesParseByTheirNamesOnly() {
    assertThat(Fusion.Rule.parse("ar-led")).isEqualTo(Fusion.Rule.AR_LED);
    assertThat(Fusion.Rule.parse("union")).isEqualTo(Fusion.Rule.UNION);
    assertThatThrownBy(() -> Fusion.Rule.parse("AR_LED")).hasMessage("fusion must be \"union\" or \"ar-led\", got"
        + " \"AR_LED\"");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"fusion\": \"max\"}")).hasMessageContaining(
        "fusion must be \"union\" or \"ar-led\"");
    assertThat(Hyperparameters.fromJson("{}").fusionRule()).isEqualTo(Fusion.Rule.AR_LED);
  }
}
