package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import io.kaminari.flow.Flow;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The scorer's event-time state, free of Kafka: open tumbling windows per feature spec, the watermark, which model
 * scores which window, and the earliest input offset each partition still needs; see docs/scorer.md.
 *
 * <p>Rules:
 * <ul>
 *   <li>Watermark = min over the partitions that hold it back of their max event time, minus the allowed lateness.
 *       A partition holds it back unless it is <em>idle</em>: read to its end offset ({@link #caughtUp}) and either
 *       it never delivered a flow, or it delivered none for the idle timeout (wall clock, see {@link #partitions(int,
 *       long, LongSupplier)}). With no partition holding it back, it is the max over all partitions instead (as for a
 *       single partition). Before any flow, or while a partition that never delivered one is not caught up, there is
 *       none. An idle partition rejoins with its next delivery ({@link #delivered}); its flows for windows closed
 *       meanwhile are late.
 *   <li>Window {@code [s, s+len)} closes, exactly once and in start order, when the watermark reaches {@code s+len}.
 *       {@link #closedThrough()} is the end of the last closed window; a flow whose window starts before it is late
 *       and is not added.
 *   <li>Under the global scope every window from the first one seen is closed, an empty one as the zero vector (as
 *       the batch featurizer does); under dst-prefix only keys with flows produce results.
 *   <li>Models ({@link Epoch}s): a window starting at or after an epoch's {@code from} (and before the next epoch's)
 *       is scored by that epoch's model. A new model with the same spec starts at the next window to close, so the
 *       windows still open are scored with it. A model with another spec starts a new {@link Segment} at the first
 *       boundary aligned to both window lengths that lies after every event time seen so far: flows before it keep
 *       filling the old spec's windows (scored by the old model), flows from it on go to the new spec's windows.
 * </ul>
 *
 * <p>Not thread-safe: owned by the scorer loop.
 */
final class WindowManager {
  static final long UNSET = Long.MIN_VALUE;

  /** The model scoring windows that start at or after {@code from} (until the next epoch). */
  record Epoch(ScoringModel model, long from) {}

  /** A closed window of one spec: its accumulators per scope key (sorted) and the model that must score it. */
  record ClosedWindow(FeatureSpec spec, long startMicros, ScoringModel model,
      SortedMap<String, WindowAccumulator> byKey) {}

  /** A span of event time featurised with one spec; segments are contiguous and the last one is open-ended. */
  private static final class Segment {
    final FeatureSpec spec;
    final long from;
    long to = Long.MAX_VALUE;
    final TreeMap<Long, OpenWindow> windows = new TreeMap<>();

    Segment(FeatureSpec spec, long from) {
      this.spec = spec;
      this.from = from;
    }
  }

  private static final class OpenWindow {
    final Map<String, WindowAccumulator> byKey = new HashMap<>();
    /** Per partition, the offset of its first (so smallest) record in this window, -1 if none: where a restart must
     * re-read from. An array, not a map: it is touched for every flow. */
    long[] firstOffset;

    OpenWindow(int partitions) {
      firstOffset = new long[partitions];
      java.util.Arrays.fill(firstOffset, -1);
    }

    void recordOffset(int partition, long offset) {
      if (partition >= firstOffset.length) {
        int old = firstOffset.length;
        firstOffset = java.util.Arrays.copyOf(firstOffset, partition + 1);
        java.util.Arrays.fill(firstOffset, old, firstOffset.length, -1);
      }
      if (firstOffset[partition] < 0) firstOffset[partition] = offset;
    }
  }

  private final long latenessMicros;
  private final List<Segment> segments = new ArrayList<>();
  private final List<Epoch> epochs = new ArrayList<>();
  private final List<ScoringModel> retired = new ArrayList<>();
  /** Per partition, the max event time seen, {@link #UNSET} before its first flow. */
  private long[] maxEvent = new long[0];
  private int partitionsWithData;
  private long maxEventAll = UNSET;
  /** Per declared input partition: read to its end offset at the last check, and no delivery since. */
  private boolean[] caughtUp = new boolean[0];
  /** Per declared input partition, the wall-clock time (ms) of its last delivery, or of {@link #partitions}. */
  private long[] lastDelivery = new long[0];
  /** How long a caught-up partition that has delivered flows must stay quiet before it stops holding back. */
  private long idleTimeoutMillis = Long.MAX_VALUE;
  private LongSupplier clock = System::currentTimeMillis;
  private long closedThrough;
  // The window the previous flow went to: consecutive flows mostly share it, which saves two map lookups per flow.
  private Segment cachedSegment;
  private long cachedStart;
  private OpenWindow cachedWindow;

  /**
   * State resumed from a committed marker: {@code epochs} in order (the first one's {@code from} is ignored: it covers
   * everything before the second), nothing closed before {@code closedThrough} ({@link #UNSET} if nothing was).
   */
  WindowManager(List<Epoch> epochs, long closedThrough, long latenessMicros) {
    if (epochs.isEmpty()) throw new IllegalArgumentException("need at least one model");
    this.latenessMicros = latenessMicros;
    this.closedThrough = closedThrough;
    for (int i = 0; i < epochs.size(); i++) {
      Epoch e = i == 0 ? new Epoch(epochs.get(0).model(), UNSET) : epochs.get(i);
      Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
      if (last == null || !last.spec.id().equals(e.model().spec().id())) {
        if (last != null) last.to = e.from();
        segments.add(new Segment(e.model().spec(), e.from()));
      }
      this.epochs.add(e);
    }
  }

  /** Fresh state scored by {@code model}. */
  WindowManager(ScoringModel model, long latenessMicros) {
    this(List.of(new Epoch(model, UNSET)), UNSET, latenessMicros);
  }

  /**
   * Adds a flow read at {@code offset} of {@code partition}; returns false (adding nothing) if its window is already
   * closed. The flow's event time advances the partition's watermark either way.
   *
   * @throws IllegalArgumentException if the featurizer refuses the flow (the caller dead-letters it)
   */
  boolean add(int partition, long offset, Flow flow) {
    long t = flow.eventTimeMicros();
    Segment seg = segmentFor(t);
    long start = Featurizer.windowStartMicros(t, seg.spec);
    if (partition >= maxEvent.length) {
      int old = maxEvent.length;
      maxEvent = java.util.Arrays.copyOf(maxEvent, partition + 1);
      java.util.Arrays.fill(maxEvent, old, maxEvent.length, UNSET);
    }
    long prev = maxEvent[partition];
    if (prev == UNSET) partitionsWithData++;
    if (t > prev) maxEvent[partition] = t;
    if (t > maxEventAll) maxEventAll = t;
    if (closedThrough != UNSET && start < closedThrough) return false;
    OpenWindow w;
    if (seg == cachedSegment && start == cachedStart && cachedWindow != null) {
      w = cachedWindow;
    } else {
      w = seg.windows.computeIfAbsent(start, s -> new OpenWindow(maxEvent.length));
      cachedSegment = seg;
      cachedStart = start;
      cachedWindow = w;
    }
    String key = seg.spec.scope() == Scope.GLOBAL ? Featurizer.GLOBAL_KEY : Featurizer.scopeKey(flow.ipDst(), seg.spec);
    WindowAccumulator acc = w.byKey.get(key);
    if (acc == null) {
      acc = new WindowAccumulator(seg.spec);
      w.byKey.put(key, acc);
    }
    acc.add(flow);
    w.recordOffset(partition, offset);
    return true;
  }

  /**
   * Declares {@code count} input partitions, none of which ever becomes idle once it has delivered a flow; see
   * {@link #partitions(int, long, LongSupplier)}.
   */
  void partitions(int count) {
    partitions(count, Long.MAX_VALUE, System::currentTimeMillis);
  }

  /**
   * Declares {@code count} input partitions. Until each has delivered a flow or been reported caught up, there is no
   * watermark (otherwise the first partition to deliver would close windows that the others still have flows for).
   * A partition that has delivered flows stops holding the watermark back once it is caught up and {@code clock}
   * (wall-clock ms) shows no delivery for {@code idleTimeoutMillis} (counted from now if it has delivered nothing
   * since this call, as after a restart).
   */
  void partitions(int count, long idleTimeoutMillis, LongSupplier clock) {
    if (idleTimeoutMillis < 0) throw new IllegalArgumentException("idle timeout must be >= 0");
    this.idleTimeoutMillis = idleTimeoutMillis;
    this.clock = clock;
    caughtUp = new boolean[count];
    lastDelivery = new long[count];
    java.util.Arrays.fill(lastDelivery, clock.getAsLong());
    if (maxEvent.length < count) {
      int old = maxEvent.length;
      maxEvent = java.util.Arrays.copyOf(maxEvent, count);
      java.util.Arrays.fill(maxEvent, old, count, UNSET);
    }
  }

  /**
   * Whether the caller should look up end offsets and report them with {@link #caughtUp} (about once a second):
   * some declared partition has delivered no flow yet or has been quiet for the idle timeout, so whether it is read
   * to its end decides whether it holds the watermark back. Caught-up ones are checked again too: a partition whose
   * new records the consumer has not fetched yet must hold the watermark back again.
   */
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

  /** Whether {@code partition} was read to its end offset when the caller last looked ({@link #needsCaughtUpCheck}). */
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

  private boolean isIdle(int p, long now) {
    return p < caughtUp.length && caughtUp[p] && quiet(p, now);
  }

  /** Whether declared partition {@code p} never delivered a flow, or delivered none for the idle timeout. */
  private boolean quiet(int p, long now) {
    if (p >= maxEvent.length || maxEvent[p] == UNSET) return true;
    return idleTimeoutMillis != Long.MAX_VALUE && now - lastDelivery[p] >= idleTimeoutMillis;
  }

  /**
   * Min over the partitions holding it back of their max event time (max over all if none does), minus the lateness;
   * {@link #UNSET} before any flow or while a declared partition has neither delivered a flow nor been reported
   * caught up. See the class doc.
   */
  long watermark() {
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
    return (min == Long.MAX_VALUE ? max : min) - latenessMicros;
  }

  /** End of the last closed window; {@link #UNSET} if none closed yet. */
  long closedThrough() {
    return closedThrough;
  }

  /** Closes every window the watermark has passed, in start order; score them before {@link #drainRetired()}. */
  List<ClosedWindow> closeReady() {
    List<ClosedWindow> out = new ArrayList<>();
    long wm = watermark();
    if (wm == UNSET) return out;
    if (closedThrough == UNSET) {
      for (Segment s : segments) {
        if (!s.windows.isEmpty()) {
          closedThrough = s.windows.firstKey();
          break;
        }
      }
      if (closedThrough == UNSET) return out;
    }
    while (true) {
      Segment seg = segmentFor(closedThrough);
      long start = closedThrough;
      long end = start + seg.spec.windowMicros();
      if (end > wm) break;
      OpenWindow w = seg.windows.remove(start);
      SortedMap<String, WindowAccumulator> byKey = new TreeMap<>();
      if (w != null) byKey.putAll(w.byKey);
      if (byKey.isEmpty() && seg.spec.scope() == Scope.GLOBAL) {
        byKey.put(Featurizer.GLOBAL_KEY, new WindowAccumulator(seg.spec));
      }
      if (!byKey.isEmpty()) out.add(new ClosedWindow(seg.spec, start, modelFor(start), byKey));
      closedThrough = end;
      prune();
    }
    cachedWindow = null;
    return out;
  }

  /**
   * Makes {@code model} score from a clean window boundary (see the class doc) and returns that boundary, the start of
   * the first window it scores ({@link #UNSET} = every window).
   */
  long swap(ScoringModel model) {
    Segment last = segments.get(segments.size() - 1);
    Epoch current = epochs.get(epochs.size() - 1);
    long from;
    if (model.spec().id().equals(last.spec.id())) {
      from = Math.max(closedThrough, current.from());
    } else if (maxEventAll == UNSET && closedThrough == UNSET) {
      // Nothing featurised yet: the new spec simply replaces the old one.
      retired.addAll(epochs.stream().map(Epoch::model).toList());
      epochs.clear();
      segments.clear();
      segments.add(new Segment(model.spec(), UNSET));
      epochs.add(new Epoch(model, UNSET));
      cachedWindow = null;
      return UNSET;
    } else {
      long lcm = lcm(last.spec.windowMicros(), model.spec().windowMicros());
      long after = Math.max(maxEventAll, closedThrough);
      from = Math.floorDiv(after, lcm) * lcm + lcm;
      last.to = from;
      segments.add(new Segment(model.spec(), from));
      cachedWindow = null;
    }
    while (!epochs.isEmpty() && epochs.get(epochs.size() - 1).from() >= from && epochs.size() > 1) {
      retired.add(epochs.remove(epochs.size() - 1).model());
    }
    if (epochs.size() == 1 && epochs.get(0).from() >= from) {
      retired.add(epochs.remove(0).model());
    }
    epochs.add(new Epoch(model, epochs.isEmpty() ? UNSET : from));
    return from;
  }

  /** The model epochs still in use, oldest first (the committed marker stores their versions and boundaries). */
  List<Epoch> epochs() {
    return List.copyOf(epochs);
  }

  /** The model scoring the next window to close. */
  ScoringModel currentModel() {
    return modelFor(closedThrough);
  }

  /** Models no epoch uses any more; the caller closes them (after scoring what {@link #closeReady()} returned). */
  List<ScoringModel> drainRetired() {
    List<ScoringModel> out = List.copyOf(retired);
    retired.clear();
    return out;
  }

  /**
   * The offset a restart must resume {@code partition} from: its first record in a still-open window, else
   * {@code nextOffset} (everything before it is in closed windows or was late).
   */
  long resumeOffset(int partition, long nextOffset) {
    long min = nextOffset;
    for (Segment s : segments) {
      for (OpenWindow w : s.windows.values()) {
        long o = partition < w.firstOffset.length ? w.firstOffset[partition] : -1;
        if (o >= 0 && o < min) min = o;
      }
    }
    return min;
  }

  /** Open window x key accumulators, for the memory picture in metrics and tests. */
  int openWindows() {
    int n = 0;
    for (Segment s : segments) n += s.windows.size();
    return n;
  }

  private ScoringModel modelFor(long windowStart) {
    ScoringModel m = epochs.get(0).model();
    for (Epoch e : epochs) {
      if (e.from() <= windowStart) m = e.model();
    }
    return m;
  }

  private Segment segmentFor(long t) {
    Segment last = segments.get(segments.size() - 1);
    if (t >= last.from) return last;
    for (int i = segments.size() - 2; i >= 0; i--) {
      if (t >= segments.get(i).from) return segments.get(i);
    }
    return segments.get(0);
  }

  private void prune() {
    while (segments.size() > 1 && segments.get(0).to <= closedThrough) segments.remove(0);
    while (epochs.size() > 1 && epochs.get(1).from() <= closedThrough) retired.add(epochs.remove(0).model());
  }

  private static long lcm(long a, long b) {
    long x = a;
    long y = b;
    while (y != 0) {
      long t = x % y;
      x = y;
      y = t;
    }
    return a / x * b;
  }
}
