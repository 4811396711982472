package io.kaminari.ingest;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.ArrivalHours;

/**
 * What {@link VerifyJob} checks, and whether it repairs.
 *
 * @param hours the landing (arrival) hours to reconcile
 * @param repair re-compact the hours that do not reconcile
 * @param compact how a repair compacts
 */
public record VerifyConfig(ArrivalHours hours, boolean repair, CompactConfig compact) {
  public VerifyConfig {
    if (hours == null) throw new IllegalArgumentException("verify needs --from and --to");
    if (compact == null) throw new IllegalArgumentException("compact must not be null");
  }

  public static VerifyConfig from(KaminariConfig c, ArrivalHours hours, boolean repair) {
    return new VerifyConfig(hours, repair, CompactConfig.from(c));
  }
}
