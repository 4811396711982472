package io.kaminari.scoring;

import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.model.ModelRef;
import java.util.Objects;

/**
 * One batch scoring run: the model ({@code name@alias} or {@code name/version}) and the event hours whose vectors it
 * scores.
 *
 * @param hours the event hours scored: a range ({@code --from/--to}), or the event hours a compaction wrote
 *     ({@code --after-compact H})
 * @param chunkHours hours scored per Spark pass; a long backfill proceeds chunk by chunk with progress
 */
public record ScoreConfig(ModelRef model, EventHours hours, int chunkHours) {
  public ScoreConfig {
    Objects.requireNonNull(model, "model");
    if (hours == null || hours.isEmpty()) throw new IllegalArgumentException("no event hours to score");
    if (chunkHours < 1) throw new IllegalArgumentException("chunkHours must be >= 1");
  }
}
