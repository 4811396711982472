package io.kaminari.model.threshold;

/**
 * A generalised Pareto distribution of excesses {@code y > 0} over a threshold, with survival function
 * {@code S(y) = (1 + shape · y / scale)^(-1 / shape)} ({@code exp(-y / scale)} at shape 0), and its maximum-likelihood
 * fit to excesses of which the largest may be censored.
 *
 * <p>Shape &gt; 0 is a heavy (power-law) tail, 0 an exponential one, &lt; 0 a tail with an upper end point at
 * {@code scale / -shape}. The fit is restricted to shape ≥ -1: below it the likelihood grows without bound towards the
 * largest excess, and the "maximum" would be a degenerate distribution that ends there.
 *
 * @param shape the tail index γ
 * @param scale σ &gt; 0
 * @param logLikelihood the log-likelihood of the fitted sample (censored terms included); comparable between fits of
 *     the same sample, e.g. for the likelihood-ratio test against the exponential
 */
public record GeneralisedPareto(double shape, double scale, double logLikelihood) {
  /** Below this |shape| the exponential formulas are used: the GPD ones lose every digit to cancellation. */
  private static final double EXPONENTIAL_SHAPE = 1e-9;
  /** Grid over s, where θ · c = expm1(s): s in [-20, 15] spans θ·c from -1 + 2e-9 to 3.3e6, step 0.05. */
  private static final double GRID_FROM = -20;
  private static final double GRID_TO = 15;
  private static final double GRID_STEP = 0.05;

  public GeneralisedPareto {
    if (!(scale > 0) || !Double.isFinite(scale) || !Double.isFinite(shape)) {
      throw new IllegalArgumentException("a generalised Pareto distribution needs a finite shape and a finite scale"
          + " > 0, got shape " + shape + " and scale " + scale);
    }
  }

  /**
   * The excess whose survival probability is {@code p} (0 &lt; p ≤ 1): {@code scale/shape · (p^-shape - 1)}, or
   * {@code -scale · ln p} at shape 0.
   */
  public double excessQuantile(double p) {
    if (!(p > 0 && p <= 1)) {
      throw new IllegalArgumentException("a tail probability must be in (0, 1], got " + p);
    }
    if (Math.abs(shape) < EXPONENTIAL_SHAPE) {
      return -scale * Math.log(p);
    }
    return scale / shape * Math.expm1(-shape * Math.log(p));
  }

  /**
   * The exponential distribution (shape 0) fitted by maximum likelihood: scale = (sum of the excesses + censored ·
   * censoredAt) / observed excesses, closed form.
   *
   * @param excesses the observed excesses, all &gt; 0
   * @param censored how many further excesses are known only to be at least {@code censoredAt}
   * @param censoredAt the censoring point (≥ every observed excess); ignored when {@code censored} is 0
   */
  public static GeneralisedPareto fitExponential(double[] excesses, int censored, double censoredAt) {
    checkSample(excesses, censored, censoredAt);
    double sum = censored * censoredAt;
    for (double y : excesses) {
      sum += y;
    }
    double scale = sum / excesses.length;
    return new GeneralisedPareto(0, scale, -excesses.length * Math.log(scale) - excesses.length);
  }

  /**
   * The maximum-likelihood fit of shape and scale, with {@code censored} further excesses known only to be at least
   * {@code censoredAt} (right-censored: they count as "this far out" without their values shaping the tail).
   *
   * <p>Method: Grimshaw's reduction (as in SPOT) extended to censoring. With θ = shape / scale fixed, the likelihood's
   * maximum over the shape has the closed form {@code shape(θ) = (Σ ln(1 + θ y_i) + censored · ln(1 + θ c)) / n}, so
   * the fit is a search over θ alone, on {@code θ > -1 / max(y, c)}. The profile log-likelihood
   * {@code -n ln(shape/θ) - Σ ln(1 + θ y_i) - n} is evaluated on a fixed grid of 701 points over
   * {@code θ · c = expm1(s)}, s in [-20, 15], then refined by golden-section search around the best point. Grimshaw
   * solves for the roots of the derivative instead; the grid needs no bracketing or derivative and cannot miss the
   * global maximum between two roots, which is worth 701 evaluations of a sum over a few dozen excesses. The
   * exponential (θ = 0) is always a candidate, so the fit never has a lower likelihood than it.
   */
  public static GeneralisedPareto fit(double[] excesses, int censored, double censoredAt) {
    return fit(excesses, censored, censoredAt, Double.POSITIVE_INFINITY);
  }

