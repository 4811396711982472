package io.kaminari.model;

import java.util.Locale;

/**
 * What one finished epoch reports: losses are mean squared reconstruction errors per feature of standardised inputs
 * (the same quantity as a window's anomaly score, averaged over windows).
 *
 * @param epoch 1-based epoch number
 * @param epochs the configured maximum
 * @param trainLoss mean over the epoch's batches (weighted by batch size), measured while the weights moved
 * @param validationLoss over the held-out windows with the weights at the end of the epoch
 * @param seconds wall time of the epoch, validation included
 * @param best whether this epoch has the lowest validation loss so far (its weights are the ones saved)
 */
public record EpochProgress(int epoch, int epochs, double trainLoss, double validationLoss, double seconds,
    boolean best) {

  /** The console/log line, e.g. {@code epoch 3/50 train_loss=0.412300 val_loss=0.398100 seconds=0.41 best}. */
  public String line() {
    return String.format(Locale.ROOT, "epoch %d/%d train_loss=%.6f val_loss=%.6f seconds=%.2f%s", epoch, epochs,
        trainLoss, validationLoss, seconds, best ? " best" : "");
  }
}
