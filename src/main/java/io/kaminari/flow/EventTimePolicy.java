package io.kaminari.flow;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Micros;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The range of valid event times, one policy for compaction and the streaming scorer: an event time is valid when it
 * is not before {@code minMicros} and not more than {@code maxFutureSkewMicros} after the record's arrival (its Kafka
 * record time, or the file's modification time for file landing). {@link PmacctParser} applies it to every flow and
 * rejects the others with a reason ({@link #violation}), so both paths give every record the same verdict.
 *
 * <p>Why: an event time names the {@code flows} partition and the scorer's window. One before the Gregorian switch
 * (1582) cannot be written to Parquet by Spark's default rebase mode, so its hour could never be compacted; one
 * thousands of years ahead made a partition {@code dt=+287…} in batch and closed every open window in the stream. The
 * skew is relative to the arrival, not to a wall clock, so a backfill gives the same verdicts as the live stream did.
 * A record with no arrival (the caller passed no fallback) is checked against the lower bound only.
 *
 * @param minMicros the earliest valid event time, epoch microseconds ({@link Settings#MIN_EVENT_TIME})
 * @param maxFutureSkewMicros how far after its arrival an event time may be, microseconds
 *     ({@link Settings#MAX_FUTURE_SKEW})
 */
public record EventTimePolicy(long minMicros, long maxFutureSkewMicros) implements Serializable {
  /** The defaults of {@link Settings#MIN_EVENT_TIME} and {@link Settings#MAX_FUTURE_SKEW}. */
  public static final EventTimePolicy DEFAULT = of(Settings.MIN_EVENT_TIME.parsedDefault(),
      Settings.MAX_FUTURE_SKEW.parsedDefault());

  /** No bounds at all: every event time is valid (tests of the grammar alone). */
  static final EventTimePolicy UNBOUNDED = new EventTimePolicy(Long.MIN_VALUE, Long.MAX_VALUE);

  public EventTimePolicy {
    if (maxFutureSkewMicros < 0) throw new IllegalArgumentException("maxFutureSkewMicros must be >= 0");
  }

  /** The policy of {@code minEventTime} and {@code maxFutureSkew}. */
  public static EventTimePolicy of(Instant minEventTime, Duration maxFutureSkew) {
    return new EventTimePolicy(Micros.of(minEventTime),
        Math.multiplyExact(maxFutureSkew.getSeconds(), Micros.PER_SECOND) + maxFutureSkew.getNano() / 1000);
  }

  /** The policy as configured ({@link Settings#MIN_EVENT_TIME}, {@link Settings#MAX_FUTURE_SKEW}). */
  public static EventTimePolicy from(KaminariConfig config) {
    return of(config.get(Settings.MIN_EVENT_TIME), config.get(Settings.MAX_FUTURE_SKEW));
  }

  /**
   * Null when {@code eventMicros} is valid for a record that arrived at {@code arrivalMicros} ({@link Long#MIN_VALUE}
   * when unknown), else the reject reason; {@code source} names the key the event time came from.
   */
  String violation(long eventMicros, long arrivalMicros, String source) {
    if (eventMicros < minMicros) {
      return "event time before " + Settings.MIN_EVENT_TIME.name() + ": " + source + " " + text(eventMicros) + " < "
          + text(minMicros);
    }
    if (arrivalMicros == Long.MIN_VALUE) return null;
    long latest = arrivalMicros > Long.MAX_VALUE - maxFutureSkewMicros ? Long.MAX_VALUE
        : arrivalMicros + maxFutureSkewMicros;
    if (eventMicros > latest) {
      return "event time after arrival + " + Settings.MAX_FUTURE_SKEW.name() + ": " + source + " "
          + text(eventMicros) + " > " + text(arrivalMicros) + " + " + Duration.of(maxFutureSkewMicros, ChronoUnit.MICROS);
    }
    return null;
  }

  private static String text(long micros) {
    return Micros.toInstant(micros).toString();
  }
}