  /**
   * As {@link #fit(double[], int, double)} with the shape constrained to at most {@code maxShape} (≥ 0, so that the
   * exponential is always allowed); the maximum may then sit on the bound.
   */
  public static GeneralisedPareto fit(double[] excesses, int censored, double censoredAt, double maxShape) {
    if (!(maxShape >= 0)) {
      throw new IllegalArgumentException("the largest shape must be >= 0 (the exponential is always a candidate), got "
          + maxShape);
    }
    checkSample(excesses, censored, censoredAt);
    double top = censored > 0 ? censoredAt : max(excesses);
    GeneralisedPareto best = fitExponential(excesses, censored, censoredAt);
    double bestS = 0;
    int steps = (int) Math.round((GRID_TO - GRID_FROM) / GRID_STEP);
    for (int i = 0; i <= steps; i++) {
      double s = GRID_FROM + i * GRID_STEP;
      GeneralisedPareto candidate = profile(excesses, censored, censoredAt, Math.expm1(s) / top);
      if (candidate != null && candidate.shape <= maxShape && candidate.logLikelihood > best.logLikelihood) {
        best = candidate;
        bestS = s;
      }
    }
    // Golden-section search for the maximum in [bestS - step, bestS + step]; when the exponential won (bestS = 0) the
    // bracket straddles θ = 0, where the profile is undefined and the exponential stays the candidate to beat.
    double lo = bestS - GRID_STEP;
    double hi = bestS + GRID_STEP;
    double ratio = (Math.sqrt(5) - 1) / 2;
    for (int i = 0; i < 60; i++) {
      double a = hi - ratio * (hi - lo);
      double b = lo + ratio * (hi - lo);
      if (logLikelihood(excesses, censored, censoredAt, Math.expm1(a) / top, maxShape)
          >= logLikelihood(excesses, censored, censoredAt, Math.expm1(b) / top, maxShape)) {
        hi = b;
      } else {
        lo = a;
      }
    }
    GeneralisedPareto refined = profile(excesses, censored, censoredAt, Math.expm1((lo + hi) / 2) / top);
    return refined != null && refined.shape <= maxShape && refined.logLikelihood > best.logLikelihood ? refined : best;
  }

  private static double logLikelihood(double[] excesses, int censored, double censoredAt, double theta,
      double maxShape) {
    GeneralisedPareto g = profile(excesses, censored, censoredAt, theta);
    return g == null || g.shape > maxShape ? Double.NEGATIVE_INFINITY : g.logLikelihood;
  }

  /** The best distribution for this θ, or null where θ is outside the domain or the shape would be below -1. */
  private static GeneralisedPareto profile(double[] excesses, int censored, double censoredAt, double theta) {
    if (theta == 0 || !Double.isFinite(theta)) {
      return null;
    }
    double sumLogs = 0;
    for (double y : excesses) {
      double v = Math.log1p(theta * y);
      if (!Double.isFinite(v)) {
        return null;
      }
      sumLogs += v;
    }
    double censoredLog = censored > 0 ? Math.log1p(theta * censoredAt) : 0;
    if (!Double.isFinite(censoredLog)) {
      return null;
    }
    int n = excesses.length;
    double shape = (sumLogs + censored * censoredLog) / n;
    double scale = shape / theta;
    if (shape < -1 || !(scale > 0) || !Double.isFinite(scale)) {
      return null;
    }
    return new GeneralisedPareto(shape, scale, -n * Math.log(scale) - sumLogs - n);
  }

  private static void checkSample(double[] excesses, int censored, double censoredAt) {
    if (excesses.length == 0) {
      throw new IllegalArgumentException("cannot fit a tail to no excesses");
    }
    for (double y : excesses) {
      if (!(y > 0) || Double.isInfinite(y)) {
        throw new IllegalArgumentException("excesses must be finite and > 0, got " + y);
      }
    }
    if (censored < 0) {
      throw new IllegalArgumentException("the censored count must be >= 0, got " + censored);
    }
    if (censored > 0 && !(censoredAt >= max(excesses) && Double.isFinite(censoredAt))) {
      throw new IllegalArgumentException("the censoring point " + censoredAt + " must be at least the largest observed"
          + " excess " + max(excesses));
    }
  }

  private static double max(double[] values) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      m = Math.max(m, v);
    }
    return m;
  }
}
