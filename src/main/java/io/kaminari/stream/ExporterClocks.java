package io.kaminari.stream;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Event time per exporter ({@code peer_ip_src}): how far each exporter's flows trail the freshest exporter's, so that
 * the watermark waits for an exporter whose clock (or export) runs behind instead of dropping its flows as late; see
 * docs/scorer.md, "Exporter clocks". Both scorers use it (the single scorer's {@link Watermark}, the scale-out
 * scorer's {@link PartialBuilder}).
 *
 * <p>The rule. Each flow tells its exporter's <em>delay</em>: its arrival cap minus its capped event time (the caller's
 * arrival cap is the arrival plus a constant tolerance, so delays are the true ones shifted by that constant, and only
 * their differences are used). An exporter's delay is the smallest of its flows in the current and the previous
 * period of {@code idle} arrival time: its freshest flow, which carries its clock's offset and none of the duration of
 * long flows. An exporter's <em>lag</em> is its delay minus the smallest delay of any tracked exporter. The watermark
 * is held back by the largest lag that is at most {@code maxLag}, in whole seconds ({@link #holdBackMicros()}):
 * <ul>
 *   <li>an exporter whose clock runs 2 minutes behind lags by 2 minutes, and windows close 2 minutes later, so none
 *       of its flows is late;</li>
 *   <li>an exporter further behind than {@code maxLag} (a clock hours off) holds nothing back: its flows are late and
 *       counted, as before;</li>
 *   <li>a sparse exporter with a right clock lags by nothing however rarely it sends, because delays are measured
 *       against arrival, not against the others' event time;</li>
 *   <li>an exporter ahead cannot move anything forward: that is the arrival cap's job, and its delay is at least minus
 *       the tolerance;</li>
 *   <li>an exporter that has sent nothing for {@code idle} of arrival time (a router switched off) is forgotten
 *       (within a sixteenth of that time more).</li>
 * </ul>
 *
 * <p>Arrival time comes from the records (their Kafka timestamps, capped by the scorer's clock), so the hold-back is a
 * function of the records and their order, as the late verdicts must be. At most {@link #MAX_EXPORTERS} exporters
 * are tracked; flows of further ones are counted ({@link #takeUntracked()}) and hold nothing back. Not thread-safe.
 */
final class ExporterClocks {
  /** Exporters tracked at once: a network's routers, with room; a flood of forged exporter addresses stops here. */
  static final int MAX_EXPORTERS = 10_000;
  private static final long SECOND = 1_000_000L;

  /**
   * The rule's bounds in µs: the largest lag waited for (0 turns tracking off) and how long an exporter may be silent
   * (arrival time) before it is forgotten; its delay is the minimum over the current and previous such period.
   */
  record Bounds(long maxLagMicros, long idleMicros) {
    static final Bounds OFF = new Bounds(0, 1);

    Bounds {
      if (maxLagMicros < 0) throw new IllegalArgumentException("the exporter lag must be >= 0");
      if (idleMicros <= 0) throw new IllegalArgumentException("the exporter idle time must be > 0");
    }
  }

  private static final class Clock {
    long lastArrival;
    long period;
    /** The smallest delay of the current and of the previous period. */
    long current;
    long previous = Long.MAX_VALUE;

    /** The exporter's delay (class doc), the key it has in {@code delays}. */
    long delay() {
      return Math.min(current, previous);
    }
  }

  private final Bounds bounds;
  /** In order of last flow (access order), so the silent ones are at the head. */
  private final LinkedHashMap<String, Clock> clocks = new LinkedHashMap<>(64, 0.75f, true);
  /** The tracked exporters' delays, as a multiset (delay -> how many exporters have it). */
  private final TreeMap<Long, Integer> delays = new TreeMap<>();
  private long newestArrival = Long.MIN_VALUE;
  /** The arrival from which the next sweep for silent exporters runs: sweeping per flow would cost an iterator each. */
  private long nextSweep = Long.MIN_VALUE;
  private long untracked;

  ExporterClocks(Bounds bounds) {
    this.bounds = bounds;
  }

  /**
   * A flow of {@code exporter} (null: the records without one, tracked as one exporter) whose arrival cap is
   * {@code arrivalCap} and whose event time, capped at it, is {@code cappedEvent}.
   */
  void observe(String exporter, long arrivalCap, long cappedEvent) {
    if (bounds.maxLagMicros() == 0) return;
    if (arrivalCap > newestArrival) newestArrival = arrivalCap;
    String key = exporter == null ? "" : exporter;
    long d = arrivalCap - cappedEvent;
    long period = Math.floorDiv(arrivalCap, bounds.idleMicros());
    Clock c = clocks.get(key);
    if (c == null) {
      forgetSilent();
      if (clocks.size() >= MAX_EXPORTERS) {
        untracked++;
        return;
      }
      c = new Clock();
      c.period = period;
      c.current = d;
      c.lastArrival = arrivalCap;
      clocks.put(key, c);
      add(d);
      return;
    }
    long before = c.delay();
    if (period > c.period) {
      c.previous = period == c.period + 1 ? c.current : Long.MAX_VALUE;
      c.current = d;
      c.period = period;
    } else if (period == c.period) {
      c.current = Math.min(c.current, d);
    } else if (period == c.period - 1) {
      c.previous = Math.min(c.previous, d); // arrival caps interleave a little across partitions
    }
    if (arrivalCap > c.lastArrival) c.lastArrival = arrivalCap;
    if (c.delay() != before) {
      remove(before);
      add(c.delay());
    }
    if (newestArrival >= nextSweep) forgetSilent();
  }

  /**
   * How far the watermark waits behind the freshest exporter: the largest lag of a tracked exporter that is at most
   * the maximum lag (class doc), in whole seconds, 0 when none lags by a second. Below a second, exporters' lags are
   * the jitter of their export timing, which the allowed lateness covers; waiting for it would only move every window's
   * close by a few milliseconds off the watermark the lateness alone gives.
   */
  long holdBackMicros() {
    if (delays.isEmpty()) return 0;
    long min = delays.firstKey();
    long limit = min > Long.MAX_VALUE - bounds.maxLagMicros() ? Long.MAX_VALUE : min + bounds.maxLagMicros();
    long lag = delays.floorKey(limit) - min;
    return lag - lag % SECOND;
  }

  /** The exporters tracked now. */
  int tracked() {
    return clocks.size();
  }

  /** Flows of exporters beyond {@link #MAX_EXPORTERS} since the last call (a counter's increment). */
  long takeUntracked() {
    long n = untracked;
    untracked = 0;
    return n;
  }

  /**
   * Forgets the exporters silent for the idle time before the newest arrival (at the head: access order); runs for
   * every new exporter and otherwise once per 1/16 of the idle time of arrival.
   */
  private void forgetSilent() {
    long step = Math.max(1, bounds.idleMicros() / 16);
    nextSweep = newestArrival > Long.MAX_VALUE - step ? Long.MAX_VALUE : newestArrival + step;
    long before = newestArrival - bounds.idleMicros();
    Iterator<Map.Entry<String, Clock>> it = clocks.entrySet().iterator();
    while (it.hasNext()) {
      Clock c = it.next().getValue();
      if (c.lastArrival >= before) return;
      remove(c.delay());
      it.remove();
    }
  }

  private void add(long delay) {
    delays.merge(delay, 1, Integer::sum);
  }

  private void remove(long delay) {
    delays.compute(delay, (k, n) -> n == 1 ? null : n - 1);
  }
}
