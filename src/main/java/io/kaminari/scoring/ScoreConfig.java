package io.kaminari.scoring;

import io.kaminari.model.ModelRef;
import java.time.Instant;

/**
 * One batch scoring run: the model ({@code name@alias} or {@code name/version}) and the windows {@code [from, to)}.
 *
 * @param chunkHours hours scored per Spark pass; a long backfill proceeds chunk by chunk with progress
 */
public record ScoreConfig(ModelRef model, Instant from, Instant to, int chunkHours) {
  public ScoreConfig {
    if (!from.isBefore(to)) throw new IllegalArgumentException("--from must be before --to");
    if (chunkHours < 1) throw new IllegalArgumentException("chunkHours must be >= 1");
  }
}
