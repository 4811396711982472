package io.kaminari.features;

import io.kaminari.flow.Flow;
import io.kaminari.flow.FlowSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The pure functions that decide which window and scope key a flow belongs to, shared verbatim by the Spark job and
 * the streaming scorer, plus a small in-memory driver from flows to vectors.
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
 */
public final class Featurizer {
  /** The scope key of every flow under {@link Scope#GLOBAL}. */
  public static final String GLOBAL_KEY = "global";

  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final int DCCP = 33;
  private static final int SCTP = 132;
  private static final int UDP_LITE = 136;

  private Featurizer() {}

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
    WindowGroups<WindowGroup> groups = group(
        flows.filter(f -> f.eventTimeMicros() >= fromMicros && f.eventTimeMicros() < toMicros), spec);
    groups.fillGlobal(fromMicros, toMicros);
    List<FeatureVector> vectors = new ArrayList<>();
    for (Map.Entry<WindowKey, WindowAccumulator> entry : byKey(groups).entrySet()) {
      vectors.add(FeatureVector.of(entry.getKey(), entry.getValue()));
    }
    return vectors;
  }

  private static WindowGroups<WindowGroup> group(Stream<Flow> flows, FeatureSpec spec) {
    WindowGroups<WindowGroup> groups = WindowGroups.of(spec);
    flows.forEach(groups::add);
    return groups;
  }

  private static SortedMap<WindowKey, WindowAccumulator> byKey(WindowGroups<WindowGroup> groups) {
    SortedMap<WindowKey, WindowAccumulator> accumulators = new TreeMap<>();
    for (WindowGroup w : groups.windows()) {
      w.byKey().forEach((key, acc) -> accumulators.put(new WindowKey(w.startMicros(), key), acc));
    }
    return accumulators;
  }
}
