package io.kaminari.ingest;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.time.ZoneId;

/**
 * How {@link CompactJob} parses and lays out flows.
 *
 * @param collectorZone zone of nfacctd's default local-time timestamps
 * @param rowsPerFile target rows per Parquet file (bounds the number of files per hour partition from above)
 */
public record CompactConfig(ZoneId collectorZone, long rowsPerFile) {
  public CompactConfig {
    if (rowsPerFile <= 0) throw new IllegalArgumentException("rowsPerFile must be > 0");
  }

  public static CompactConfig from(KaminariConfig c) {
    return new CompactConfig(c.get(Settings.COLLECTOR_ZONE), c.get(Settings.ROWS_PER_FILE));
  }
}
