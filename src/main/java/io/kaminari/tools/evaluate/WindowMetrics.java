package io.kaminari.tools.evaluate;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Per-window detection quality: which flagged windows are labelled attacks, and which attacks were flagged.
 *
 * <p>Precision is 1 when nothing was flagged (no false alarm was raised) and recall is 1 when nothing was labelled,
 * so that an empty side never divides by zero; the counts are kept to tell those cases apart.
 */
public record WindowMetrics(int truePositives, int falsePositives, int falseNegatives) {

  /** Compares the flagged windows with the labelled ones (both by window start). */
  public static WindowMetrics of(Set<Instant> flagged, Set<Instant> labelled) {
    Set<Instant> tp = new HashSet<>(flagged);
    tp.retainAll(labelled);
    return new WindowMetrics(tp.size(), flagged.size() - tp.size(), labelled.size() - tp.size());
  }

  public double precision() {
    int flagged = truePositives + falsePositives;
    return flagged == 0 ? 1.0 : (double) truePositives / flagged;
  }

  public double recall() {
    int labelled = truePositives + falseNegatives;
    return labelled == 0 ? 1.0 : (double) truePositives / labelled;
  }

  public double f1() {
    double p = precision();
    double r = recall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  @Override
  public String toString() {
    return String.format("precision=%.3f recall=%.3f f1=%.3f (tp=%d fp=%d fn=%d)", precision(), recall(), f1(),
        truePositives, falsePositives, falseNegatives);
  }
}
