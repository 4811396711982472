package io.kaminari.ingest;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.flow.EventTimePolicy;
import java.time.ZoneId;

/**
 * How {@link CompactJob} parses and lays out flows.
 *
 * @param collectorZone zone of nfacctd's default local-time timestamps
 * @param rowsPerFile target rows per Parquet file (bounds the number of files per hour partition from above)
 * @param eventTimes the valid event times; flows outside them are quarantined (the streaming scorer applies the same)
 */
public record CompactConfig(ZoneId collectorZone, long rowsPerFile, EventTimePolicy eventTimes) {
  public CompactConfig {
    if (rowsPerFile <= 0) throw new IllegalArgumentException("rowsPerFile must be > 0");
    if (eventTimes == null) throw new IllegalArgumentException("eventTimes must not be null");
  }

  /** With the default event-time policy. */
  public CompactConfig(ZoneId collectorZone, long rowsPerFile) {
    this(collectorZone, rowsPerFile, EventTimePolicy.DEFAULT);
  }

  public static CompactConfig from(KaminariConfig c) {
    return new CompactConfig(c.get(Settings.COLLECTOR_ZONE), c.get(Settings.ROWS_PER_FILE), EventTimePolicy.from(c));
  }
}
