package io.kaminari.model.threshold;

import java.util.Arrays;

/**
 * Median and median absolute deviation (MAD) of a sample: location and spread that a minority of outliers cannot move
 * far (both have a 50% breakdown point), unlike the mean and standard deviation, which one huge value drags anywhere.
 *
 * @param median the sample median (the mean of the two middle values for an even count)
 * @param mad the median of {@code |x - median|}
 */
public record RobustScale(double median, double mad) {
  /**
   * Multiplies the MAD to estimate the standard deviation of normal data: 1 / Φ⁻¹(3/4). With it, median + k · 1.4826 ·
   * MAD is "k sigma" for a normal sample, so k means what it does for {@code sigma:K}.
   */
  public static final double NORMAL_CONSISTENCY = 1.4826;

  /** The median and MAD of {@code values} (left unchanged); throws on an empty sample. */
  public static RobustScale of(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("the median of no values is undefined");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double median = median(sorted);
    double[] deviations = new double[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      deviations[i] = Math.abs(sorted[i] - median);
    }
    Arrays.sort(deviations);
    return new RobustScale(median, median(deviations));
  }

  /** The MAD scaled to a normal standard deviation, {@code 1.4826 · mad}. */
  public double sigma() {
    return NORMAL_CONSISTENCY * mad;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
