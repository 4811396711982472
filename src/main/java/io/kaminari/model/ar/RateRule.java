package io.kaminari.model.ar;

import java.util.Locale;
import java.util.Map;

/**
 * The AR forecaster's rate rules (models/flow-ar/MODEL_CARD.md, "The rate rules"): beside the series, a window fires
 * when its busiest destination ({@link #DST}) or its busiest (source, destination) pair ({@link #PAIR}) has more flow
 * records than the training windows' busiest did, by a margin. Calibrated with the forecaster and stored in its file
 * ({@code dst_rate_threshold}, {@code pair_rate_threshold}); applied by {@link ArForecaster#rates}.
 */
public enum RateRule {
  DST("busiest destination", "dst_rate", "the busiest destination receives"),
  PAIR("busiest source-destination pair", "pair_rate", "one source sends one destination");

  /** How far above the training windows' largest count a rule fires, at least. */
  public static final double MARGIN = 1.2;
  /** Poisson standard deviations above the training windows' largest count a rule's threshold is at least. */
  public static final double SIGMAS = 3;

  private final String label;
  private final String parameter;
  private final String when;

  RateRule(String label, String parameter, String when) {
    this.label = label;
    this.parameter = parameter;
    this.when = when;
  }

  /** What the rule counts, as {@link ArScore#rateRule()} and the explanation name it. */
  public String label() {
    return label;
  }

  /**
   * A rule's threshold for training windows whose busiest destination (or pair) had at most {@code maxFlows} flow
   * records: {@value #MARGIN} times that count, and at least {@code maxFlows + }{@value #SIGMAS}{@code
   * × sqrt(maxFlows)} records a window, as a rate. The largest count of a day is itself noisy: the next day's largest
   * of the same traffic is often a record or two higher, about its square root for counts that are roughly Poisson, so
   * for small counts (the busiest pair's 2-4 records a minute) 1.2 times the largest would fire on ordinary traffic,
   * and for large ones (above 225 records a window) the margin rules. At least one record a window: a range without
   * traffic must not fire on the first record.
   */
  public static double threshold(long maxFlows, int windowSeconds) {
    return countThreshold(maxFlows) / windowSeconds;
  }

  /**
   * The margin of {@link #threshold(long, int)} as a count a window: {@value #MARGIN} times {@code max}, and at least
   * {@code max + }{@value #SIGMAS}{@code × sqrt(max)}, with {@code max} at least 1. Also the {@link NewPorts} rule's.
   */
  static double countThreshold(long max) {
    double m = Math.max(max, 1);
    return Math.max(m * MARGIN, m + SIGMAS * Math.sqrt(m));
  }

  /**
   * The rule's threshold set from {@code maxFlows} (null when unknown: -1), recorded in {@code parameters} as
   * {@code <rule>_threshold} and {@code <rule>_max_busiest_flows}.
   */
  Double calibrate(long maxFlows, int windowSeconds, Map<String, Double> parameters) {
    if (maxFlows < 0) return null;
    double t = threshold(maxFlows, windowSeconds);
    parameters.put(parameter + "_threshold", t);
    parameters.put(parameter + "_max_busiest_flows", (double) maxFlows);
    return t;
  }

  /** The rule in the forecaster's {@code threshold_method} text; empty without it. */
  String describe(Double threshold, long maxFlows) {
    return threshold == null ? "" : String.format(Locale.ROOT, "; or when %s more than %.4f flow records/s (the"
        + " larger of %.1f x and %.0f Poisson sigmas above the training windows' largest, %d a window)", when,
        threshold, MARGIN, SIGMAS, maxFlows);
  }

  /**
   * {@code score} with this rule applied to a window whose busiest destination (or pair) had {@code flows} records
   * (-1 = unknown): above {@code threshold}, at least {@code rate / threshold × arThreshold}, unless another rule
   * already raised it further; otherwise, or without the rule (null), {@code score} unchanged.
   */
  ArScore apply(ArScore score, long flows, Double threshold, int windowSeconds, double arThreshold) {
    if (threshold == null || flows < 0) return score;
    double rate = (double) flows / windowSeconds;
    double ratio = rate / threshold;
    return ratio > 1 && ratio * arThreshold > score.rateScore()
        ? score.withRate(label, rate, threshold, ratio * arThreshold,
            String.format(Locale.ROOT, "%s %.2f flows/s > %.2f (x%.1f)", label, rate, threshold, ratio))
        : score;
  }
}
