package io.kaminari.model;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link Trainer#train}: the per-epoch history, which epoch's weights were kept, the normalisation and
 * threshold stored with the model, and where the files are.
 *
 * @param epochs one entry per epoch run, in order
 * @param bestEpoch 1-based epoch with the lowest validation loss; its weights are in {@code paramsFile}
 * @param earlyStopped whether training stopped before the configured number of epochs
 * @param normalizer log1p mean/std of the training windows
 * @param threshold anomaly threshold calibrated with the kept weights
 * @param thresholdMethod how {@code threshold} was derived
 * @param thresholdBasis which scores it was derived from, in words: {@code validation scores}, or every (kept) window
 *     of the training range when there are too few validation windows for the method (see
 *     {@link ThresholdMethod#minimumScores}), and how many windows trimmed retraining removed
 * @param calibration the same as data, as stored in model.json and the manifest: method, basis, windows used and
 *     trimmed, the method's fitted values
 * @param validationMetrics {@code val_loss} (best epoch), {@code val_score_mean}, {@code val_score_p50},
 *     {@code val_score_p99}, {@code val_score_max}, {@code val_above_threshold} (share of validation windows above it),
 *     {@code threshold_windows} (how many scores the threshold was calibrated on), {@code trimmed_windows} (how many
 *     windows trimmed retraining removed; 0 without it)
 * @param trainWindows windows trained on
 * @param validationWindows windows held out
 * @param engine DJL and engine versions and thread count
 * @param paramsFile the saved weights, {@code autoencoder-0000.params}
 * @param secondsTotal wall time of the whole run, normalisation and calibration included
 */
public record TrainingResult(
    List<EpochProgress> epochs,
    int bestEpoch,
    boolean earlyStopped,
    Normalizer normalizer,
    double threshold,
    ThresholdMethod thresholdMethod,
    String thresholdBasis,
    Calibration calibration,
    Map<String, Double> validationMetrics,
    long trainWindows,
    long validationWindows,
    String engine,
    Path paramsFile,
    double secondsTotal) {

  public TrainingResult {
    epochs = List.copyOf(epochs);
    validationMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(validationMetrics));
  }
}
