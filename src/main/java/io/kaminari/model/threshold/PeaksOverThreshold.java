package io.kaminari.model.threshold;

import java.util.Arrays;

/**
 * Peaks over threshold (POT), the batch form of SPOT (Siffer et al., "Anomaly Detection in Streams with Extreme Value
 * Theory", KDD 2017): the score exceeded with a stated probability per window, extrapolated from a generalised Pareto
 * fit of the largest scores, so that a risk of 1 in 1,440 windows can be set from a few hundred of them.
 *
 * <p>Steps, on log scores ({@link LogScores}):
 * <ol>
 *   <li>The initial threshold t is the nearest-rank {@code initQuantile} of the N scores. The scores above t are the
 *       peaks; their excesses {@code y = x - t} follow a generalised Pareto distribution for t high enough
 *       (Pickands-Balkema-de Haan).
 *   <li>Far outliers are dropped, from the peaks and from N: the peaks above a gap in the excesses that no
 *       exponential tail of the rest explains ({@link #farOutliers}). They are windows such as an attack inside the
 *       calibration range at ten times the usual score, and a single one among the excesses would drag the fitted
 *       tail up by orders of magnitude. The rule holds while they are fewer than half the peaks (5% of the windows at
 *       init 0.9).
 *   <li>The largest {@code ceil(censorFraction · N)} remaining peaks are right-censored at the largest uncensored
 *       one: they count as "at least this far out", but their values do not shape the fit. Moderate outliers (an
 *       attack twice the usual score) therefore move the threshold only through their number, not their size.
 *   <li>Shape and scale by maximum likelihood ({@link GeneralisedPareto#fit}), the shape constrained to ≤ 0. On the
 *       log scale a raw power-law tail of any exponent is exponential (shape 0); a positive shape would be a raw tail
 *       heavier than every power law, which scores of log1p-compressed, standardised features cannot have, and which
 *       a fit of 20-40 peaks finds by chance often enough to swing the extrapolated threshold by orders of magnitude.
 *   <li>The threshold: {@code z_q = t + scale/shape · ((q · N / N_t)^(-shape) - 1)} ({@code t - scale · ln(q · N /
 *       N_t)} at shape 0), with N_t the peaks (censored included) and N the scores (far outliers excluded): the score
 *       exceeded with probability q, returned on the raw scale ({@code exp(z_q)}).
 * </ol>
 *
 * <p>Refusals (an {@link IllegalArgumentException} whose message says how many scores were given and how many are
 * needed): fewer than {@link #MIN_PEAKS} uncensored peaks, or a risk not below the share of peaks (q · N / N_t ≥ 1:
 * the requested score lies below t, where no tail model is needed and none was fitted).
 */
public final class PeaksOverThreshold {
  /**
   * Uncensored peaks the fit needs: with fewer, two parameters from a dozen points are a guess. 15 lets a day of
   * 5-minute windows (288, 28 peaks at init 0.9) lose a few peaks to far outliers and censoring and still calibrate.
   */
  public static final int MIN_PEAKS = 15;
  /** The chance that an exponential tail opens a gap that {@link #farOutliers} takes for the edge of outliers. */
  public static final double FAR_ALPHA = 0.01;
  /** The largest shape fitted on log scores; see the class doc. */
  public static final double MAX_SHAPE = 0;

  private PeaksOverThreshold() {}

  /**
   * What a POT calibration used and found.
   *
   * @param threshold the raw-scale threshold {@code exp(z_q)}
   * @param initialThreshold the raw-scale initial threshold {@code exp(t)}
   * @param scores N: the scores given less the far outliers
   * @param peaks N_t: peaks above t, censored ones included, far outliers not
   * @param censored peaks censored
   * @param outliers far outliers dropped
   * @param risk q, the probability per window of exceeding the threshold
   * @param tail the fitted distribution of the log-score excesses over t
   */
  public record Fit(double threshold, double initialThreshold, int scores, int peaks, int censored, int outliers,
      double risk, GeneralisedPareto tail) {}

  /**
   * The smallest N for which {@link #fit} has {@link #MIN_PEAKS} uncensored peaks when the scores have no ties and
   * none is a far outlier: {@code N - ceil(initQuantile · N) - ceil(censorFraction · N) ≥ MIN_PEAKS}.
   *
   * @throws IllegalArgumentException when no N up to {@link Integer#MAX_VALUE} (a score array's limit) has them:
   *     {@code initQuantile + censorFraction} leaves no share of peaks uncensored, or too small a one
   */
  public static long minimumScores(double initQuantile, double censorFraction) {
    double share = 1 - initQuantile - censorFraction;
    // n · share - 2 < n - ceil(init · n) - ceil(censor · n) ≤ n · share, so the smallest n lies in
    // [MIN_PEAKS / share, (MIN_PEAKS + 2) / share]; search only there. A bare search upward from MIN_PEAKS never
    // ended when init + censor rounds to 1 (0.99 + 0.01: 1 - 0.99 is 0.010000000000000009, so the pair passes a
    // "censor < 1 - init" check and then leaves no peak for any n).
    double upper = (MIN_PEAKS + 2) / share;
    if (!(share > 0) || upper > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("init " + initQuantile + " and censor " + censorFraction + " leave "
          + (share > 0 ? "too small a share (" + share + ")" : "no share") + " of the scores as uncensored peaks;"
          + " lower init or censor");
    }
    for (long n = Math.max(MIN_PEAKS, (long) (MIN_PEAKS / share)); n <= (long) upper + 1; n++) {
      if (n - rank(initQuantile, n) - censoredCount(censorFraction, n) >= MIN_PEAKS) {
        return n;
      }
    }
    throw new IllegalStateException("no minimum found for init " + initQuantile + " and censor " + censorFraction);
  }

