package io.kaminari.model.threshold;

import java.util.Arrays;

/**
 * Peaks over threshold (POT), the batch form of SPOT (Siffer et al., "Anomaly Detection in Streams with Extreme Value
 * Theory", KDD 2017): the score exceeded with a stated probability per window, extrapolated from a generalised Pareto
 * fit of the largest scores, so that a risk of 1 in 1,440 windows can be set from a few hundred of them.
 *
 * <p>Steps, on log scores ({@link LogScores}):
 * <ol>
 *   <li>The initial threshold t is the nearest-rank {@code initQuantile} of the N scores (N counts the trimmed ones,
 *       which sit above every score given). The N_t scores above t are the peaks; their excesses {@code y = x - t}
 *       follow a generalised Pareto distribution for t high enough (Pickands-Balkema-de Haan).
 *   <li>Robustness: the largest {@code max(trimmed, ceil(censorFraction · N))} peaks are right-censored at the largest
 *       remaining one: they count as "at least this far out", but their values do not shape the fit. A few huge
 *       outliers (an attack inside the calibration range) therefore move the threshold only through their number,
 *       which the fit already expects, and not through their size, which would otherwise drag the shape up. Windows
 *       removed by trimmed retraining are censored peaks in the same way rather than forgotten, so removing them does
 *       not make the tail look lighter than it was.
 *   <li>Fit shape and scale by maximum likelihood ({@link GeneralisedPareto#fit}), and the exponential (shape 0) too.
 *       A likelihood-ratio test keeps the exponential unless the shape differs from 0 at the 5% level (statistic ≥
 *       3.841, chi-squared with one degree of freedom): with the 20-40 peaks of a few hundred windows, a fitted shape
 *       has a standard error of about 0.2, and that noise would otherwise swing the extrapolated threshold.
 *   <li>The threshold: {@code z_q = t + scale/shape · ((q · N / N_t)^(-shape) - 1)} ({@code t - scale · ln(q · N /
 *       N_t)} at shape 0), the score with probability q of being exceeded, returned on the raw scale
 *       ({@code exp(z_q)}).
 * </ol>
 *
 * <p>Refusals (an {@link IllegalArgumentException} whose message says how many scores were given and how many are
 * needed): fewer than {@link #MIN_PEAKS} uncensored peaks, or a risk not below the share of peaks (q · N / N_t ≥ 1:
 * the requested score lies below t, where no tail model is needed and none was fitted).
 */
public final class PeaksOverThreshold {
  /**
   * Uncensored peaks the fit needs. With 20 the shape's standard error is about 0.2 and the likelihood-ratio test can
   * tell a heavy tail from an exponential one; with fewer, two parameters from a dozen points are a guess.
   */
  public static final int MIN_PEAKS = 20;
  /** The 5% critical value of chi-squared with one degree of freedom. */
  static final double LIKELIHOOD_RATIO_CRITICAL = 3.841;

  private PeaksOverThreshold() {}

  /**
   * What a POT calibration used and found; log-scale values are natural logs of scores.
   *
   * @param threshold the raw-scale threshold {@code exp(z_q)}
   * @param initialThreshold the raw-scale initial threshold {@code exp(t)}
   * @param scores N, the scores given plus the trimmed ones
   * @param peaks N_t, peaks above t, censored ones included
   * @param censored peaks censored (trimmed ones included)
   * @param risk q, the probability per window of exceeding the threshold
   * @param tail the distribution used for the threshold (the exponential unless the test rejects it)
   * @param fitted the maximum-likelihood generalised Pareto fit
   * @param likelihoodRatio {@code 2 · (fitted - exponential)} log-likelihoods; ≥ 3.841 keeps the fitted shape
   */
  public record Fit(double threshold, double initialThreshold, int scores, int peaks, int censored, double risk,
      GeneralisedPareto tail, GeneralisedPareto fitted, double likelihoodRatio) {}

