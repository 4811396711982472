package io.kaminari.model.threshold;

/**
 * The upper tail of the standard normal distribution and its inverse, for threshold methods stated in sigmas
 * ({@code mad:K}, {@code sigma:K}) whose false-alarm risk is shared out ({@code ThresholdMethod.withRiskDividedBy}).
 *
 * <p>{@link #upper} uses Numerical Recipes' Chebyshev fit of erfc ({@code erfcc}, relative error below 1.2 × 10⁻⁷
 * everywhere, far finer than a share of a false-alarm budget needs); {@link #inverseUpper} is P. J. Acklam's rational
 * approximation refined by one Halley step on {@link #upper}, so the two are inverse to that precision.
 */
public final class NormalTail {
  private NormalTail() {}

  /** P(Z &gt; z) for a standard normal Z. */
  public static double upper(double z) {
    return 0.5 * erfc(z / Math.sqrt(2));
  }

  /** The z with P(Z &gt; z) = p, for 0 &lt; p &lt; 1. */
  public static double inverseUpper(double p) {
    if (!(p > 0 && p < 1)) throw new IllegalArgumentException("a tail probability must be in (0, 1), got " + p);
    double x = -acklam(p); // acklam gives the lower quantile: P(Z < x) = p
    // One Halley step on f(x) = upper(x) - p.
    double e = upper(x) - p;
    double u = -e * Math.sqrt(2 * Math.PI) * Math.exp(x * x / 2);
    return x - u / (1 + x * u / 2);
  }

  /** Numerical Recipes' erfcc: fractional error below 1.2e-7. */
  private static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
  }

  private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01};
  private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
      3.754408661907416e+00};

  /** Acklam's approximation of the lower normal quantile (relative error below 1.15e-9). */
  private static double acklam(double p) {
    double low = 0.02425;
    if (p < low) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
    if (p > 1 - low) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      return -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
}
