package io.kaminari.model;

import java.util.SplittableRandom;

/** Traffic-like synthetic vectors with structure: non-negative, heavy-tailed, driven by a few latent factors. */
final class Synthetic {
  private final double[][] loadings;
  private SplittableRandom random;

  Synthetic(int dimension, int factors, long seed) {
    random = new SplittableRandom(seed);
    loadings = new double[factors][dimension];
    for (double[] row : loadings) {
      for (int j = 0; j < dimension; j++) {
        row[j] = random.nextDouble() * 2;
      }
    }
  }

  /** Same structure (loadings), fresh draws from another seed: e.g. a held-out test set. */
  Synthetic withSeed(long seed) {
    random = new SplittableRandom(seed);
    return this;
  }

  /** {@code n} benign vectors: expm1(1 + z·L + small noise), so every value is at least e - 1. */
  float[][] benign(int n) {
    int dimension = loadings[0].length;
    float[][] out = new float[n][dimension];
    for (float[] v : out) {
      double[] z = new double[loadings.length];
      for (int f = 0; f < z.length; f++) {
        z[f] = random.nextDouble();
      }
      for (int j = 0; j < dimension; j++) {
        double s = 1;
        for (int f = 0; f < z.length; f++) {
          s += z[f] * loadings[f][j];
        }
        v[j] = (float) Math.expm1(s + 0.05 * random.nextGaussian());
      }
    }
    return out;
  }
}
