package io.kaminari.features;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses a spec's ports: the top N source and destination ports by packets over a reference period, ties broken by
 * the lower port number, counted with the vectors' own edge rules (packets scaled by the sampling rate, protocols
 * without ports as port 0), so a selected port is one the vectors will see traffic on.
 */
public final class PortSelection {
  private PortSelection() {}

  private static final int PORTS = 65536;

  /** Packets per source and per destination port; merge partial tallies of disjoint flows with {@link #merge}. */
  public static final class Tally implements Serializable {
    private final long[] src = new long[PORTS];
    private final long[] dst = new long[PORTS];
    private long flows;

    /** Counts one flow record (ports outside 0..65535 on a port protocol are an error, as in the accumulator). */
    public void add(int portSrc, int portDst, int ipProto, long packets, long samplingRate) {
      if (!Featurizer.carriesPorts(ipProto)) {
        portSrc = 0;
        portDst = 0;
      } else if ((portSrc | portDst) >>> 16 != 0) {
        throw new IllegalArgumentException("port out of range 0..65535: src " + portSrc + ", dst " + portDst);
      }
      long scaled = WindowAccumulator.scaled(packets, samplingRate);
      src[portSrc] = WindowAccumulator.plus(src[portSrc], scaled);
      dst[portDst] = WindowAccumulator.plus(dst[portDst], scaled);
      flows++;
    }

    /** Adds {@code other} into this tally and returns this. */
    public Tally merge(Tally other) {
      for (int p = 0; p < PORTS; p++) {
        src[p] = WindowAccumulator.plus(src[p], other.src[p]);
        dst[p] = WindowAccumulator.plus(dst[p], other.dst[p]);
      }
      flows += other.flows;
      return this;
    }

    public long flows() {
      return flows;
    }

    public List<Integer> topSrc(int n) {
      return top(src, n);
    }

    public List<Integer> topDst(int n) {
      return top(dst, n);
    }
  }

  /**
   * The {@code n} ports with the most packets, most first, ties by lower port; ports without packets are never chosen,
   * so fewer than {@code n} come back when fewer carried traffic.
   *
   * @param packetsByPort packets indexed by port (0..65535)
   */
  public static List<Integer> top(long[] packetsByPort, int n) {
    if (n < 0) throw new IllegalArgumentException("n must be >= 0, got " + n);
    List<Integer> ports = new ArrayList<>();
    for (int p = 0; p < packetsByPort.length; p++) {
      if (packetsByPort[p] > 0) ports.add(p);
    }
    ports.sort(Comparator.<Integer>comparingLong(p -> -packetsByPort[p]).thenComparingInt(p -> p));
    return List.copyOf(ports.subList(0, Math.min(n, ports.size())));
  }

  /**
   * A spec with the top {@code srcN} source and {@code dstN} destination ports of {@code tally} and the default
   * features, prefix lengths and "other" buckets.
   */
  public static FeatureSpec spec(Tally tally, int srcN, int dstN, Scope scope, int windowSeconds, String name,
      String description) {
    return new FeatureSpec(name, description, windowSeconds, scope, FeatureSpec.DEFAULT_IPV4_PREFIX_LENGTH,
        FeatureSpec.DEFAULT_IPV6_PREFIX_LENGTH, tally.topSrc(srcN), tally.topDst(dstN), FeatureSpec.DEFAULT_FEATURES,
        true);
  }
}
