package io.kaminari.features;

import io.kaminari.flow.Flow;
import io.kaminari.flow.FlowSchema;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * The one featurizer: which window and scope key a flow belongs to, and the one grouping loop from flows to their
 * accumulators. The Spark job's tasks ({@code FeaturesJob}), the streaming scorer's open windows and its pure twin
 * ({@code ScoredWindow.scoreFlows}) and the in-memory driver {@link #vectors} all group through an instance, so they
 * agree by construction.
 *
 * <p>Edge rules (see also {@code docs/features.md}):
 * <ul>
 *   <li>A flow belongs to the window containing its event time, {@value FlowSchema#EVENT_TIME} (= {@value
 *       FlowSchema#TIMESTAMP_START} when the exporter sent it). Windows are {@code [start, start + length)}, aligned
 *       to the epoch in UTC, so a flow exactly on a boundary belongs to the later window.
 *   <li>A flow that spans windows counts wholly in its start window. Exporters cut long flows at their active
 *       timeout (60 s is typical), so a record rarely spans far, and spreading it would smear noise while breaking
 *       parity with the streaming scorer, which sees each record once and cannot revisit closed windows.
 *   <li>Scope {@code global} keys every flow as {@value #GLOBAL_KEY}; {@code dst-prefix} keys it by the destination
 *       address's network prefix in canonical text ({@code 192.0.2.0/24}, {@code 2001:db8:1:2::/64});
 *       IPv4-mapped IPv6 addresses count as IPv4.
 * </ul>
 *
 * <p>The grouping loop ({@link #add}): each flow goes to the window holding its event time ({@link #windowStartMicros})
 * and, in it, to the {@link WindowAccumulator} of its scope key ({@link #scopeKey}), both created on first use. Hot
 * path (every flow of the batch job and the scorer passes here): the window the previous flow went to is kept, because
 * consecutive flows mostly share it, which saves a map lookup per flow; under {@link Scope#GLOBAL} the key is the
 * constant {@link #GLOBAL_KEY}, not computed.
 *
 * <p>Keys per window can be capped ({@link #Featurizer(FeatureSpec, LongFunction, int)}, the streaming scorer's memory
 * bound under a key explosion): a flow of a new key in a window that already holds the cap goes to the accumulator of
 * {@link #OVERFLOW_KEY}, and is counted ({@link #takeOverflowFlows()}). Only the path that creates a key checks the
 * cap, so the per-flow cost is unchanged.
 *
 * <p>An instance is not thread-safe: one per task or loop.
 *
 * @param <W> the window type: {@link WindowGroup}, or a subclass that keeps more per window
 */
public final class Featurizer<W extends WindowGroup> {
  /** The scope key of every flow under {@link Scope#GLOBAL}. */
  public static final String GLOBAL_KEY = "global";

  /** The scope key of the flows whose own key would exceed a window's cap; no prefix or "global" looks like it. */
  public static final String OVERFLOW_KEY = "overflow";

  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final int DCCP = 33;
  private static final int SCTP = 132;
  private static final int UDP_LITE = 136;

  /** The start of the window holding {@code eventTimeMicros}: floored to the window length, epoch-aligned, UTC. */
  public static long windowStartMicros(long eventTimeMicros, FeatureSpec spec) {
    long length = spec.windowMicros();
    return Math.floorDiv(eventTimeMicros, length) * length;
  }

  /**
   * The scope key of a flow with destination {@code ipDst}: {@value #GLOBAL_KEY} under {@link Scope#GLOBAL}, else the
   * destination prefix, e.g. {@code 192.0.2.0/24}.
   *
   * @throws IllegalArgumentException under {@link Scope#DST_PREFIX} if {@code ipDst} is not an IP literal
   */
  public static String scopeKey(String ipDst, FeatureSpec spec) {
    return switch (spec.scope()) {
      case GLOBAL -> GLOBAL_KEY;
      case DST_PREFIX -> IpPrefix.of(ipDst, spec.ipv4PrefixLength(), spec.ipv6PrefixLength());
    };
  }

  /** The accumulator key of {@code flow}. */
  public static WindowKey key(Flow flow, FeatureSpec spec) {
    return new WindowKey(windowStartMicros(flow.eventTimeMicros(), spec), scopeKey(flow.ipDst(), spec));
  }

  /**
   * Whether the protocol's header carries ports: TCP, UDP, DCCP, SCTP, UDP-Lite. The others (ICMP, GRE, ESP, ...)
   * count as port 0 at both ends: keeping them, rather than dropping them, keeps ICMP floods and fragment attacks
   * visible, and port 0 is where the seed already saw them (non-first fragments carry no ports either).
   */
  public static boolean carriesPorts(int ipProto) {
    return ipProto == TCP || ipProto == UDP || ipProto == DCCP || ipProto == SCTP || ipProto == UDP_LITE;
  }

  private final FeatureSpec spec;
  /** The spec compiled once for all the accumulators this featurizer creates. */
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

  /** A featurizer of {@code spec}, creating each window with {@code newWindow.apply(startMicros)}; no cap on keys. */
  public Featurizer(FeatureSpec spec, LongFunction<W> newWindow) {
    this(spec, newWindow, Integer.MAX_VALUE);
  }

  /**
   * A featurizer of {@code spec} whose windows hold at most {@code maxKeysPerWindow} scope keys plus
   * {@link #OVERFLOW_KEY}, which takes the flows of every further key (which keys make the cap depends on the order
   * flows arrive in).
   */
  public Featurizer(FeatureSpec spec, LongFunction<W> newWindow, int maxKeysPerWindow) {
    if (maxKeysPerWindow < 1) throw new IllegalArgumentException("need at least one key per window");
    this.spec = spec;
    this.layout = SlotLayout.of(spec);
    this.global = spec.scope() == Scope.GLOBAL;
    this.newWindow = newWindow;
    this.maxKeys = maxKeysPerWindow;
  }

  /** A featurizer of {@code spec} into plain {@link WindowGroup}s. */
  public static Featurizer<WindowGroup> of(FeatureSpec spec) {
    return new Featurizer<>(spec, WindowGroup::new);
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
    W w = window(windowStartMicros(eventTimeMicros, spec));
    String key = global ? GLOBAL_KEY : scopeKey(ipDst, spec);
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
      window(start).byKey.computeIfAbsent(GLOBAL_KEY, k -> new WindowAccumulator(layout));
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

  /** Accumulates {@code flows} per window and scope key, in key order. */
  public static SortedMap<WindowKey, WindowAccumulator> accumulate(Stream<Flow> flows, FeatureSpec spec) {
    return byKey(group(flows, spec));
  }

  /**
   * The vectors of the windows in {@code [fromMicros, toMicros)}, ordered by window then key; flows outside that range
   * are ignored. Under {@link Scope#GLOBAL} every window gets a vector, all zeros when it had no flows; under
   * {@link Scope#DST_PREFIX} only prefixes with traffic get one.
   *
   * @throws IllegalArgumentException unless both bounds are window-aligned and {@code fromMicros < toMicros}
   */
  public static List<FeatureVector> vectors(Stream<Flow> flows, FeatureSpec spec, long fromMicros, long toMicros) {
    if (windowStartMicros(fromMicros, spec) != fromMicros || windowStartMicros(toMicros, spec) != toMicros
        || fromMicros >= toMicros) {
      throw new IllegalArgumentException("need window-aligned bounds with from < to for " + spec.windowSeconds()
          + " s windows, got [" + fromMicros + ", " + toMicros + ")");
    }
    Featurizer<WindowGroup> groups = group(
        flows.filter(f -> f.eventTimeMicros() >= fromMicros && f.eventTimeMicros() < toMicros), spec);
    groups.fillGlobal(fromMicros, toMicros);
    List<FeatureVector> vectors = new ArrayList<>();
    for (Map.Entry<WindowKey, WindowAccumulator> entry : byKey(groups).entrySet()) {
      vectors.add(FeatureVector.of(entry.getKey(), entry.getValue()));
    }
    return vectors;
  }

  private static Featurizer<WindowGroup> group(Stream<Flow> flows, FeatureSpec spec) {
    Featurizer<WindowGroup> groups = of(spec);
    flows.forEach(groups::add);
    return groups;
  }

  private static SortedMap<WindowKey, WindowAccumulator> byKey(Featurizer<WindowGroup> groups) {
    SortedMap<WindowKey, WindowAccumulator> accumulators = new TreeMap<>();
    for (WindowGroup w : groups.windows()) {
      w.byKey().forEach((key, acc) -> accumulators.put(new WindowKey(w.startMicros(), key), acc));
    }
    return accumulators;
  }
}