  /**
   * The smallest N for which {@link #fit} has {@link #MIN_PEAKS} uncensored peaks when the scores have no ties and
   * none was trimmed: {@code N - ceil(initQuantile · N) - ceil(censorFraction · N) ≥ MIN_PEAKS}.
   */
  public static long minimumScores(double initQuantile, double censorFraction) {
    for (long n = MIN_PEAKS; ; n++) {
      if (n - rank(initQuantile, n) - censoredCount(censorFraction, n) >= MIN_PEAKS) {
        return n;
      }
    }
  }

  /**
   * Fits the tail of {@code logScores} and returns the threshold exceeded with probability {@code risk} per window.
   *
   * @param logScores log scores of the calibration windows (left unchanged)
   * @param trimmed windows already removed from above all of them as presumed anomalies (censored peaks)
   * @param initQuantile the nearest-rank quantile that sets t, in (0, 1)
   * @param censorFraction share of N to censor at least, in [0, 1)
   * @param risk q, in (0, 1)
   * @param method the method's text, to name it in a refusal
   */
  public static Fit fit(double[] logScores, int trimmed, double initQuantile, double censorFraction, double risk,
      String method) {
    int n = logScores.length + trimmed;
    long needed = minimumScores(initQuantile, censorFraction);
    String refusal = "cannot calibrate threshold " + method + " on " + n + " scores" + (trimmed > 0 ? " (" + trimmed
        + " of them trimmed)" : "") + ": ";
    int rank = Math.toIntExact(rank(initQuantile, n));
    if (rank > logScores.length) {
      throw new IllegalArgumentException(refusal + "the initial threshold (nearest-rank " + initQuantile
          + " quantile) falls among the trimmed windows; it needs at least " + needed + " scores");
    }
    double[] sorted = logScores.clone();
    Arrays.sort(sorted);
    double t = sorted[rank - 1];
    int firstPeak = rank;
    while (firstPeak < sorted.length && sorted[firstPeak] <= t) {
      firstPeak++; // ties with t are not peaks
    }
    int givenPeaks = sorted.length - firstPeak;
    int censored = Math.toIntExact(Math.max(trimmed, censoredCount(censorFraction, n)));
    int censoredGiven = Math.min(censored - trimmed, givenPeaks);
    int observed = givenPeaks - censoredGiven;
    if (observed < MIN_PEAKS) {
      throw new IllegalArgumentException(refusal + "it needs " + MIN_PEAKS + " peaks above the initial threshold (the "
          + initQuantile + " quantile) after censoring the top " + censored + ", got " + observed + "; that takes at"
          + " least " + needed + " scores without ties (train on a longer range, or lower init)");
    }
    int peaks = observed + censored;
    double p = risk * n / peaks;
    if (!(p < 1)) {
      throw new IllegalArgumentException(refusal + "a risk of " + risk + " per window is not in the tail above the"
          + " initial threshold, which " + peaks + " of " + n + " scores exceed (" + (double) peaks / n + "); lower"
          + " the risk or raise init");
    }
    double[] excesses = new double[observed];
    for (int i = 0; i < observed; i++) {
      excesses[i] = sorted[firstPeak + i] - t;
    }
    double censoredAt = excesses[observed - 1];
    GeneralisedPareto exponential = GeneralisedPareto.fitExponential(excesses, censored, censoredAt);
    GeneralisedPareto fitted = GeneralisedPareto.fit(excesses, censored, censoredAt);
    double ratio = Math.max(0, 2 * (fitted.logLikelihood() - exponential.logLikelihood()));
    GeneralisedPareto tail = ratio >= LIKELIHOOD_RATIO_CRITICAL ? fitted : exponential;
    double z = t + tail.excessQuantile(p);
    return new Fit(Math.exp(z), Math.exp(t), n, peaks, censored, risk, tail, fitted, ratio);
  }

  /** The nearest rank (1-based) of quantile q among n values: {@code ceil(q · n)}, at least 1. */
  private static long rank(double q, long n) {
    // The guard keeps 0.9 · 290 = 261.00000000000003 at 261.
    return Math.max(1, (long) Math.ceil(q * n - 1e-9));
  }

  private static long censoredCount(double fraction, long n) {
    return (long) Math.ceil(fraction * n - 1e-9);
  }
}
