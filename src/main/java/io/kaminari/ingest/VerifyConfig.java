package io.kaminari.ingest;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.Hour.ArrivalHours;

/**
 * What {@link VerifyJob} checks, and whether it repairs.
 *
 * @param hours the landing (arrival) hours to reconcile
 * @param repair re-compact the hours that do not reconcile
 * @param rows also look every landing record up in {@code flows} and {@code flows_rejected} by its coordinates, which
 *     finds rows lost after the compaction that wrote them, at the cost of reading the coordinates of every flows
 *     partition the hours' compactions wrote ({@code --rows})
 * @param compact how a repair compacts
 */
public record VerifyConfig(ArrivalHours hours, boolean repair, boolean rows, CompactConfig compact) {
  public VerifyConfig {
    if (hours == null) throw new IllegalArgumentException("verify needs --from and --to");
    if (compact == null) throw new IllegalArgumentException("compact must not be null");
  }

  public static VerifyConfig from(KaminariConfig c, ArrivalHours hours, boolean repair, boolean rows) {
    return new VerifyConfig(hours, repair, rows, CompactConfig.from(c));
  }
}
