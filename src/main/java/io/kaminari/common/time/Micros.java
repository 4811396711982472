package io.kaminari.common.time;

import java.time.Instant;

/**
 * The one conversion between {@link Instant}s and epoch microseconds, the unit of every timestamp Kaminari stores
 * (Spark's {@code TIMESTAMP}, {@code Flow} fields, window starts).
 */
public final class Micros {
  public static final long PER_SECOND = 1_000_000L;
  public static final long PER_HOUR = 3_600L * PER_SECOND;

  private Micros() {}

  /** Microseconds since the epoch of {@code t} (sub-microsecond digits dropped); overflow is an error. */
  public static long of(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), PER_SECOND), t.getNano() / 1000);
  }

  /** The instant {@code micros} microseconds after the epoch (negative: before it). */
  public static Instant toInstant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, PER_SECOND), Math.floorMod(micros, PER_SECOND) * 1000L);
  }
}
