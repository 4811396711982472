package io.kaminari.ingest;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.util.AccumulatorV2;

/**
 * What a parse of the landing rows held: objects by kind and flows by event hour (epoch hours). An accumulator: each
 * task counts into its own copy and Spark adds up the copies of the tasks that succeeded, once each (it is only
 * updated in result tasks: writes and {@code foreach}).
 */
final class Tally extends AccumulatorV2<Tally, Tally> {
  private long flows;
  private long rejects;
  private long markers;
  private final HashMap<Long, long[]> byHour = new HashMap<>();
  private transient long lastHour = Long.MIN_VALUE;
  private transient long[] lastCell;

  void flow(long hour) {
    flows++;
    if (hour != lastHour || lastCell == null) {
      lastHour = hour;
      lastCell = byHour.computeIfAbsent(hour, h -> new long[1]);
    }
    lastCell[0]++;
  }

  void reject() {
    rejects++;
  }

  void marker() {
    markers++;
  }

  long flows() {
    return flows;
  }

  long rejects() {
    return rejects;
  }

  long markers() {
    return markers;
  }

  long objects() {
    return flows + rejects + markers;
  }

  /** Flows per epoch hour. */
  Map<Long, Long> flowsByHour() {
    Map<Long, Long> out = new HashMap<>();
    byHour.forEach((h, n) -> out.put(h, n[0]));
    return out;
  }

  @Override
  public boolean isZero() {
    return objects() == 0 && byHour.isEmpty();
  }

  @Override
  public Tally copy() {
    Tally t = new Tally();
    t.add(this);
    return t;
  }

  @Override
  public void reset() {
    flows = rejects = markers = 0;
    byHour.clear();
    lastCell = null;
  }

  @Override
  public void add(Tally o) {
    flows += o.flows;
    rejects += o.rejects;
    markers += o.markers;
    o.byHour.forEach((h, n) -> byHour.computeIfAbsent(h, k -> new long[1])[0] += n[0]);
    lastCell = null;
  }

  @Override
  public void merge(AccumulatorV2<Tally, Tally> other) {
    add(other.value());
  }

  @Override
  public Tally value() {
    return this;
  }

  @Override
  public String toString() {
    // AccumulatorV2's own toString prints value(), which is this.
    return "Tally(flows=" + flows + ", rejects=" + rejects + ", markers=" + markers + ", hours=" + byHour.size() + ")";
  }
}
