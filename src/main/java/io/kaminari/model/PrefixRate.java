package io.kaminari.model;

import io.kaminari.model.ar.RateRule;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code dst-prefix} rate rule: a prefix fires in a window when it receives more flow records than it did in any
 * window of the training range, by the margin of the AR forecaster's rate rules ({@link RateRule#threshold}: 1.2 times,
 * and at least 3 Poisson sigmas, above that count). A prefix with a {@link KeyHistory} threshold of its own is held to
 * its own largest count; any other (seen in too few training windows, or unseen) to its traffic group's, the largest
 * of any key of the group (an unseen prefix's group is the quietest).
 *
 * <p><b>Why.</b> The per-prefix autoencoder judges the mix of a prefix's ports, not its volume against its past: a
 * carpet of SYNs to port 443 over 200 hosts of four busy hosting /24s scored inside their benign rows (0.2-0.6 of
 * their own thresholds), while each /24 received 50-94 flow records a minute against a training maximum of 19-20, and
 * two of them none at all (docs/evaluation.md, "The prefix rate"). Per host the carpet stays below any threshold (the
 * baseline's point); per prefix it is a plain volume excess, which is what an operator watching a customer's prefix
 * expects to be told about. A rule on counts, like the baseline's, fires in the window it starts.
 *
 * <p>Applied by {@link ScoringModel#score} to every {@code dst-prefix} window of a version whose
 * {@value KeyHistory#FILE_NAME} has the counts (format {@value KeyHistory.Thresholds#FORMAT_BEFORE_PACKETS} or
 * later); a version without a key history (a range too short for any prefix to have one) has no rate rule either.
 */
final class PrefixRate {
  /** Names the rule in an explanation. */
  static final String LABEL = "prefix flow records";

  private final Map<String, Double> byKey = new HashMap<>();
  private final double[] byGroup;
  private final int windowSeconds;

  private PrefixRate(KeyHistory.Thresholds t, int windowSeconds) {
    this.windowSeconds = windowSeconds;
    t.maxFlows().forEach((k, n) -> byKey.put(k, RateRule.threshold(n, windowSeconds)));
    List<Long> groups = t.groupMaxFlows();
    byGroup = new double[groups.size()];
    for (int g = 0; g < byGroup.length; g++) byGroup[g] = RateRule.threshold(groups.get(g), windowSeconds);
  }

  /** The rule of a version's key history, or null when its file predates the counts. */
  static PrefixRate of(KeyHistory.Thresholds t, int windowSeconds, int groups) {
    if (t.format() == KeyHistory.Thresholds.FORMAT_BEFORE_RATES) return null;
    if (t.groupMaxFlows().size() != groups) {
      throw new IllegalArgumentException(KeyHistory.FILE_NAME + " has the flow records of "
          + t.groupMaxFlows().size() + " traffic groups, the version has " + groups);
    }
    return new PrefixRate(t, windowSeconds);
  }

  /**
   * A window of {@code scopeKey} (in traffic group {@code group}) with {@code flows} flow records, judged.
   *
   * @param rate its flow records per second
   * @param threshold the rule's threshold, in flow records per second
   * @param own whether the threshold is the prefix's own (else its group's)
   */
  record Judged(double rate, double threshold, boolean own) {
    double ratio() {
      return rate / threshold;
    }

    /** The explanation's line, e.g. {@code prefix flow records 1.57/s > 0.56 (x2.8)}. */
    String describe() {
      return String.format(Locale.ROOT, "%s %.2f/s > %.2f (x%.1f%s)", LABEL, rate, threshold, ratio(),
          own ? "" : ", its traffic group's busiest; no history of its own");
    }
  }

  Judged judge(String scopeKey, int group, long flows) {
    Double own = byKey.get(scopeKey);
    return new Judged((double) flows / windowSeconds, own != null ? own : byGroup[group], own != null);
  }
}
