package io.kaminari.model.threshold;

/**
 * Anomaly scores on the log scale, where the robust threshold methods work: {@code log(max(s, FLOOR))} of every score.
 *
 * <p>Why logs: reconstruction errors are positive and right-skewed, and their scale differs by orders of magnitude
 * from one model to the next. On the log scale the bulk is roughly symmetric (so median and MAD describe it), a
 * power-law tail becomes an exponential one (the generalised Pareto fit's most stable case, shape 0), and a few
 * outliers a thousand times the typical score are a few units away instead of dominating every moment.
 *
 * <p>Why a floor and not {@code log(s + eps)}: the floor leaves every score above it exactly invertible
 * ({@code exp(log(s)) = s}), whereas an added eps would shift small-scale models (scores around 1e-6) noticeably. A
 * score of exactly 0 (a window the model reconstructs perfectly, in practice only constant training data) becomes
 * {@code log(1e-12)} ≈ -27.6: far below the rest, where the median and the upper tail do not see it.
 */
public final class LogScores {
  /** Scores below this (only exact zeros in practice) count as this on the log scale. */
  public static final double FLOOR = 1e-12;

  private LogScores() {}

  /**
   * The log of every score, in the same order; throws {@link IllegalArgumentException} naming {@code method} on a
   * negative, NaN or infinite score, because such a score is a bug upstream, not a value to calibrate on.
   */
  public static double[] of(double[] scores, String method) {
    double[] out = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      double s = scores[i];
      if (!(s >= 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("cannot calibrate threshold " + method + ": score " + i + " is " + s
            + " (scores must be finite and >= 0)");
      }
      out[i] = Math.log(Math.max(s, FLOOR));
    }
    return out;
  }
}
