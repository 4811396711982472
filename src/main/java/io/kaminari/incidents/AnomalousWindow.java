package io.kaminari.incidents;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One anomalous window of one model, scope and victim, as incidents are grouped from it.
 *
 * @param model the registry model name that flagged the window
 * @param scope {@code global} or {@code dst-prefix}
 * @param victim the destination prefix ({@link Victims#of})
 * @param windowStart inclusive, UTC
 * @param windowEnd exclusive, UTC; after {@code windowStart}
 * @param score the production verdict's score
 */
public record AnomalousWindow(String model, String scope, String victim, Instant windowStart, Instant windowEnd,
    double score) {
  public AnomalousWindow {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(victim, "victim");
    if (!windowEnd.isAfter(windowStart)) {
      throw new IllegalArgumentException("window end " + windowEnd + " is not after its start " + windowStart);
    }
  }

  /** The window's length. */
  public Duration length() {
    return Duration.between(windowStart, windowEnd);
  }
}
