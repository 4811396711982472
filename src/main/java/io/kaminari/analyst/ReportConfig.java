package io.kaminari.analyst;

import io.kaminari.model.ModelRef;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One incident report: the period {@code [from, to)} (UTC, whole hours), where to write it, and which model's scores
 * to show.
 *
 * @param modelName registry model name whose scores are shown
 * @param modelVersion the version to show; null for the newest version that scored the period
 * @param maxAnomalies rows of the anomaly table (the highest score / threshold first)
 */
public record ReportConfig(Instant from, Instant to, Path outDir, String modelName, Integer modelVersion,
    int maxAnomalies) {
  public static final String DEFAULT_MODEL = "flow-ae";
  public static final int DEFAULT_MAX_ANOMALIES = 50;

  public ReportConfig {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(outDir, "outDir");
    if (!from.isBefore(to)) throw new IllegalArgumentException("--from must be before --to");
    ModelRef.checkName("model", modelName);
    if (modelVersion != null && modelVersion < 1) {
      throw new IllegalArgumentException("--model-version must be >= 1, got " + modelVersion);
    }
    if (maxAnomalies < 1) throw new IllegalArgumentException("--max-anomalies must be >= 1, got " + maxAnomalies);
  }
}
