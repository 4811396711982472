package io.kaminari.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The anomaly score of one window — the mean squared error between its standardised log1p vector and the
 * reconstruction — with the features contributing most to that error.
 *
 * @param score mean over features of the squared reconstruction error
 * @param topFeatures indices into the vector (and {@code FeatureSpec.featureNames()}), largest error first
 * @param topShares each top feature's share of the window's total squared error, in [0, 1]
 */
public record Score(double score, int[] topFeatures, double[] topShares) {

  /** The top features as readable text, e.g. {@code dst_port 80 pps (87%)}, given the spec's feature names. */
  public List<String> explain(List<String> featureNames) {
    List<String> out = new ArrayList<>(topFeatures.length);
    for (int i = 0; i < topFeatures.length; i++) {
      // Not String.format: this runs for every scored window, and the formatter was a seventh of batch scoring's CPU.
      out.add(featureNames.get(topFeatures[i]) + " (" + Math.round(topShares[i] * 100) + "%)");
    }
    return out;
  }

  @Override
  public String toString() {
    return "Score{score=" + score + ", topFeatures=" + Arrays.toString(topFeatures) + ", topShares="
        + Arrays.toString(topShares) + "}";
  }
}
