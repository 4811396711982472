package io.kaminari.stream;

import static io.kaminari.stream.WindowManager.UNSET;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.features.WindowGroup;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.VictimProfiles;
import io.kaminari.model.ScoringModel;
import io.kaminari.stream.WindowManager.Epoch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Which model scores which window and which spec featurises which event time: the model {@link Epoch}s and the
 * spec-change {@link Segment}s, each segment with its open windows; see docs/scorer.md, "Hot reload".
 *
 * <p>A window starting at or after an epoch's {@code from} (and before the next epoch's) is scored by that epoch's
 * model. A new model with the same spec starts at the next window to close, so the windows still open are scored
 * with it. A model with another spec starts a new segment at the first boundary aligned to both window lengths that
 * lies after every event time seen so far: flows before it keep filling the old spec's windows (scored by the old
 * model), flows from it on go to the new spec's windows. Models no epoch uses any more are handed back through
 * {@link #drainRetired()}.
 *
 * <p>Not thread-safe: owned by the scorer loop.
 */
final class ModelEras {
  /**
   * A span of event time featurised with one spec ({@code [from, to)}; segments are contiguous and the last one is
   * open-ended) and its open windows, grouped by the shared {@link Featurizer}, each with, per input partition, the
   * offset of its first record: where a restart must re-read from to rebuild them completely.
   *
   * <p>Which flows may enter (not late) and when a window closes is the {@link WindowManager}'s decision.
   */
  static final class Segment {
    final FeatureSpec spec;
    final long from;
    long to = Long.MAX_VALUE;
    private final Featurizer<OpenWindow> windows;
    /** Partitions seen so far: a new window's offset array starts that long, so that it rarely grows. */
    private int partitions;
    /** The destination prefixes every window profiles besides its heaviest ({@link VictimProfiles#follow}). */
    private Predicate<String> followed;

    /**
     * A segment from {@code from} whose open windows hold at most {@code maxKeysPerWindow} scope keys each (see
     * {@link Featurizer}), each profiling the prefixes {@code followed} accepts besides its heaviest ones.
     */
    Segment(FeatureSpec spec, long from, int maxKeysPerWindow, Predicate<String> followed) {
      this.spec = spec;
      this.from = from;
      this.followed = followed;
      this.windows =
          new Featurizer<>(spec, start -> new OpenWindow(start, partitions, this.followed), maxKeysPerWindow);
    }

    /** Makes the open windows and every later one follow the prefixes {@code f} accepts. */
    void follow(Predicate<String> f) {
      followed = f;
      for (OpenWindow w : windows.windows()) w.victims.follow(f);
    }

    /**
     * Adds {@code flow}, read at {@code offset} of {@code partition}, to its window (the caller has checked that the
     * window is still open).
     *
     * @throws IllegalArgumentException if the featurizer refuses the flow (the caller dead-letters it)
     */
    void add(int partition, long offset, Flow flow) {
      if (partition >= partitions) partitions = partition + 1;
      OpenWindow w = windows.add(flow);
      w.recordOffset(partition, offset);
      w.victims.add(flow, windows.lastDstPrefix());
    }

    /** Removes the window starting at {@code startMicros} and returns it. */
    Closed close(long startMicros) {
      windows.fillGlobal(startMicros, startMicros + spec.windowMicros());
      OpenWindow w = windows.remove(startMicros);
      return w == null ? new Closed(new TreeMap<>(), null) : new Closed(w.byKeySorted(), w.victims);
    }

    /** The smallest offset of {@code partition} in an open window, else {@code orElse}, if that is smaller. */
    long firstOffset(int partition, long orElse) {
      long min = orElse;
      for (OpenWindow w : windows.windows()) {
        long o = w.firstOffset(partition);
        if (o >= 0 && o < min) min = o;
      }
      return min;
    }

    /** Whether the window starting at {@code startMicros} is open, i.e. has had flows. */
    boolean has(long startMicros) {
      return windows.get(startMicros) != null;
    }

    /** The start of the first open window after {@code startMicros}, or {@link Long#MAX_VALUE}. */
    long nextStartAfter(long startMicros) {
      return windows.nextStartAfter(startMicros);
    }

    /** Flows featurised under {@link Featurizer#OVERFLOW_KEY} since the last call. */
    long takeOverflowFlows() {
      return windows.takeOverflowFlows();
    }

    boolean isEmpty() {
      return windows.isEmpty();
    }

    /** The earliest open window's start; only when not {@link #isEmpty()}. */
    long firstStartMicros() {
      return windows.firstStartMicros();
    }

    /** The number of open windows. */
    int size() {
      return windows.size();
    }
  }

  /**
   * An open window: its accumulators, the traffic of its heaviest destination prefixes (what an incident on one of
   * them reports), and, per partition, the offset of its first (so smallest) record, -1 if none.
   */
  static final class OpenWindow extends WindowGroup {
    final VictimProfiles victims;
    /** An array, not a map: it is touched for every flow. */
    private long[] firstOffset;

    OpenWindow(long startMicros, int partitions, Predicate<String> followed) {
      super(startMicros);
      victims = new VictimProfiles();
      victims.follow(followed);
      firstOffset = new long[partitions];
      Arrays.fill(firstOffset, -1);
    }

    void recordOffset(int partition, long offset) {
      if (partition >= firstOffset.length) {
        int old = firstOffset.length;
        firstOffset = Arrays.copyOf(firstOffset, partition + 1);
        Arrays.fill(firstOffset, old, firstOffset.length, -1);
      }
      if (firstOffset[partition] < 0) firstOffset[partition] = offset;
    }

    long firstOffset(int partition) {
      return partition < firstOffset.length ? firstOffset[partition] : -1;
    }
  }

  /**
   * A closed window: its accumulators in key order (under the global scope a window without flows gives the empty
   * accumulator, the zero vector; under dst-prefix an empty map) and its destination prefixes' profiles.
   */
  record Closed(SortedMap<String, WindowAccumulator> byKey, VictimProfiles victims) {}

  private final List<Segment> segments = new ArrayList<>();
  private final List<Epoch> epochs = new ArrayList<>();
  private final List<ScoringModel> retired = new ArrayList<>();
  private final int maxKeysPerWindow;
  /** Overflow flows of segments already pruned, not yet taken. */
  private long overflowFlows;
  /** The destination prefixes every window profiles besides its heaviest; none until {@link #follow}. */
  private Predicate<String> followed = prefix -> false;

  /**
   * Eras resumed from {@code epochs} in order (the first one's {@code from} is ignored: it covers everything before),
   * whose open windows hold at most {@code maxKeysPerWindow} scope keys each.
   */
  ModelEras(List<Epoch> epochs, int maxKeysPerWindow) {
    if (epochs.isEmpty()) throw new IllegalArgumentException("need at least one model");
    this.maxKeysPerWindow = maxKeysPerWindow;
    for (int i = 0; i < epochs.size(); i++) {
      Epoch e = i == 0 ? new Epoch(epochs.get(0).model(), UNSET) : epochs.get(i);
      Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
      if (last == null || !last.spec.id().equals(e.model().spec().id())) {
        if (last != null) last.to = e.from();
        segments.add(new Segment(e.model().spec(), e.from(), maxKeysPerWindow, followed));
      }
      this.epochs.add(e);
    }
  }

  /** Makes every window, open or later, of every segment profile the prefixes {@code f} accepts. */
  void follow(Predicate<String> f) {
    followed = f;
    for (Segment s : segments) s.follow(f);
  }

  /** The segment featurising event time {@code t} (the first one for anything before it). */
  Segment segmentFor(long t) {
    Segment last = segments.get(segments.size() - 1);
    if (t >= last.from) return last;
    for (int i = segments.size() - 2; i >= 0; i--) {
      if (t >= segments.get(i).from) return segments.get(i);
    }
    return segments.get(0);
  }

  /** The segments still in use, oldest first (a read-only view). */
  List<Segment> segments() {
    return Collections.unmodifiableList(segments);
  }

  /** The model scoring the window that starts at {@code windowStart}. */
  ScoringModel modelFor(long windowStart) {
    ScoringModel m = epochs.get(0).model();
    for (Epoch e : epochs) {
      if (e.from() <= windowStart) m = e.model();
    }
    return m;
  }

  /**
   * Makes {@code model} score from a clean window boundary (see the class doc), given the max event time seen and the
   * end of the last closed window (either {@link WindowManager#UNSET}); returns that boundary, the start of the first
   * window it scores ({@link WindowManager#UNSET} = every window).
   */
  long swap(ScoringModel model, long maxEventAll, long closedThrough) {
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
      segments.add(new Segment(model.spec(), UNSET, maxKeysPerWindow, followed));
      epochs.add(new Epoch(model, UNSET));
      return UNSET;
    } else {
      long lcm = lcm(last.spec.windowMicros(), model.spec().windowMicros());
      long after = Math.max(maxEventAll, closedThrough);
      from = Math.floorDiv(after, lcm) * lcm + lcm;
      last.to = from;
      segments.add(new Segment(model.spec(), from, maxKeysPerWindow, followed));
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

  /** Drops the segments and epochs that end at or before {@code closedThrough} (the end of the last closed window). */
  void prune(long closedThrough) {
    while (segments.size() > 1 && segments.get(0).to <= closedThrough) {
      overflowFlows += segments.remove(0).takeOverflowFlows();
    }
    while (epochs.size() > 1 && epochs.get(1).from() <= closedThrough) retired.add(epochs.remove(0).model());
  }

  /** Flows featurised under the overflow key since the last call, over every segment. */
  long takeOverflowFlows() {
    long n = overflowFlows;
    overflowFlows = 0;
    for (Segment s : segments) n += s.takeOverflowFlows();
    return n;
  }

  /** The model epochs still in use, oldest first. */
  List<Epoch> epochs() {
    return List.copyOf(epochs);
  }

  /** Models no epoch uses any more; the caller closes them. */
  List<ScoringModel> drainRetired() {
    List<ScoringModel> out = List.copyOf(retired);
    retired.clear();
    return out;
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
