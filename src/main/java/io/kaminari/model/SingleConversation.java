package io.kaminari.model;

import io.kaminari.features.TopTalkers;
import java.util.List;
import java.util.Locale;

/**
 * The exception to the {@link KeyHistory} rule: a prefix's sustained autoencoder verdict is withdrawn when the window
 * is one conversation's traffic and no more of it than some prefix of its traffic group carried in a training window.
 * "One conversation's" means that the window's top source and its top destination port each carry more than
 * {@value #SHARE} of its packets, as the window's top talkers list them ({@link TopTalkers#share}, the text both
 * engines store); "no more" means at most the most packets any prefix of its traffic group had in one training window.
 * The prefix rate ({@link PrefixRate}) judges the window as before.
 *
 * <p><b>Why.</b> On the demo at {@code dst-prefix} (seeds 7 and 42, docs/evaluation.md "The single-conversation
 * exception"), all five false alarms in two test days were this rule on a prefix receiving one host's long stream (RDP
 * from or to 3389, web from 80 or 443): 58-97% of the prefix's packets from one source to one port, 800-6,000 packets
 * in 5 minutes, each within its traffic group's busiest training window. Such a stream is unusual for that one
 * prefix, so its own threshold (a quantile of its own history) cannot tell it from an attack; but it is one
 * conversation of an ordinary size for the prefix's peers, which is not what an operator wants to be woken for. A
 * distributed attack has many sources, a scan many ports; and on no dataset of the suite did this rule alone find an
 * attack window at {@code dst-prefix} (the prefix rate found each first).
 *
 * <p><b>Cost.</b> A flood from one source to one port that adds no flow records (one 5-tuple, which the prefix rate
 * does not see) and stays within the busiest training window of the prefix's traffic group is no {@code dst-prefix}
 * verdict; larger, it still is. The {@code global} scope judges the link as before.
 */
final class SingleConversation {
  /** The share of a window's packets above which its top source and top port make it one conversation's traffic. */
  static final double SHARE = 0.5;

  private final long[] groupMaxPackets;

  private SingleConversation(List<Long> groupMaxPackets) {
    this.groupMaxPackets = groupMaxPackets.stream().mapToLong(Long::longValue).toArray();
  }

  /** The exception of a version's key history, or null when its file predates the packet counts. */
  static SingleConversation of(KeyHistory.Thresholds t, int groups) {
    if (t.format() < KeyHistory.Thresholds.FORMAT) return null;
    if (t.groupMaxPackets().size() != groups) {
      throw new IllegalArgumentException(KeyHistory.FILE_NAME + " has the packets of " + t.groupMaxPackets().size()
          + " traffic groups, the version has " + groups);
    }
    return new SingleConversation(t.groupMaxPackets());
  }

  /**
   * Why the sustained verdict of {@code w} (a prefix in traffic group {@code group}) is withdrawn, as a line of its
   * explanation, or null when it stands: a window without top talkers (rows written before they were stored) keeps it.
   */
  String withdraws(ScoringModel.Window w, int group) {
    long max = groupMaxPackets[group];
    if (w.packets() > max || !leads(w.topSources()) || !leads(w.topDstPorts())) return null;
    return String.format(Locale.ROOT, "one conversation's traffic (src %s, dst port %s), within its traffic group's"
        + " busiest training window (%,d <= %,d packets): no verdict by the prefix's own threshold",
        w.topSources().get(0), w.topDstPorts().get(0), w.packets(), max);
  }

  /** Whether the first of {@code talkers} carries more than {@link #SHARE} of the window's packets. */
  private static boolean leads(List<String> talkers) {
    return !talkers.isEmpty() && TopTalkers.share(talkers.get(0)) > SHARE;
  }
}
