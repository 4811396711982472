package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.features.WindowGroup;
import io.kaminari.features.WindowGroups;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.VictimProfiles;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The open windows of one feature spec (grouped by the shared {@link WindowGroups} loop) and, per input partition, the
 * offset of its first record in each: where a restart must re-read from to rebuild them completely.
 *
 * <p>Which flows may enter (not late) and when a window closes is the {@link WindowManager}'s decision. Not
 * thread-safe: owned by the scorer loop.
 */
final class OpenWindows {
  /**
   * An open window: its accumulators, the traffic of its heaviest destination prefixes (what an incident on one of
   * them reports), and, per partition, the offset of its first (so smallest) record, -1 if none.
   */
  static final class Window extends WindowGroup {
    final VictimProfiles victims;
    /** An array, not a map: it is touched for every flow. */
    private long[] firstOffset;

    Window(long startMicros, int partitions, Predicate<String> followed) {
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

  private final WindowGroups<Window> windows;
  /** Partitions seen so far: a new window's offset array starts that long, so that it rarely grows. */
  private int partitions;
  /** The destination prefixes every window profiles besides its heaviest ({@link VictimProfiles#follow}). */
  private Predicate<String> followed;

  /**
   * Open windows of {@code spec} holding at most {@code maxKeysPerWindow} scope keys each (see {@link WindowGroups}),
   * each profiling the prefixes {@code followed} accepts besides its heaviest ones.
   */
  OpenWindows(FeatureSpec spec, int maxKeysPerWindow, Predicate<String> followed) {
    this.followed = followed;
    this.windows = new WindowGroups<>(spec, start -> new Window(start, partitions, this.followed), maxKeysPerWindow);
  }

  /** Makes the open windows and every later one follow the prefixes {@code f} accepts. */
  void follow(Predicate<String> f) {
    followed = f;
    for (Window w : windows.windows()) w.victims.follow(f);
  }

  FeatureSpec spec() {
    return windows.spec();
  }

  /**
   * Adds {@code flow}, read at {@code offset} of {@code partition}, to its window (the caller has checked that the
   * window is still open).
   *
   * @throws IllegalArgumentException if the featurizer refuses the flow (the caller dead-letters it)
   */
  void add(int partition, long offset, Flow flow) {
    if (partition >= partitions) partitions = partition + 1;
    Window w = windows.add(flow);
    w.recordOffset(partition, offset);
    w.victims.add(flow, windows.lastDstPrefix());
  }

  /**
   * A closed window: its accumulators in key order (under the global scope a window without flows gives the empty
   * accumulator, the zero vector; under dst-prefix an empty map) and its destination prefixes' profiles.
   */
  record Closed(SortedMap<String, WindowAccumulator> byKey, VictimProfiles victims) {}

  /** Removes the window starting at {@code startMicros} and returns it. */
  Closed close(long startMicros) {
    windows.fillGlobal(startMicros, startMicros + windows.spec().windowMicros());
    Window w = windows.remove(startMicros);
    return w == null ? new Closed(new TreeMap<>(), null) : new Closed(w.byKeySorted(), w.victims);
  }

  /** The smallest offset of {@code partition} in an open window, else {@code orElse}, if that is smaller. */
  long firstOffset(int partition, long orElse) {
    long min = orElse;
    for (Window w : windows.windows()) {
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

  /** Flows featurised under {@link WindowGroups#OVERFLOW_KEY} since the last call. */
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
