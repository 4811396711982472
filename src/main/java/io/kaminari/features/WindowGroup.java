package io.kaminari.features;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One window of a {@link Featurizer}: its start and an accumulator per scope key that had flows (or was created
 * empty, {@link Featurizer#fillGlobal}).
 *
 * <p>Subclass it to keep more per window: the streaming scorer records each input partition's first offset in it.
 */
public class WindowGroup {
  private final long startMicros;
  /** Hashed, not sorted: it is looked up for every flow; {@link #byKeySorted()} sorts once, when the window is read. */
  final Map<String, WindowAccumulator> byKey = new HashMap<>();

  public WindowGroup(long startMicros) {
    this.startMicros = startMicros;
  }

  /** The window's start, epoch microseconds (UTC). */
  public final long startMicros() {
    return startMicros;
  }

  /** The accumulators by scope key, in no particular order (a read-only view). */
  public final Map<String, WindowAccumulator> byKey() {
    return Collections.unmodifiableMap(byKey);
  }

  /** The accumulators by scope key, in key order (a new map). */
  public final SortedMap<String, WindowAccumulator> byKeySorted() {
    return new TreeMap<>(byKey);
  }
}
