package io.kaminari.model.threshold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

class PeaksOverThresholdTest {
  private static final double Q = 1.0 / 1440; // one false alarm a day of 1-minute windows

  private static PeaksOverThreshold.Fit fit(double[] scores, double risk) {
    return PeaksOverThreshold.fit(LogScores.of(scores, "pot"), 0.9, 0.01, risk, "pot");
  }

  /** The thresholds for risk 1e-4 of 21 seeded samples, each divided by the true quantile, sorted. */
  private static double[] ratios(LongFunction<double[]> sample, double truth) {
    double[] r = new double[21];
    for (int seed = 0; seed < r.length; seed++) {
      r[seed] = fit(sample.apply(seed), 1e-4).threshold() / truth;
    }
    Arrays.sort(r);
    return r;
  }

  // Tolerances: extrapolating three decades beyond the 0.9 quantile multiplies every error of the fitted shape, so 21
  // seeds are judged by their median (bias) and their extremes (spread), as measured with these estimators.

  @Test
  void theBoundedSearchForTheMinimumFindsWhatCountingUpFinds() {
    double[][] pairs = {{0.9, 0.01}, {0.9, 0}, {0.5, 0.3}, {0.99, 0.002}, {0.999, 0}, {0.98, 0.019}};
    for (double[] p : pairs) {
      long plain = PeaksOverThreshold.MIN_PEAKS;
      while (plain - (long) Math.ceil(p[0] * plain - 1e-9) - (long) Math.ceil(p[1] * plain - 1e-9)
          < PeaksOverThreshold.MIN_PEAKS) {
        plain++;
      }
      assertThat(PeaksOverThreshold.minimumScores(p[0], p[1])).as("init %s censor %s", p[0], p[1]).isEqualTo(plain);
    }
    assertThatThrownBy(() -> PeaksOverThreshold.minimumScores(0.6, 0.4)).hasMessageContaining("leave no share");
  }

  @Test
  void recoversTheQuantileOfAPowerLawTail() {
    // Pareto scores, P(X > x) = x^-2: the 1-in-10,000 score is 100, and their logs have an exponential tail (shape 0,
    // on the bound of the fit, which costs a little: a sample whose shape would fit positive is held at 0).
    double[] r = ratios(seed -> TailSamples.pareto(20_000, 2, seed), 100);
    assertThat(r[10]).as("median ratio to the true quantile").isBetween(0.8, 1.1);
    assertThat(r[0]).as("smallest ratio").isGreaterThan(0.55);
    assertThat(r[20]).as("largest ratio").isLessThan(1.3);
  }

  @Test
  void recoversTheQuantileOfABoundedLogTail() {
    // log scores GPD(shape -0.25, scale 1): the 1-in-10,000 log score is 1/-0.25 · (1e-4^0.25 - 1) = 3.6.
    double truth = Math.exp(1 / -0.25 * (Math.pow(1e-4, 0.25) - 1));
    double[] r = ratios(seed -> Arrays.stream(TailSamples.generalisedPareto(20_000, -0.25, 1, seed)).map(Math::exp)
        .toArray(), truth);
    assertThat(r[10]).isBetween(0.85, 1.1);
    assertThat(r[0]).isGreaterThan(0.75);
    assertThat(r[20]).isLessThan(1.35);
  }

  @Test
  void recoversTheQuantileOfLogNormalScoresFromAFewHundred() {
    // The usual shape of reconstruction errors, and a day of 5-minute windows: 1-in-288 from 288 scores.
    double truth = Math.exp(0.4 * 2.6994967002249752); // Φ⁻¹(1 - 1/288) = 2.6995
    double[] r = new double[21];
    for (int seed = 0; seed < r.length; seed++) {
      r[seed] = fit(TailSamples.logNormal(288, 0, 0.4, seed), 1.0 / 288).threshold() / truth;
    }
    Arrays.sort(r);
    assertThat(r[10]).isBetween(0.85, 1.1);
    assertThat(r[0]).isGreaterThan(0.7);
    assertThat(r[20]).isLessThan(1.4);
  }