  /**
   * Fits the tail of {@code logScores} and returns the threshold exceeded with probability {@code risk} per window.
   *
   * @param logScores log scores of the calibration windows (left unchanged)
   * @param initQuantile the nearest-rank quantile that sets t, in (0, 1)
   * @param censorFraction share of N to censor at least, in [0, 1)
   * @param risk q, in (0, 1)
   * @param method the method's text, to name it in a refusal
   */
  public static Fit fit(double[] logScores, double initQuantile, double censorFraction, double risk, String method) {
    int n = logScores.length;
    long needed = minimumScores(initQuantile, censorFraction);
    String refusal = "cannot calibrate threshold " + method + " on " + n + " scores: ";
    int rank = Math.toIntExact(rank(initQuantile, n));
    double[] sorted = logScores.clone();
    Arrays.sort(sorted);
    double t = sorted[rank - 1];
    int firstPeak = rank;
    while (firstPeak < sorted.length && sorted[firstPeak] <= t) {
      firstPeak++; // ties with t are not peaks
    }
    int givenPeaks = sorted.length - firstPeak;
    int outliers = farOutliers(sorted, firstPeak, t);
    int kept = n - outliers;
    int censored = Math.toIntExact(censoredCount(censorFraction, kept));
    int observed = Math.max(0, givenPeaks - outliers - censored);
    if (observed < MIN_PEAKS) {
      throw new IllegalArgumentException(refusal + "it needs " + MIN_PEAKS + " peaks above the initial threshold (the "
          + initQuantile + " quantile) after censoring the top " + censored + (outliers > 0 ? " and dropping "
          + outliers + " far outliers" : "") + ", got " + observed + "; that takes at least " + needed + " scores"
          + " (train on a longer range, or lower init)");
    }
    int peaks = observed + censored;
    double p = risk * kept / peaks;
    if (!(p < 1)) {
      throw new IllegalArgumentException(refusal + "a risk of " + risk + " per window is not in the tail above the"
          + " initial threshold, which " + peaks + " of " + kept + " scores exceed; lower the risk or raise init");
    }
    double[] excesses = new double[observed];
    for (int i = 0; i < observed; i++) {
      excesses[i] = sorted[firstPeak + i] - t;
    }
    GeneralisedPareto tail = GeneralisedPareto.fit(excesses, censored, excesses[observed - 1], MAX_SHAPE);
    double z = t + tail.excessQuantile(p);
    return new Fit(Math.exp(z), Math.exp(t), kept, peaks, censored, outliers, risk, tail);
  }

  /**
   * How many of the largest peaks {@code sorted[firstPeak..]} are far outliers, by their normalised spacings. With
   * the excesses in descending order {@code y_1 ≥ y_2 ≥ ... ≥ y_n} (and {@code y_(n+1) = 0}), the spacings
   * {@code D_k = k · (y_k - y_(k+1))} of an exponential tail are independent and exponential with the tail's scale, so
   * a gap far wider than the others marks the values above it as foreign. The scale comes from the median spacing
   * ({@code median / ln 2}), which a few huge spacings do not move; the top k peaks are outliers for the largest
   * {@code k ≤ n/2} whose spacing exceeds {@code scale · ln(n / FAR_ALPHA)}, a gap an exponential tail opens anywhere
   * among its n spacings with probability about {@link #FAR_ALPHA}.
   *
   * <p>A gap, not a distance from the bulk: an attack lasting 3% of the range puts 18 of 60 peaks far above the rest,
   * which pulls any location estimate of the peaks towards itself, but leaves one spacing, at its lower edge, that no
   * tail of the rest explains.
   */
  static int farOutliers(double[] sorted, int firstPeak, double t) {
    int n = sorted.length - firstPeak;
    if (n < 2) {
      return 0;
    }
    double[] spacings = new double[n];
    for (int k = 1; k <= n; k++) {
      double below = k < n ? sorted[sorted.length - k - 1] - t : 0;
      spacings[k - 1] = k * (sorted[sorted.length - k] - t - below);
    }
    double scale = RobustScale.of(spacings).median() / Math.log(2);
    if (!(scale > 0)) {
      return 0; // more than half the spacings are ties: no scale to judge a gap by
    }
    double fence = scale * Math.log(n / FAR_ALPHA);
    for (int k = n / 2; k >= 1; k--) {
      if (spacings[k - 1] > fence) {
        return k;
      }
    }
    return 0;
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
