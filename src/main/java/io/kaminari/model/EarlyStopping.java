package io.kaminari.model;

/**
 * Tracks the lowest validation loss and says when to stop: after {@code patience} epochs in a row without a strictly
 * lower loss (patience 0 never stops). A NaN loss never counts as an improvement.
 */
final class EarlyStopping {
  private final int patience;
  private double bestLoss = Double.POSITIVE_INFINITY;
  private int bestEpoch;

  EarlyStopping(int patience) {
    this.patience = patience;
  }

  /** Records epoch {@code epoch}'s validation loss; returns whether it is the best so far. */
  boolean update(int epoch, double validationLoss) {
    if (validationLoss < bestLoss) {
      bestLoss = validationLoss;
      bestEpoch = epoch;
      return true;
    }
    return false;
  }

  /** Whether training should stop after epoch {@code epoch}. */
  boolean shouldStop(int epoch) {
    return patience > 0 && bestEpoch > 0 && epoch - bestEpoch >= patience;
  }

  /** The best epoch so far, 0 before any finite loss. */
  int bestEpoch() {
    return bestEpoch;
  }
}
