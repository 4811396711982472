package io.kaminari.features;

import io.kaminari.flow.Flow;
import java.util.Collection;
import java.util.Collections;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * The one grouping loop from flows to accumulators: each flow goes to the window holding its event time
 * ({@link Featurizer#windowStartMicros}) and, in it, to the {@link WindowAccumulator} of its scope key
 * ({@link Featurizer#scopeKey}), both created on first use. {@link Featurizer}, the Spark job's tasks
 * ({@code FeaturesJob}), the streaming scorer's open windows and its pure twin ({@code WindowScorer.scoreFlows}) all
 * group through it, so they agree by construction.
 *
 * <p>Hot path (every flow of the batch job and the scorer passes here): the window the previous flow went to is kept,
 * because consecutive flows mostly share it, which saves a map lookup per flow; under {@link Scope#GLOBAL} the key is
 * the constant {@link Featurizer#GLOBAL_KEY}, not computed.
 *
 * <p>Keys per window can be capped ({@link #WindowGroups(FeatureSpec, LongFunction, int)}, the streaming scorer's
 * memory bound under a key explosion): a flow of a new key in a window that already holds the cap goes to the
 * accumulator of {@link #OVERFLOW_KEY}, and is counted ({@link #takeOverflowFlows()}). Only the path that creates a key
 * checks the cap, so the per-flow cost is unchanged.
 *
 * <p>Not thread-safe: one instance per task or loop.
 *
 * @param <W> the window type: {@link WindowGroup}, or a subclass that keeps more per window
 */
public final class WindowGroups<W extends WindowGroup> {
  /** The scope key of the flows whose own key would exceed a window's cap; no prefix or "global" looks like it. */
  public static final String OVERFLOW_KEY = "overflow";

  private final FeatureSpec spec;
  /** The spec compiled once for all the accumulators these groups create. */
  private final SlotLayout layout;
  private final boolean global;
  private final LongFunction<W> newWindow;
  private final int maxKeys;
  private final TreeMap<Long, W> windows = new TreeMap<>();
  /** The window the previous flow went to, or null. */
  private W cached;
  /** The accumulator and scope key the last {@link #accumulator} call returned. */
  private WindowAccumulator lastAccumulator;
  private String lastKey;
  private long overflowFlows;

  /** Groups for {@code spec}, creating each window with {@code newWindow.apply(startMicros)}; no cap on keys. */
  public WindowGroups(FeatureSpec spec, LongFunction<W> newWindow) {
    this(spec, newWindow, Integer.MAX_VALUE);
  }

  /**
   * Groups for {@code spec} whose windows hold at most {@code maxKeysPerWindow} scope keys plus {@link #OVERFLOW_KEY},
   * which takes the flows of every further key (which keys make the cap depends on the order flows arrive in).
   */
  public WindowGroups(FeatureSpec spec, LongFunction<W> newWindow, int maxKeysPerWindow) {
    if (maxKeysPerWindow < 1) throw new IllegalArgumentException("need at least one key per window");
    this.spec = spec;
    this.layout = SlotLayout.of(spec);
    this.global = spec.scope() == Scope.GLOBAL;
    this.newWindow = newWindow;
    this.maxKeys = maxKeysPerWindow;
  }

  /** Groups of plain {@link WindowGroup}s for {@code spec}. */
  public static WindowGroups<WindowGroup> of(FeatureSpec spec) {
    return new WindowGroups<>(spec, WindowGroup::new);
  }

  public FeatureSpec spec() {
    return spec;
  }

  /**
   * Adds {@code flow} to the accumulator of its window and scope key; returns that window.
   *
   * @throws IllegalArgumentException if the featurizer refuses the flow: under {@link Scope#DST_PREFIX} a destination
   *     that is no IP literal, or a port out of range (the window, and in the second case the key's accumulator, may
   *     have been created empty by then)
   */
  public W add(Flow flow) {
    accumulator(flow.eventTimeMicros(), flow.ipDst()).add(flow);
    return cached;
  }

  /**
   * The accumulator of a flow at {@code eventTimeMicros} to {@code ipDst} (read only under {@link Scope#DST_PREFIX}),
   * created with its window on first use; the caller adds the flow, e.g. from columns
   * ({@link WindowAccumulator#add(int, int, int, long, long, long, String, String)}).
   *
   * @throws IllegalArgumentException under {@link Scope#DST_PREFIX} if {@code ipDst} is not an IP literal
   */
  public WindowAccumulator accumulator(long eventTimeMicros, String ipDst) {
    W w = window(Featurizer.windowStartMicros(eventTimeMicros, spec));
    String key = global ? Featurizer.GLOBAL_KEY : Featurizer.scopeKey(ipDst, spec);
    WindowAccumulator acc = w.byKey.get(key);
    if (acc == null) {
      if (w.byKey.size() >= maxKeys) {
        overflowFlows++;
        key = OVERFLOW_KEY;
        acc = w.byKey.get(key);
        if (acc != null) return acc;
      }
      acc = new WindowAccumulator(layout);
      w.byKey.put(key, acc);
    }
    lastAccumulator = acc;
    lastKey = key;
    return acc;
  }

  /**
   * The destination prefix (at the spec's lengths) of the flow {@link #add} took last: under {@link Scope#DST_PREFIX}
   * its scope key, under {@link Scope#GLOBAL} what its accumulator computed for the top destination prefixes; null
   * before the first flow and for a flow sent to {@link #OVERFLOW_KEY}; undefined after a refused one.
   */
  public String lastDstPrefix() {
    if (lastAccumulator == null) return null;
    if (global) return lastAccumulator.lastDstPrefix();
    return OVERFLOW_KEY.equals(lastKey) ? null : lastKey;
  }

  /** Flows sent to {@link #OVERFLOW_KEY} since the last call (the caller counts them). */
  public long takeOverflowFlows() {
    long n = overflowFlows;
    overflowFlows = 0;
    return n;
  }

  /**
   * Under {@link Scope#GLOBAL}, gives every window of {@code [fromMicros, toMicros)} its {@link Featurizer#GLOBAL_KEY}
   * accumulator, an empty one (the all-zero vector) where it had no flows: a link going silent is a signal, so the
   * global series has no holes. Does nothing under {@link Scope#DST_PREFIX}, where only keys with flows count.
   * {@code fromMicros} must be window-aligned.
   */
  public void fillGlobal(long fromMicros, long toMicros) {
    if (!global) return;
    for (long start = fromMicros; start < toMicros; start += spec.windowMicros()) {
      window(start).byKey.computeIfAbsent(Featurizer.GLOBAL_KEY, k -> new WindowAccumulator(layout));
    }
  }

  /** The windows, in start order (a read-only view). */
  public Collection<W> windows() {
    return Collections.unmodifiableCollection(windows.values());
  }

  /** The window starting at {@code startMicros}, or null if it has none. */
  public W get(long startMicros) {
    return windows.get(startMicros);
  }

  /** Removes and returns the window starting at {@code startMicros}, or null if it had none. */
  public W remove(long startMicros) {
    if (cached != null && cached.startMicros() == startMicros) cached = null;
    return windows.remove(startMicros);
  }

  public boolean isEmpty() {
    return windows.isEmpty();
  }

  /** The number of windows. */
  public int size() {
    return windows.size();
  }

  /** The earliest window's start; only when not {@link #isEmpty()}. */
  public long firstStartMicros() {
    return windows.firstKey();
  }

  /** The start of the first window after {@code startMicros}, or {@link Long#MAX_VALUE} if there is none. */
  public long nextStartAfter(long startMicros) {
    Long next = windows.higherKey(startMicros);
    return next == null ? Long.MAX_VALUE : next;
  }

  /** The latest window's start; only when not {@link #isEmpty()}. */
  public long lastStartMicros() {
    return windows.lastKey();
  }

  private W window(long startMicros) {
    W w = cached;
    if (w != null && w.startMicros() == startMicros) return w;
    w = windows.get(startMicros);
    if (w == null) {
      w = newWindow.apply(startMicros);
      windows.put(startMicros, w);
    }
    cached = w;
    return w;
  }
}