  @Test
  void farOutliersAreDroppedAndDoNotMoveTheThreshold() {
    double[] clean = TailSamples.logNormal(1000, 0, 0.4, 21);
    double[] dirty = Arrays.copyOf(clean, 1005);
    for (int i = 1000; i < 1005; i++) {
      dirty[i] = 1000 * TailSamples.max(clean);
    }
    PeaksOverThreshold.Fit a = fit(clean, Q);
    PeaksOverThreshold.Fit b = fit(dirty, Q);
    assertThat(a.outliers()).isZero();
    assertThat(b.outliers()).isEqualTo(5);
    assertThat(b.scores()).isEqualTo(1000);
    assertThat(b.threshold()).isCloseTo(a.threshold(), within(0.05 * a.threshold()));
    // normalised spacings k · (y_k - y_k+1) of 16 excesses: median 0.185, fence 0.185 / ln 2 · ln(16 / 0.01) = 1.97;
    // the gap under 7.0 (5.5) is foreign, the one under 1.5 (2 · 1.2 = 2.4) as well, so the top two are outliers
    double[] excesses = {0.05, 0.08, 0.1, 0.1, 0.1, 0.12, 0.15, 0.15, 0.18, 0.2, 0.2, 0.22, 0.25, 0.3, 1.5, 7.0};
    assertThat(PeaksOverThreshold.farOutliers(excesses, 0, 0)).isEqualTo(2);
    // a group of outliers above one gap, larger than any distance rule would tolerate: 6 of 16
    double[] group = {0.05, 0.08, 0.1, 0.1, 0.12, 0.15, 0.18, 0.2, 0.22, 0.3, 3.0, 3.1, 3.3, 3.4, 3.6, 4.0};
    assertThat(PeaksOverThreshold.farOutliers(group, 0, 0)).isEqualTo(6);
  }

  @Test
  void theTopPeaksAreCensoredSoOnlyTheirNumberCounts() {
    // 300 scores censor their top 3 (1%): raising those three by 10%, not enough to open a foreign gap, leaves the
    // threshold exactly where it was, while it moves when the censoring is off.
    double[] clean = TailSamples.logNormal(300, 0, 0.4, 22);
    double[] raised = clean.clone();
    double[] sorted = clean.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < raised.length; i++) {
      if (raised[i] >= sorted[297]) {
        raised[i] *= 1.1;
      }
    }
    PeaksOverThreshold.Fit a = fit(clean, 1.0 / 300);
    PeaksOverThreshold.Fit b = fit(raised, 1.0 / 300);
    assertThat(a.outliers()).isZero();
    assertThat(b.outliers()).isZero();
    assertThat(a.censored()).isEqualTo(3);
    assertThat(b.threshold()).isEqualTo(a.threshold());
    PeaksOverThreshold.Fit uncensored = PeaksOverThreshold.fit(LogScores.of(raised, "p"), 0.9, 0, 1.0 / 300, "p");
    assertThat(uncensored.censored()).isZero();
    assertThat(uncensored.threshold()).isNotEqualTo(PeaksOverThreshold.fit(LogScores.of(clean, "p"), 0.9, 0,
        1.0 / 300, "p").threshold());
  }

  @Test
  void refusesTooFewScoresSayingHowManyItNeeds() {
    long needed = PeaksOverThreshold.minimumScores(0.9, 0.01);
    assertThat(needed).isEqualTo(170); // 170 - 153 - 2 = 15 peaks
    double[] enough = TailSamples.logNormal((int) needed, 0, 0.4, 24);
    assertThat(fit(enough, 1e-3).peaks()).isEqualTo(17);
    double[] tooFew = Arrays.copyOf(enough, (int) needed - 1);
    assertThatThrownBy(() -> PeaksOverThreshold.fit(LogScores.of(tooFew, "p"), 0.9, 0.01, 1e-3, "pot:0.001"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot calibrate threshold pot:0.001 on 169 scores: it needs 15 peaks above the initial threshold"
            + " (the 0.9 quantile) after censoring the top 2, got 14; that takes at least 170 scores (train on a"
            + " longer range, or lower init)");
    assertThatThrownBy(() -> fit(new double[] {1, 2, 3}, 1e-3)).hasMessageContaining("on 3 scores");
  }

  @Test
  void refusesARiskBelowTheInitialThreshold() {
    double[] scores = TailSamples.logNormal(1000, 0, 0.4, 25);
    assertThatThrownBy(() -> fit(scores, 0.2)).hasMessageContaining("a risk of 0.2 per window is not in the tail");
  }
}
