package io.kaminari.model;

import java.util.Arrays;

/**
 * The input transform of the autoencoder: {@code (log(1 + max(x, 0)) - mean) / std} per feature, with mean and
 * standard deviation of the log1p values of the training windows, fitted in one streaming pass.
 *
 * <p>log1p first because packet rates and port counts are heavy-tailed: without it one busy port would dominate the
 * squared error. Negative and NaN inputs (which no port feature can produce) count as 0 rather than yielding NaN
 * scores.
 *
 * <p>Std floors, both in log1p units:
 * <ul>
 *   <li>a feature whose training std is below {@link #MIN_STD} (in practice a port never seen in training, constant
 *       0) gets std {@link #CONSTANT_STD} = 1.0. Dividing by a near-zero std would make any later traffic on that port
 *       an error of millions and swamp every other feature; with 1.0 such traffic still scores as its plain log1p
 *       deviation, so it stays visible without exploding;
 *   <li>any other feature gets at least {@link #STD_FLOOR} = 0.25. A port that is idle in most training windows has a
 *       tiny std (0.02-0.1 on the demo's day: log1p of a fraction of a packet per second, mostly 0), so a benign burst
 *       of a few packets per second on it became a 20-sigma deviation and outscored floods whose features vary more
 *       (measured in {@code DetectionIT}: a 7 pps burst on dst port 1433 scored 4.4, above a 500 pps NTP reflection at
 *       2.6). With the floor, a deviation counts at most one sigma per 0.25 of log1p, i.e. per ~28% change of
 *       {@code 1 + x}, which leaves busy features (std 0.3 and more) untouched.
 * </ul>
 */
public final class Normalizer {
  public static final double MIN_STD = 1e-6;
  public static final float CONSTANT_STD = 1.0f;
  public static final float STD_FLOOR = 0.25f;

  private final float[] mean;
  private final float[] std;

  /** A normalizer with these per-feature statistics (of log1p values), e.g. read back from a stored model. */
  public Normalizer(float[] mean, float[] std) {
    if (mean.length != std.length || mean.length == 0) {
      throw new IllegalArgumentException("mean and std must have the same non-zero length, got " + mean.length
          + " and " + std.length);
    }
    for (float s : std) {
      if (!(s > 0) || !Float.isFinite(s)) {
        throw new IllegalArgumentException("std values must be finite and > 0, got " + s);
      }
    }
    this.mean = mean.clone();
    this.std = std.clone();
  }

  /**
   * Fits mean and population std of log1p(x) per feature in one pass (Welford's update in double, so that a long
   * range of windows neither needs to be held nor loses precision to cancellation), then applies the std floors of
   * the class comment; needs at least one window.
   */
  public static Normalizer fit(Iterable<float[]> vectors, int dimension) {
    return fit(vectors, dimension, STD_FLOOR);
  }

  /**
   * As {@link #fit(Iterable, int)} with another floor for non-constant features ({@code 0}: the plain std, as the
   * statistics alone are tested); constant features still get {@link #CONSTANT_STD}.
   */
  public static Normalizer fit(Iterable<float[]> vectors, int dimension, float stdFloor) {
    if (!(stdFloor >= 0 && Float.isFinite(stdFloor))) {
      throw new IllegalArgumentException("the std floor must be a finite number >= 0, got " + stdFloor);
    }
    double[] m = new double[dimension];
    double[] m2 = new double[dimension];
    long n = 0;
    for (float[] v : vectors) {
      if (v.length != dimension) {
        throw new IllegalArgumentException("vector of length " + v.length + " where " + dimension + " was expected");
      }
      n++;
      for (int j = 0; j < dimension; j++) {
        double x = log1p(v[j]);
        double delta = x - m[j];
        m[j] += delta / n;
        m2[j] += delta * (x - m[j]);
      }
    }
    if (n == 0) {
      throw new IllegalArgumentException("cannot fit a normalizer on zero windows");
    }
    float[] mean = new float[dimension];
    float[] std = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      mean[j] = (float) m[j];
      double s = Math.sqrt(m2[j] / n);
      std[j] = s < MIN_STD ? CONSTANT_STD : Math.max(stdFloor, (float) s);
    }
    return new Normalizer(mean, std);
  }

  /** The standardised log1p form of one raw vector, as the model sees it. */
  public float[] apply(float[] raw) {
    float[] out = new float[mean.length];
    apply(raw, 0, out, 0);
    return out;
  }

  /** Writes the standardised form of {@code raw[rawOffset ..]} to {@code out[outOffset ..]}; batch assembly's form. */
  public void apply(float[] raw, int rawOffset, float[] out, int outOffset) {
    for (int j = 0; j < mean.length; j++) {
      out[outOffset + j] = (float) ((log1p(raw[rawOffset + j]) - mean[j]) / std[j]);
    }
  }

  public int dimension() {
    return mean.length;
  }

  /** Per-feature mean of the log1p values (a copy). */
  public float[] mean() {
    return mean.clone();
  }

  /** Per-feature std of the log1p values after the floor (a copy). */
  public float[] std() {
    return std.clone();
  }

  private static double log1p(float x) {
    return Math.log1p(x > 0 ? x : 0);
  }

  @Override
  public String toString() {
    return "Normalizer{mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "}";
  }
}
