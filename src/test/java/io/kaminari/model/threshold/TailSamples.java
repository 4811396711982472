package io.kaminari.model.threshold;

import java.util.SplittableRandom;

/** Seeded draws from distributions with known quantiles, for the threshold tests (here and in io.kaminari.model). */
public final class TailSamples {
  private TailSamples() {}

  /** {@code n} generalised Pareto draws by inversion: {@code scale/shape · (U^-shape - 1)}, or {@code -scale · ln U}. */
  public static double[] generalisedPareto(int n, double shape, double scale, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double u = 1 - random.nextDouble(); // in (0, 1]
      out[i] = shape == 0 ? -scale * Math.log(u) : scale / shape * (Math.pow(u, -shape) - 1);
    }
    return out;
  }

  /** {@code n} Pareto draws with minimum 1 and tail index {@code alpha}: {@code P(X > x) = x^-alpha}. */
  public static double[] pareto(int n, double alpha, long seed) {
    double[] out = generalisedPareto(n, 0, 1 / alpha, seed); // ln X is exponential with rate alpha
    for (int i = 0; i < n; i++) {
      out[i] = Math.exp(out[i]);
    }
    return out;
  }

  /** {@code n} log-normal draws {@code exp(mu + sigma · Z)} (Box-Muller), the usual shape of reconstruction errors. */
  public static double[] logNormal(int n, double mu, double sigma, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double z = Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
      out[i] = Math.exp(mu + sigma * z);
    }
    return out;
  }

  public static double max(double[] values) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      m = Math.max(m, v);
    }
    return m;
  }
}
