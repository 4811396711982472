package io.kaminari.incidents;

import io.kaminari.features.DistinctCounter;
import io.kaminari.features.TopTalkers;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.flow.Flow;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The traffic of one window's heaviest destination prefixes, kept while the window is open so that the streaming
 * scorer can say, when the window closes anomalous, what its victim receives ({@link VictimTraffic}: attack vector,
 * sources, source ASNs, destinations), without the flows table the batch job reads.
 *
 * <p><b>Which prefixes.</b> A victim is a destination prefix at the feature spec's lengths (the global window's top
 * destination prefix, or the dst-prefix scope key; {@link Victims#of}). Keeping every prefix's traffic groups would
 * cost memory per prefix of the network, so a window profiles at most {@value #PROFILED}:
 * <ul>
 *   <li>every flow counts towards its prefix in a bounded heavy-hitter summary ({@link TopTalkers});
 *   <li>a prefix is profiled from its first flow while fewer than {@value #PROFILED} are;
 *   <li>after that, a prefix whose count exceeds twice that of the least profiled one replaces it (that profile is
 *       dropped).
 * </ul>
 * A flood's victim is the heaviest prefix of its window, so it is profiled within its first packets and never
 * replaced: its profile covers the flood's flows from about the moment the prefix became one of the heaviest.
 *
 * <p><b>Followed prefixes.</b> A victim that is not among the heaviest (a low-rate attack on a quiet prefix, a carpet
 * over a customer's /24) would never be profiled, and its incident never get a traffic summary. So the owner names the
 * prefixes to follow ({@link #follow}: the victims of the open incidents): each is profiled from its first flow after
 * it is named, beside the heaviest and never replaced, at most {@value #MAX_FOLLOWED} of them. An incident on a quiet
 * prefix therefore has no summary for the window that opened it, and gets one from the next anomalous window on. The
 * figures describe the profiled flows, not necessarily all of the window's.
 *
 * <p><b>One profile</b> holds the victim's traffic groups ({@link TrafficGroup}'s rules, at most {@value #MAX_GROUPS};
 * later groups count in the totals only, as the batch job's beyond its heaviest groups), the top sources, source ASNs
 * and destination addresses ({@link TopTalkers}), and the distinct sources ({@link DistinctCounter}).
 *
 * <p><b>Scaled out</b>, each source task profiles its own flows of a window this way, and the aggregator
 * {@link #merge}s the partial profiles: a prefix profiled by several tasks sums their figures (exact for the counts and
 * groups, as the window's accumulators are; the top lists and distinct sources as {@link TopTalkers} and
 * {@link DistinctCounter} merge), and each covers the flows of the tasks that profiled it. Serializable for that.
 *
 * <p>Not thread-safe: owned by the scorer loop, like the window it belongs to.
 */
public final class VictimProfiles implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Destination prefixes profiled per window at most. */
  public static final int PROFILED = 8;
  /** Traffic groups per profile at most. */
  static final int MAX_GROUPS = 1_000;
  static final int TOP_SOURCES = 5;
  static final int TOP_DESTINATIONS = 3;

  /** Followed prefixes profiled per window at most. */
  public static final int MAX_FOLLOWED = 64;

  private final TopTalkers prefixes = new TopTalkers();
  private final Map<String, Profile> profiles = new HashMap<>();
  /** Profiles of followed prefixes: not among {@link #profiles}, so never replaced by a heavier prefix. */
  private final Map<String, Profile> followedProfiles = new HashMap<>();
  /** Null when none are followed (and in a deserialised copy: the predicate is the owner's, not the data's). */
  private transient Predicate<String> followed;
  /**
   * The smallest window count ({@link #prefixes}) of a profiled prefix when last computed: a candidate under twice it
   * is refused without looking at the profiles, and one above makes it computed afresh.
   */
  private long leastProfiled;

  /**
   * Adds a flow of the window (one the featurizer took, so its addresses are set), whose destination prefix at the
   * spec's lengths the featurizer has computed already ({@link io.kaminari.features.Featurizer#lastDstPrefix()}:
   * computing it again cost 7% of the scorer's throughput); a null prefix (a flow the featurizer sent to its overflow
   * key) counts nowhere.
   */
  public void add(Flow flow, String dstPrefix) {
    if (dstPrefix == null) return;
    long rate = flow.samplingRate() == null ? 0 : flow.samplingRate();
    long packets = WindowAccumulator.scaled(flow.packets(), rate);
    prefixes.add(dstPrefix, packets);
    Profile p = profiles.get(dstPrefix);
    if (p == null) p = followedProfiles.get(dstPrefix);
    if (p == null && (p = admit(dstPrefix)) == null) return;
    p.add(flow, packets, WindowAccumulator.scaled(flow.bytes(), rate));
  }

  /**
   * Profiles the prefixes {@code followed} accepts from their next flow on, beside the heaviest ones (see the class
   * doc); the predicate is consulted when a prefix not yet profiled sends a flow, so a live view (the open incidents'
   * victims) takes effect at once, also in windows already open.
   */
  public void follow(Predicate<String> followed) {
    this.followed = followed;
  }

  /**
   * A new profile for {@code prefix} if it is followed (and fewer than {@value #MAX_FOLLOWED} are), or there is room, or
   * it outweighs the least profiled prefix; else null.
   */
  private Profile admit(String prefix) {
    if (followedProfiles.size() < MAX_FOLLOWED && followed != null && followed.test(prefix)) {
      Profile p = new Profile();
      followedProfiles.put(prefix, p);
      return p;
    }
    if (profiles.size() >= PROFILED) {
      long count = prefixes.count(prefix);
      if (count <= 2 * leastProfiled) return null;
      // Window counts on both sides, not the packets profiled since admission: a prefix admitted a moment ago must
      // not be evicted by one no heavier than it, or two mid-weight prefixes would evict each other by turns.
      String least = null;
      long min = Long.MAX_VALUE;
      for (String profiled : profiles.keySet()) {
        long c = prefixes.count(profiled);
        if (c < min) {
          min = c;
          least = profiled;
        }
      }
      leastProfiled = min;
      if (count <= 2 * min) return null;
      profiles.remove(least);
      leastProfiled = 0; // unknown again: computed afresh by the next candidate
    }
    Profile p = new Profile();
    profiles.put(prefix, p);
    return p;
  }

  /**
   * Adds {@code other}'s profiles (of the same window, from other flows) to this one's: a prefix both profile sums,
   * one only {@code other} profiles is added as it is (heaviest or followed, as there); {@code other} is unchanged.
   */
  public void merge(VictimProfiles other) {
    prefixes.merge(other.prefixes);
    mergeInto(profiles, other.profiles);
    mergeInto(followedProfiles, other.followedProfiles);
  }

  private void mergeInto(Map<String, Profile> mine, Map<String, Profile> theirs) {
    theirs.forEach((prefix, p) -> {
      Profile own = profiles.get(prefix);
      if (own == null) own = followedProfiles.get(prefix);
      if (own == null) {
        own = new Profile();
        mine.put(prefix, own);
      }
      own.merge(p);
    });
  }

  /** The profile of {@code prefix} alone (shared, not copied), or null when it is not profiled. */
  public VictimProfiles only(String prefix) {
    Profile p = profiles.get(prefix);
    boolean isFollowed = p == null;
    if (p == null) p = followedProfiles.get(prefix);
    if (p == null) return null;
    VictimProfiles out = new VictimProfiles();
    (isFollowed ? out.followedProfiles : out.profiles).put(prefix, p);
    return out;
  }

  /** The profiled prefixes, the heaviest then the followed ones (for tests and logs). */
  public List<String> profiled() {
    List<String> out = new ArrayList<>(profiles.keySet());
    out.addAll(followedProfiles.keySet());
    return out;
  }

  /** What {@code victim}'s profiled flows show, for the window starting at {@code windowStart}; null if unprofiled. */
  public VictimTraffic traffic(String victim, Instant windowStart) {
    if (victim == null) return null;
    Profile p = profiles.get(victim);
    if (p == null) p = followedProfiles.get(victim);
    return p == null ? null : p.traffic(windowStart);
  }

  /** One prefix's traffic in the window. */
  private static final class Profile implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Group key ({@link #key}) to packets, bytes, flows, smallest and largest bytes per packet. */
    private final Map<Long, long[]> groups = new HashMap<>();
    private final TopTalkers sources = new TopTalkers();
    private final TopTalkers asns = new TopTalkers();
    private final TopTalkers destinations = new TopTalkers();
    private final DistinctCounter distinctSources = new DistinctCounter();
    private long packets;

    void add(Flow f, long scaledPackets, long scaledBytes) {
      packets = WindowAccumulator.plus(packets, scaledPackets);
      int flags = f.tcpFlags() == null ? 0 : f.tcpFlags();
      int length = TrafficGroup.packetLength(f.packets(), f.bytes());
      long key = key(f.ipProto(), f.portDst(), TrafficGroup.srcKey(f.ipProto(), f.portSrc()), flags);
      long[] g = groups.get(key);
      if (g == null && groups.size() < MAX_GROUPS) {
        g = new long[] {0, 0, 0, length, length};
        groups.put(key, g);
      }
      if (g != null) {
        g[0] = WindowAccumulator.plus(g[0], scaledPackets);
        g[1] = WindowAccumulator.plus(g[1], scaledBytes);
        g[2]++;
        g[3] = Math.min(g[3], length);
        g[4] = Math.max(g[4], length);
      }
      sources.add(f.ipSrc(), scaledPackets);
      distinctSources.add(f.ipSrc());
      if (f.asSrc() != null && f.asSrc() > 0) asns.add("AS" + f.asSrc(), scaledPackets);
      destinations.add(f.ipDst(), scaledPackets);
    }

    /** Adds {@code other}'s figures: sums, and the groups {@link #MAX_GROUPS} leaves room for. */
    void merge(Profile other) {
      packets = WindowAccumulator.plus(packets, other.packets);
      other.groups.forEach((key, o) -> {
        long[] g = groups.get(key);
        if (g == null) {
          if (groups.size() < MAX_GROUPS) groups.put(key, o.clone());
          return;
        }
        g[0] = WindowAccumulator.plus(g[0], o[0]);
        g[1] = WindowAccumulator.plus(g[1], o[1]);
        g[2] += o[2];
        g[3] = Math.min(g[3], o[3]);
        g[4] = Math.max(g[4], o[4]);
      });
      sources.merge(other.sources);
      asns.merge(other.asns);
      destinations.merge(other.destinations);
      distinctSources.merge(other.distinctSources);
    }

    VictimTraffic traffic(Instant windowStart) {
      List<TrafficGroup> list = new ArrayList<>(groups.size());
      groups.forEach((key, g) -> list.add(new TrafficGroup((int) (key >>> 41), (int) (key >>> 25) & 0xFFFF,
          (int) ((key >>> 8) & 0x1FFFF) - 1, (int) (key & 0xFF), g[0], g[1], g[2], (int) g[3], (int) g[4])));
      return new VictimTraffic(windowStart, packets, VectorExtraction.extract(list, packets),
          sources.describe(TOP_SOURCES, packets), distinctSources.count(), asns.describe(TOP_SOURCES, packets),
          destinations.describe(TOP_DESTINATIONS, packets));
    }

    /** Protocol (8 bits), destination port (16), source key + 1 (17), TCP flags (8) in one long. */
    private static long key(int protocol, int dstPort, int srcKey, int flags) {
      return ((long) (protocol & 0xFF) << 41) | ((long) (dstPort & 0xFFFF) << 25) | ((long) (srcKey + 1) << 8)
          | (flags & 0xFF);
    }
  }
}
