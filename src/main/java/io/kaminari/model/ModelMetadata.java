package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a trained model needs besides its weights, stored as {@code model.json} next to the params file: the input
 * dimension and hyperparameters (to rebuild the block), the normalisation statistics, and the calibrated threshold.
 *
 * @param inputDim vector length the model was trained on
 * @param hyperparameters the training settings, hidden sizes included
 * @param mean per-feature mean of log1p inputs over the training windows
 * @param std per-feature std of log1p inputs, floored (see {@link Normalizer})
 * @param threshold scores above this are anomalies
 * @param bestEpoch the epoch (1-based) whose weights were kept
 * @param trainWindows windows used for fitting
 * @param validationWindows most recent windows held out for early stopping and the threshold
 * @param engine DJL and engine versions that trained the model
 * @param calibration how the threshold was calibrated; null in files written before it was recorded, and after
 *     {@link #withThreshold} (a threshold set by hand was not calibrated)
 */
@JsonPropertyOrder({"input_dim", "hyperparameters", "mean", "std", "threshold", "best_epoch", "train_windows",
    "validation_windows", "engine", "calibration"})
public record ModelMetadata(
    @JsonProperty("input_dim") int inputDim,
    @JsonProperty("hyperparameters") Hyperparameters hyperparameters,
    @JsonProperty("mean") float[] mean,
    @JsonProperty("std") float[] std,
    @JsonProperty("threshold") double threshold,
    @JsonProperty("best_epoch") int bestEpoch,
    @JsonProperty("train_windows") long trainWindows,
    @JsonProperty("validation_windows") long validationWindows,
    @JsonProperty("engine") String engine,
    @JsonProperty("calibration") @JsonInclude(JsonInclude.Include.NON_NULL) Calibration calibration) {

  public static final String FILE_NAME = "model.json";

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  /** A copy with another threshold (a caller that calibrates its own) and therefore no calibration record. */
  public ModelMetadata withThreshold(double newThreshold) {
    return new ModelMetadata(inputDim, hyperparameters, mean, std, newThreshold, bestEpoch, trainWindows,
        validationWindows, engine, null);
  }

  /** The normalizer these statistics describe. */
  public Normalizer normalizer() {
    return new Normalizer(mean, std);
  }

  /** Writes {@code model.json} into {@code dir}. */
  public void write(Path dir) {
    try {
      Files.writeString(dir.resolve(FILE_NAME), JSON.writeValueAsString(this) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(FILE_NAME), e);
    }
  }

  /** Reads {@code model.json} from {@code dir}; a missing or malformed file throws naming it. */
  public static ModelMetadata read(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    try {
      return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), ModelMetadata.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model metadata " + file, e);
    }
  }
}
