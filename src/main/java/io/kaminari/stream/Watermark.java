package io.kaminari.stream;

import static io.kaminari.stream.WindowManager.UNSET;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The scorer's event-time watermark over its input partitions, with idleness; see docs/scorer.md and the rules in
 * {@link WindowManager}.
 *
 * <p>Watermark = min over the partitions that hold it back of their max event time, minus the allowed lateness. A
 * flow counts towards its partition's max event time with at most its <em>arrival cap</em> (given by the caller: its
 * arrival time plus a tolerance, {@link #observe}), so that one exporter whose clock is ahead cannot move event time
 * past when its flows arrived and make every other exporter's flows late. A
 * partition holds it back unless it is <em>idle</em>: read to its end offset ({@link #caughtUp}) and either it never
 * delivered a flow, or it delivered none for the idle timeout (wall clock). While some partition holds it back, it
 * also waits for the exporters whose clocks run behind: it is at most the max over all partitions minus the
 * {@link ExporterClocks#holdBackMicros() hold-back} of the exporters' clocks. With no partition holding it back, it is
 * the max over all partitions instead. Idleness and the exporters' clocks are never committed (rebuilt from the
 * flows a restart reads again).
 *
 * <p>Not thread-safe: owned by the scorer loop.
 */
final class Watermark {
  private final long latenessMicros;
  private final ExporterClocks exporters;
  /** Per partition, the max capped event time seen, {@link WindowManager#UNSET} before its first flow. */
  private long[] maxEvent = new long[0];
  private int partitionsWithData;
  /** The max event time seen, not capped: no flow seen so far lies after it (for model swaps). */
  private long maxEventAll = UNSET;
  /** Per declared input partition: read to its end offset at the last check, and no delivery since. */
  private boolean[] caughtUp = new boolean[0];
  /** Per declared input partition, the wall-clock time (ms) of its last delivery, or of {@link #partitions}. */
  private long[] lastDelivery = new long[0];
  /** How long a caught-up partition that has delivered flows must stay quiet before it stops holding back. */
  private long idleTimeoutMillis = Long.MAX_VALUE;
  private LongSupplier clock = System::currentTimeMillis;

  Watermark(long latenessMicros, ExporterClocks.Bounds exporterBounds) {
    this.latenessMicros = latenessMicros;
    this.exporters = new ExporterClocks(exporterBounds);
  }

  /**
   * A flow of {@code partition} from {@code exporter} with event time {@code t}: advances the partition's max event
   * time to {@code min(t, cap)}, where {@code cap} is the latest event time this flow may vouch for (its arrival plus
   * a tolerance; {@link Long#MAX_VALUE} for none, and then the exporter's clock is not tracked either).
   */
  void observe(int partition, long t, long cap, String exporter) {
    if (partition >= maxEvent.length) grow(partition + 1);
    long prev = maxEvent[partition];
    if (prev == UNSET) partitionsWithData++;
    long m = t < cap ? t : cap;
    if (m > prev) maxEvent[partition] = m;
    if (t > maxEventAll) maxEventAll = t;
    if (cap != Long.MAX_VALUE) exporters.observe(exporter, cap, m);
  }

  /** The exporters' clocks (for the gauges). */
  ExporterClocks exporters() {
    return exporters;
  }

  /** The max event time over every partition (not capped), {@link WindowManager#UNSET} before any flow. */
  long maxEventAll() {
    return maxEventAll;
  }

  /** The number of partitions seen so far (declared or delivering), for per-partition state elsewhere. */
  int partitionCount() {
    return maxEvent.length;
  }

  /** See {@link WindowManager#partitions(int, long, LongSupplier)}. */
  void partitions(int count, long idleTimeoutMillis, LongSupplier clock) {
    if (idleTimeoutMillis < 0) throw new IllegalArgumentException("idle timeout must be >= 0");
    this.idleTimeoutMillis = idleTimeoutMillis;
    this.clock = clock;
    caughtUp = new boolean[count];
    lastDelivery = new long[count];
    Arrays.fill(lastDelivery, clock.getAsLong());
    if (maxEvent.length < count) grow(count);
  }

  /** See {@link WindowManager#needsCaughtUpCheck()}. */
  boolean needsCaughtUpCheck() {
    long now = clock.getAsLong();
    for (int p = 0; p < caughtUp.length; p++) {
      if (quiet(p, now)) return true;
    }
    return false;
  }

  /** {@code partition} delivered records just now: it holds the watermark back again (until idle anew). */
  void delivered(int partition) {
    if (partition >= caughtUp.length) return;
    lastDelivery[partition] = clock.getAsLong();
    caughtUp[partition] = false;
  }

  /** Whether {@code partition} was read to its end offset when the caller last looked. */
  void caughtUp(int partition, boolean atEnd) {
    caughtUp[partition] = atEnd;
  }

  /** The declared partitions that do not hold the watermark back right now (a gauge). */
  int idlePartitions() {
    long now = clock.getAsLong();
    int n = 0;
    for (int p = 0; p < caughtUp.length; p++) {
      if (isIdle(p, now)) n++;
    }
    return n;
  }

  /** The watermark now; see the class doc and {@link WindowManager#watermark()}. */
  long current() {
    if (partitionsWithData == 0) return UNSET;
    long now = clock.getAsLong();
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int p = 0; p < maxEvent.length; p++) {
      boolean idle = isIdle(p, now);
      if (maxEvent[p] != UNSET) {
        max = Math.max(max, maxEvent[p]);
        if (!idle) min = Math.min(min, maxEvent[p]);
      } else if (!idle) {
        return UNSET;
      }
    }
    // All idle: nothing more is coming, so waiting for a slow exporter would only hold back what is complete.
    if (min == Long.MAX_VALUE) return max - latenessMicros;
    return Math.min(min, max - exporters.holdBackMicros()) - latenessMicros;
  }

  private boolean isIdle(int p, long now) {
    return p < caughtUp.length && caughtUp[p] && quiet(p, now);
  }

  /** Whether declared partition {@code p} never delivered a flow, or delivered none for the idle timeout. */
  private boolean quiet(int p, long now) {
    if (p >= maxEvent.length || maxEvent[p] == UNSET) return true;
    return idleTimeoutMillis != Long.MAX_VALUE && now - lastDelivery[p] >= idleTimeoutMillis;
  }

  private void grow(int count) {
    int old = maxEvent.length;
    maxEvent = Arrays.copyOf(maxEvent, count);
    Arrays.fill(maxEvent, old, count, UNSET);
  }
}
