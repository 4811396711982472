package io.kaminari.incidents.spark;

import io.kaminari.model.ModelRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One incidents run: the model whose scores are grouped, the period {@code [from, to)} whose incidents it recomputes,
 * and the grouping settings.
 *
 * @param modelVersion the version whose scores are grouped; null for the newest version that scored the period
 * @param quietWindows an incident ends after this many windows without an anomaly ({@code incidents.quiet-windows})
 * @param lookback how far before {@code from} scores are read too ({@code incidents.lookback}), so that an incident
 *     still running at {@code from} continues rather than starts again
 */
public record IncidentsConfig(String modelName, Integer modelVersion, Instant from, Instant to, int quietWindows,
    Duration lookback) {
  public IncidentsConfig {
    ModelRef.checkName("model", modelName);
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(lookback, "lookback");
    if (!from.isBefore(to)) throw new IllegalArgumentException("--from must be before --to");
    if (modelVersion != null && modelVersion < 1) {
      throw new IllegalArgumentException("--model-version must be >= 1, got " + modelVersion);
    }
    if (quietWindows < 1) throw new IllegalArgumentException("quiet windows must be >= 1, got " + quietWindows);
    if (lookback.isNegative()) throw new IllegalArgumentException("the lookback must not be negative");
  }
}
