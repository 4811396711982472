package io.kaminari.features;

import io.kaminari.flow.Flow;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * Accumulates the flows of one window × scope key, flow by flow, into the per-port state that {@link #toVector()} turns
 * into the spec's vector, plus the window's summary beside the vector: its distinct source addresses
 * ({@link #sources()}) and its top talkers by packets ({@link #topDstPrefixes()}, {@link #topSources()},
 * {@link #topDstPorts()}); partial accumulators of the same key {@link #merge} into the accumulator of all their flows.
 *
 * <p>Edge rules (see also {@code docs/features.md}):
 * <ul>
 *   <li>Choosing the window and scope key is the caller's job ({@link Featurizer#windowStartMicros},
 *       {@link Featurizer#scopeKey}); every flow added here counts wholly in this window.
 *   <li>Packets and bytes are scaled by the sampling rate: {@code packets × max(1, samplingRate)}, so 0 and 1 both
 *       mean unsampled. {@link #packetCount()} is that scaled estimate of packets on the wire. Products and sums
 *       saturate at {@link Long#MAX_VALUE} ({@link #scaled}, {@link #plus}): a bogus counter or sampling rate reads
 *       as the largest possible flood, never as a wrapped (negative or zero) count that would hide one.
 *   <li>Protocols without ports (anything but TCP, UDP, DCCP, SCTP, UDP-Lite; see {@link Featurizer#carriesPorts})
 *       count as source port 0 and destination port 0, whatever the record says; NetFlow puts ICMP type/code in the
 *       destination port, which would otherwise pose as ports 768..2303 etc.
 *   <li>TCP and UDP on the same port number share a slot, as in the seed.
 *   <li>A flow feeds two slots: its source port's (or the "other" source bucket) and its destination port's (or the
 *       "other" destination bucket). With buckets off, an unlisted port feeds nothing on that side but the flow still
 *       counts in {@link #flowCount()} and {@link #packetCount()}.
 *   <li>Distinct ports are exact over the window ({@link PortSet}). Distinct addresses (the window's sources, and the
 *       per-slot {@code distinct_src_ips} / {@code distinct_dst_ips} features when the spec has them) are exact up to
 *       {@link DistinctCounter#EXACT_CAP} and a HyperLogLog estimate above (1.6% standard error); either way they do
 *       not depend on the order of flows or merges. IPs are compared as given, which is canonical text in
 *       {@code kaminari.flows}. {@link #estimatedCounts()} says how many of a row's counts and lists are estimates.
 *   <li>Top talkers ({@link TopTalkers}) rank keys by sampling-scaled packets: destination prefixes at the spec's
 *       prefix lengths (under {@link Scope#GLOBAL} only: under {@link Scope#DST_PREFIX} the prefix is the scope key),
 *       source addresses as given, and destination ports after the rule for protocols without ports (so ICMP is port
 *       0). Exact and order-independent up to {@link TopTalkers#EXACT_CAP} distinct keys, bounded lower estimates
 *       above.
 * </ul>
 *
 * <p>Not thread-safe: one accumulator per task, combined with {@link #merge}.
 */
public final class WindowAccumulator implements Serializable {
  private final SlotLayout layout;
  private final long[] packets;
  private final long[] bytes;
  private final long[] flows;
  /** Per slot, created on first use; null arrays when the spec does not need the feature. */
  private final PortSet[] oppositePorts;
  private final DistinctCounter[] srcIps;
  private final DistinctCounter[] dstIps;
  private final DistinctCounter sources = new DistinctCounter();
  /** Null under {@link Scope#DST_PREFIX}, where the scope key is the prefix. */
  private final TopTalkers topDstPrefixes;
  /**
   * Flow records per bin of destination addresses ({@link #dstBin}), under {@link Scope#GLOBAL} only (null under
   * {@link Scope#DST_PREFIX}): {@link #busiestDstFlows()} is the busiest bin's.
   */
  private final long[] dstBinFlows;
  /**
   * Flow records per bin of (source, destination) address pairs ({@link #pairBin}), under {@link Scope#GLOBAL} only:
   * {@link #busiestPairFlows()} is the busiest bin's.
   */
  private final long[] pairBinFlows;
  /**
   * The window's service ports ({@link #servicePorts()}) under {@link Scope#GLOBAL} only; null under
   * {@link Scope#DST_PREFIX}.
   */
  private final PortSet servicePorts;
  /** The destination prefix of the flow added last (global scope only): see {@link #lastDstPrefix()}. */
  private String lastDstPrefix;
  private final TopTalkers topSources = new TopTalkers();
  private final TopTalkers topDstPorts = new TopTalkers();
  private long flowCount;
  private long packetCount;

  /** An empty accumulator for {@code spec}; {@link #toVector()} of an empty one is all zeros. */
  public WindowAccumulator(FeatureSpec spec) {
    this(SlotLayout.of(spec));
  }

  /**
   * An empty accumulator of a spec already compiled: {@link Featurizer} creates one per window and scope key, and
   * looking the layout up each time hashed the whole spec (its record hash covers every port list) per accumulator.
   */
  WindowAccumulator(SlotLayout layout) {
    this.layout = layout;
    FeatureSpec spec = layout.spec;
    int slots = layout.slotCount;
    this.packets = new long[slots];
    this.bytes = new long[slots];
    this.flows = new long[slots];
    this.oppositePorts = layout.tracksOppositePorts ? new PortSet[slots] : null;
    this.srcIps = layout.tracksSrcIps ? newCounters(slots) : null;
    this.dstIps = layout.tracksDstIps ? newCounters(slots) : null;
    this.topDstPrefixes = spec.scope() == Scope.GLOBAL ? new TopTalkers() : null;
    this.dstBinFlows = spec.scope() == Scope.GLOBAL ? new long[DST_BINS] : null;
    this.pairBinFlows = spec.scope() == Scope.GLOBAL ? new long[DST_BINS] : null;
    this.servicePorts = spec.scope() == Scope.GLOBAL ? new PortSet() : null;
  }

  public FeatureSpec spec() {
    return layout.spec;
  }

  /** The spec's {@link FeatureSpec#id()}, computed once per spec rather than per vector. */
  public String specId() {
    return layout.specId;
  }

  /** Adds a flow record already assigned to this window and key. */
  public void add(Flow flow) {
    add(flow.portSrc(), flow.portDst(), flow.ipProto(), flow.packets(), flow.bytes(),
        flow.samplingRate() == null ? 0 : flow.samplingRate(), flow.ipSrc(), flow.ipDst());
  }

  /**
   * Adds one flow record from its columns, so that the Spark job can feed rows without building {@link Flow}s.
   *
   * @param samplingRate the exporter's 1-in-N rate; 0 or 1 mean unsampled
   * @param ipSrc the source address (the window's distinct sources and top sources)
   * @param ipDst the destination address (top destination prefixes under {@link Scope#GLOBAL}; the distinct
   *     destinations feature)
   * @throws IllegalArgumentException if a port is outside 0..65535, or under {@link Scope#GLOBAL} {@code ipDst} is no
   *     IP literal; the accumulator is then unchanged
   * @throws NullPointerException if an address is null
   */
  public void add(int portSrc, int portDst, int ipProto, long packets, long bytes, long samplingRate,
      String ipSrc, String ipDst) {
    boolean carriesPorts = Featurizer.carriesPorts(ipProto);
    if (!carriesPorts) {
      portSrc = 0;
      portDst = 0;
    } else if ((portSrc | portDst) >>> 16 != 0) {
      throw new IllegalArgumentException("port out of range 0..65535: src " + portSrc + ", dst " + portDst);
    }
    Objects.requireNonNull(ipSrc, "ipSrc is needed for the window's distinct sources");
    Objects.requireNonNull(ipDst, "ipDst is needed for the window's top destinations");
    String dstPrefix = topDstPrefixes == null ? null
        : IpPrefix.of(ipDst, layout.spec.ipv4PrefixLength(), layout.spec.ipv6PrefixLength());
    long scaledPackets = scaled(packets, samplingRate);
    long scaledBytes = scaled(bytes, samplingRate);
    flowCount++;
    packetCount = plus(packetCount, scaledPackets);
    sources.add(ipSrc);
    topSources.add(ipSrc, scaledPackets);
    topDstPorts.add(PortText.of(portDst), scaledPackets);
    if (dstPrefix != null) {
      topDstPrefixes.add(dstPrefix, scaledPackets);
      dstBinFlows[dstBin(ipDst)]++;
      pairBinFlows[pairBin(ipSrc, ipDst)]++;
      int service = Math.min(portSrc, portDst);
      if (carriesPorts && service < EPHEMERAL_PORTS_FROM) servicePorts.add(service);
    }
    lastDstPrefix = dstPrefix;
    addToSlot(layout.srcSlot(portSrc), portDst, scaledPackets, scaledBytes, ipSrc, ipDst);
    addToSlot(layout.dstSlot(portDst), portSrc, scaledPackets, scaledBytes, ipSrc, ipDst);
  }

  /**
   * The destination prefix (at the spec's lengths) of the flow {@link #add} took last, under {@link Scope#GLOBAL};
   * null under {@link Scope#DST_PREFIX}, whose scope key is the prefix, and before the first flow. The streaming scorer
   * reads it rather than computing the prefix a second time ({@link Featurizer#lastDstPrefix()}).
   */
  public String lastDstPrefix() {
    return lastDstPrefix;
  }

  /**
   * A packet or byte count scaled by the exporter's 1-in-N sampling rate: {@code count × max(1, samplingRate)}, so 0
   * and 1 both mean unsampled, saturated at {@link Long#MAX_VALUE} (2^62 packets × 1000 wrapped to exactly 0). Public
   * so that port selection ranks ports by the same estimate the vectors hold.
   *
   * @param count a counter as the parser reads it, 0..2^63-1
   */
  public static long scaled(long count, long samplingRate) {
    long rate = Math.max(1, samplingRate);
    long product = count * rate;
    return Math.multiplyHigh(count, rate) != 0 || product < 0 ? Long.MAX_VALUE : product;
  }

  /** {@code a + b} of two non-negative counts, saturated at {@link Long#MAX_VALUE}. */
  public static long plus(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /** Folds {@code other} (a partial of the same window, key and spec layout) into this one; {@code other} is unchanged. */
  public void merge(WindowAccumulator other) {
    if (!layout.specId.equals(other.layout.specId)) {
      throw new IllegalArgumentException(
          "cannot merge accumulators of different specs: " + layout.specId + " and " + other.layout.specId);
    }
    flowCount += other.flowCount;
    packetCount = plus(packetCount, other.packetCount);
    sources.merge(other.sources);
    topSources.merge(other.topSources);
    topDstPorts.merge(other.topDstPorts);
    if (topDstPrefixes != null) {
      topDstPrefixes.merge(other.topDstPrefixes);
      for (int b = 0; b < DST_BINS; b++) {
        dstBinFlows[b] += other.dstBinFlows[b];
        pairBinFlows[b] += other.pairBinFlows[b];
      }
      servicePorts.addAll(other.servicePorts);
    }
    for (int s = 0; s < layout.slotCount; s++) {
      packets[s] = plus(packets[s], other.packets[s]);
      bytes[s] = plus(bytes[s], other.bytes[s]);
      flows[s] += other.flows[s];
      if (oppositePorts != null && other.oppositePorts[s] != null) {
        portSet(s).addAll(other.oppositePorts[s]);
      }
      if (srcIps != null) {
        srcIps[s].merge(other.srcIps[s]);
      }
      if (dstIps != null) {
        dstIps[s].merge(other.dstIps[s]);
      }
    }
  }

  /** Flow records added (merged included), counted once each however many slots they fed. */
  public long flowCount() {
    return flowCount;
  }

  /** Packets added, scaled by the sampling rate: the estimate of packets on the wire. */
  public long packetCount() {
    return packetCount;
  }

  /** Distinct source addresses of the window and key: exact up to {@link DistinctCounter#EXACT_CAP}, else estimated. */
  public long sources() {
    return sources.count();
  }

  /**
   * Flow records to the busiest of {@link #DST_BINS} bins of destination addresses under {@link Scope#GLOBAL}: at
   * least the busiest single destination's records, more only by the other destinations that share its bin (with a
   * few thousand destinations a window, a handful of records). 0 under {@link Scope#DST_PREFIX} and in an empty
   * window. Bins rather than a top-talker summary because a sum per bin is exact and order-independent however many
   * destinations a window has, so the Spark job and the streaming scorer always agree on it, in {@code 32 KiB} a
   * window.
   */
  public long busiestDstFlows() {
    return busiestBin(dstBinFlows);
  }

  /**
   * Flow records from one source address to one destination address, of the busiest of {@link #DST_BINS} bins of
   * such pairs under {@link Scope#GLOBAL}: at least the busiest pair's records, more only by the pairs that share its
   * bin. 0 under {@link Scope#DST_PREFIX} and in an empty window. It shows one client opening connection after
   * connection to one server (an application-layer flood from few sources, e.g. 2-12 HTTP sessions a minute where
   * benign pairs reach 2) that neither the destination's total nor any port series lifts; bins for the reason
   * {@link #busiestDstFlows()} gives.
   */
  public long busiestPairFlows() {
    return busiestBin(pairBinFlows);
  }

  /**
   * The first port of the range clients draw their ephemeral ports from on Linux (32768-60999; Windows and IANA start
   * at 49152): a port below it at the low end of a flow is a service port.
   */
  public static final int EPHEMERAL_PORTS_FROM = 32768;

  /**
   * The window's service ports under {@link Scope#GLOBAL}, in increasing order: of every flow record of a protocol with
   * ports, the lower of its two ports when that is below {@link #EPHEMERAL_PORTS_FROM} (a client's request goes from
   * its ephemeral port to the service's, the reply back, so both name the service; a flow between two ephemeral
   * ports names none). Null under {@link Scope#DST_PREFIX}. Exact and order-independent ({@link PortSet}), at most
   * 32,768 ports. The AR forecaster's new-ports rule counts the ones its training range never saw: a service moved to
   * a port family of its own ({@code port-mix-shift} in docs/evaluation.md) shows there in the window it starts,
   * while the port vector folds those ports into its "other" slots, where they move a count by a few sigmas.
   */
  public int[] servicePorts() {
    return servicePorts == null ? null : servicePorts.toSortedArray();
  }

  private static long busiestBin(long[] bins) {
    if (bins == null) return 0;
    long max = 0;
    for (long n : bins) max = Math.max(max, n);
    return max;
  }

  /**
   * Bins of destination addresses for {@link #busiestDstFlows()}, and of address pairs for {@link #busiestPairFlows()}.
   */
  static final int DST_BINS = 4096;

  /**
   * The bin of an address (as given: canonical text in {@code kaminari.flows}): its {@link String#hashCode()}, which
   * the Java specification fixes, mixed by the 32-bit MurmurHash3 finaliser so that neighbouring addresses spread.
   */
  static int dstBin(String ipDst) {
    return mix(ipDst.hashCode());
  }

  /** The bin of a (source, destination) pair: both addresses' hashes combined, then mixed as {@link #dstBin} does. */
  static int pairBin(String ipSrc, String ipDst) {
    return mix(ipSrc.hashCode() * 31 + ipDst.hashCode());
  }

  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h & (DST_BINS - 1);
  }

  /**
   * The top destination prefixes by packets, with their share, e.g. {@code 203.0.113.0/24 (91%)} (see
   * {@link TopTalkers#describe}); empty under {@link Scope#DST_PREFIX}, whose scope key is the prefix.
   */
  public List<String> topDstPrefixes() {
    return topDstPrefixes == null ? List.of() : topDstPrefixes.describe(packetCount);
  }

  /** The top source addresses by packets, with their share, e.g. {@code 198.51.100.7 (12%)}. */
  public List<String> topSources() {
    return topSources.describe(packetCount);
  }

  /** The top destination ports by packets, with their share, e.g. {@code 80 (95%)}; protocols without ports are 0. */
  public List<String> topDstPorts() {
    return topDstPorts.describe(packetCount);
  }

  /**
   * How many of this row's distinct counts and top-talker lists are estimates, having gone past their exact cap (the
   * sources, each slot's distinct-address features, the three top-talker lists); 0 when every figure is exact.
   */
  public int estimatedCounts() {
    int n = (sources.isEstimate() ? 1 : 0) + (topSources.isEstimate() ? 1 : 0) + (topDstPorts.isEstimate() ? 1 : 0)
        + (topDstPrefixes != null && topDstPrefixes.isEstimate() ? 1 : 0);
    for (int s = 0; s < layout.slotCount; s++) {
      if (srcIps != null && srcIps[s].isEstimate()) n++;
      if (dstIps != null && dstIps[s].isEstimate()) n++;
    }
    return n;
  }

  /** The vector in the spec's layout (see {@link FeatureSpec}); rates are per second of window length. */
  public float[] toVector() {
    FeatureSpec spec = layout.spec;
    double seconds = spec.windowSeconds();
    float[] vector = new float[spec.dimension()];
    int i = 0;
    for (int s = 0; s < layout.slotCount; s++) {
      for (PortFeature feature : spec.features()) {
        vector[i++] = (float) switch (feature) {
          case PPS -> packets[s] / seconds;
          case OPPOSITE_PORTS -> oppositePorts[s] == null ? 0 : oppositePorts[s].size();
          case BPS -> bytes[s] / seconds;
          case FLOWS_PER_S -> flows[s] / seconds;
          case DISTINCT_SRC_IPS -> srcIps[s].count();
          case DISTINCT_DST_IPS -> dstIps[s].count();
        };
      }
    }
    return vector;
  }

  private void addToSlot(int slot, int oppositePort, long scaledPackets, long scaledBytes, String ipSrc, String ipDst) {
    if (slot < 0) {
      return;
    }
    packets[slot] = plus(packets[slot], scaledPackets);
    bytes[slot] = plus(bytes[slot], scaledBytes);
    flows[slot]++;
    if (oppositePorts != null) {
      portSet(slot).add(oppositePort);
    }
    if (srcIps != null) {
      srcIps[slot].add(ipSrc);
    }
    if (dstIps != null) {
      dstIps[slot].add(ipDst);
    }
  }

  private PortSet portSet(int slot) {
    PortSet set = oppositePorts[slot];
    if (set == null) {
      set = new PortSet();
      oppositePorts[slot] = set;
    }
    return set;
  }

  private static DistinctCounter[] newCounters(int slots) {
    DistinctCounter[] counters = new DistinctCounter[slots];
    for (int s = 0; s < slots; s++) {
      counters[s] = new DistinctCounter();
    }
    return counters;
  }

  /** Port numbers as text, each string made once: the top-ports summary is keyed by them on every flow. */
  private static final class PortText {
    private static final String[] TEXT = new String[65536];

    static String of(int port) {
      String t = TEXT[port];
      if (t == null) {
        t = Integer.toString(port);
        TEXT[port] = t; // a racing thread makes an equal string: harmless
      }
      return t;
    }
  }
}
