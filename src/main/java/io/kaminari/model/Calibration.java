package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a model's threshold was calibrated, as stored in {@code model.json} and in the manifest's {@code calibration}
 * field: the method, which windows' scores it used, which windows trimmed retraining removed as presumed anomalies,
 * and what the method fitted. Manifests written before it existed have none.
 *
 * @param method the threshold method's text, e.g. {@code pot:1.0/day,init=0.9,censor=0.01}
 * @param basis {@link #VALIDATION} or {@link #TRAINING_RANGE}: which kept windows were scored
 * @param windows how many scores the threshold was calibrated on
 * @param trimFraction the {@code trim_fraction} of the run (0 = no trimmed retraining)
 * @param trimmed windows of the training range (training and validation) removed before the second training pass
 * @param trimmedWindowStarts the window starts (ISO-8601) of the trimmed windows in time order, the first
 *     {@link #MAX_LISTED} of them; under a per-prefix scope a start repeats for each trimmed prefix of that window
 * @param parameters the method's parameters and fitted values ({@link ThresholdMethod.Calibrated#parameters()})
 */
@JsonPropertyOrder({"method", "basis", "windows", "trim_fraction", "trimmed", "trimmed_window_starts", "parameters"})
public record Calibration(
    @JsonProperty("method") String method,
    @JsonProperty("basis") String basis,
    @JsonProperty("windows") long windows,
    @JsonProperty("trim_fraction") double trimFraction,
    @JsonProperty("trimmed") long trimmed,
    @JsonProperty("trimmed_window_starts") List<String> trimmedWindowStarts,
    @JsonProperty("parameters") Map<String, Double> parameters) implements java.io.Serializable {

  /** The basis when the validation windows alone were enough for the method. */
  public static final String VALIDATION = "validation";
  /** The basis when every (kept) window of the training range was scored, validation windows being too few. */
  public static final String TRAINING_RANGE = "training_range";
  /** Trimmed window starts listed at most: 1,000 keep a manifest small while showing any attack in the range. */
  public static final int MAX_LISTED = 1000;

  /** Validates every field; absent lists and maps become empty. */
  public Calibration {
    if (method == null || method.isBlank()) throw new IllegalArgumentException("calibration.method is required");
    if (!VALIDATION.equals(basis) && !TRAINING_RANGE.equals(basis)) {
      throw new IllegalArgumentException("calibration.basis must be " + VALIDATION + " or " + TRAINING_RANGE + ", got "
          + basis);
    }
    if (windows < 1) throw new IllegalArgumentException("calibration.windows must be >= 1, got " + windows);
    if (!(trimFraction >= 0 && trimFraction < 1)) {
      throw new IllegalArgumentException("calibration.trim_fraction must be in [0, 1), got " + trimFraction);
    }
    if (trimmed < 0) throw new IllegalArgumentException("calibration.trimmed must be >= 0, got " + trimmed);
    trimmedWindowStarts = trimmedWindowStarts == null ? List.of() : List.copyOf(trimmedWindowStarts);
    if (trimmedWindowStarts.size() > Math.min(trimmed, MAX_LISTED)) {
      throw new IllegalArgumentException("calibration lists " + trimmedWindowStarts.size() + " trimmed window starts"
          + " for " + trimmed + " trimmed windows (at most " + MAX_LISTED + " are listed)");
    }
    parameters = parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    parameters.forEach((k, v) -> {
      if (v == null || !Double.isFinite(v)) {
        throw new IllegalArgumentException("calibration parameter " + k + " must be finite, got " + v);
      }
    });
  }
}
