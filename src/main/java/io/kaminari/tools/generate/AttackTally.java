package io.kaminari.tools.generate;

import java.time.Instant;

/**
 * How many flow records one attack contributed, in total and per second of timestamp_start, so that labels for any
 * whole-second window can be computed exactly after the run.
 */
public final class AttackTally {
  private final AttackSpec spec;
  private final long firstSecond;
  private final long[] perSecond;
  private long flows;

  AttackTally(AttackSpec spec) {
    this.spec = spec;
    this.firstSecond = spec.start().getEpochSecond();
    long lastSecond = spec.end().minusNanos(1).getEpochSecond();
    this.perSecond = new long[Math.toIntExact(lastSecond - firstSecond + 1)];
  }

  void count(long startMicros) {
    perSecond[(int) (Math.floorDiv(startMicros, 1_000_000L) - firstSecond)]++;
    flows++;
  }

  public AttackSpec spec() {
    return spec;
  }

  /** All flow records the attack contributed. */
  public long flows() {
    return flows;
  }

  /** The attack's flow records whose timestamp_start is in [from, to); both bounds are whole seconds. */
  public long flowsStartingIn(Instant from, Instant to) {
    if (from.getNano() != 0 || to.getNano() != 0) {
      throw new IllegalArgumentException("window bounds must be whole seconds, got " + from + " and " + to);
    }
    long lo = Math.max(0, from.getEpochSecond() - firstSecond);
    long hi = Math.min(perSecond.length, to.getEpochSecond() - firstSecond);
    long sum = 0;
    for (long i = lo; i < hi; i++) {
      sum += perSecond[(int) i];
    }
    return sum;
  }

  @Override
  public String toString() {
    return spec.kind() + " on " + spec.victim() + ": " + flows + " flows";
  }
}
