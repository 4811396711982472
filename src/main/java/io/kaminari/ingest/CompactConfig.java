package io.kaminari.ingest;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.flow.EventTimePolicy;
import java.time.Duration;
import java.time.ZoneId;

/**
 * How {@link CompactJob} parses and lays out flows, and how it takes its lock.
 *
 * @param collectorZone zone of nfacctd's default local-time timestamps
 * @param rowsPerFile target rows per Parquet file (bounds the number of files per hour partition from above)
 * @param eventTimes the valid event times; flows outside them are quarantined (the streaming scorer applies the same)
 * @param lockDir directory of the compaction lock ({@link LeaseLock}); empty = {@code _lock} under the table
 * @param lockTtl the lock's lease: renewed every third of it, taken over after it went unrenewed this long
 * @param lockWait how long to wait for a lock another compaction holds
 */
public record CompactConfig(ZoneId collectorZone, long rowsPerFile, EventTimePolicy eventTimes, String lockDir,
    Duration lockTtl, Duration lockWait) {
  public CompactConfig {
    if (rowsPerFile <= 0) throw new IllegalArgumentException("rowsPerFile must be > 0");
    if (eventTimes == null) throw new IllegalArgumentException("eventTimes must not be null");
    if (lockDir == null) throw new IllegalArgumentException("lockDir must not be null (empty: under the table)");
    if (lockTtl.isNegative() || lockTtl.isZero() || lockWait.isNegative()) {
      throw new IllegalArgumentException("lockTtl must be > 0 and lockWait >= 0");
    }
  }

  /** With the default event-time policy and lock. */
  public CompactConfig(ZoneId collectorZone, long rowsPerFile) {
    this(collectorZone, rowsPerFile, EventTimePolicy.DEFAULT, "", Settings.COMPACT_LOCK_TTL.parsedDefault(),
        Settings.COMPACT_LOCK_WAIT.parsedDefault());
  }

  public static CompactConfig from(KaminariConfig c) {
    return new CompactConfig(c.get(Settings.COLLECTOR_ZONE), c.get(Settings.ROWS_PER_FILE), EventTimePolicy.from(c),
        c.get(Settings.COMPACT_LOCK_DIR), c.get(Settings.COMPACT_LOCK_TTL), c.get(Settings.COMPACT_LOCK_WAIT));
  }
}
