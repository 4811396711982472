package io.kaminari.model.ar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The AR score of one window: its instant score (the geometric mean of the {@link ArForecaster#quorum()} largest
 * upward standardised forecast residuals over the series) or its sustained score (the same over each series' recent
 * residuals summed, see {@link ArState}) put on the instant score's scale, whichever is larger; with the series that
 * drove each and the largest drop (reported, never scored).
 *
 * @param score what the AR threshold judges: {@code max(instant, sustained × threshold / sustained threshold)}; the
 *     instant score alone before calibration and without a sustained score
 * @param instant the geometric mean of the quorum largest positive z over the series (the largest for quorum 1); 0
 *     when fewer series rose above their forecasts
 * @param sustained the geometric mean of the quorum largest sustained z (0 when fewer, or without a sustained score)
 * @param horizon windows since the last observed one: 1 in steady operation, h &gt; 1 after h − 1 imputed windows,
 *     0 when there was no recent history (the first window of a state, or after a gap longer than
 *     {@link ArForecaster#maxImputedWindows()})
 * @param topSeries up to three series with the largest positive z, largest first (indices into
 *     {@link ArForecaster#names()})
 * @param topZ their z, in robust sigmas
 * @param sustainedSeries up to three series with the largest sustained z, largest first
 * @param sustainedZ their sustained z
 * @param dropSeries the series with the most negative z, or -1 when none fell below its forecast
 * @param dropZ its z (negative), or 0
 * @param rateRule the rate rule that fired ({@link ArForecaster#rates}): what it counts, e.g. {@code busiest
 *     destination}; null when none did (the one with the larger ratio when several did)
 * @param rate what it counted when it fired (flow records per second, or new service ports in the window), else 0
 * @param rateThreshold its threshold when it fired, else 0
 * @param rateScore {@code rate / rateThreshold × AR threshold} when it fired, else 0: {@code score} is at least this
 * @param rateText the rule's line of the explanation when it fired, e.g. {@code busiest destination 36.00 flows/s >
 *     4.00 (x9.0)}; null otherwise
 */
public record ArScore(double score, double instant, double sustained, int horizon, int[] topSeries, double[] topZ,
    int[] sustainedSeries, double[] sustainedZ, int dropSeries, double dropZ, String rateRule, double rate,
    double rateThreshold, double rateScore, String rateText) {

  /** This score raised by a rate rule: see {@link ArForecaster#rates}. */
  ArScore withRate(String rule, double rate, double threshold, double rateScore, String text) {
    return new ArScore(Math.max(score, rateScore), instant, sustained, horizon, topSeries, topZ, sustainedSeries,
        sustainedZ, dropSeries, dropZ, rule, rate, threshold, rateScore, text);
  }

  /** Whether a rate rule set {@link #score()}. */
  public boolean byRate() {
    return rateScore > 0 && score == rateScore;
  }

  /** The largest upward z of the window (the first of {@link #topZ()}), 0 when no series rose. */
  public double largestZ() {
    return topZ.length == 0 ? 0 : topZ[0];
  }

  /** The largest sustained z of the window, 0 when none. */
  public double largestSustained() {
    return sustainedZ.length == 0 ? 0 : sustainedZ[0];
  }

  /** Whether the sustained score, not the instant one (nor a rate rule), set {@link #score()}. */
  public boolean bySustained() {
    return score > instant && !byRate();
  }

  /**
   * The series that drove the score as text, e.g. {@code total pps +8.3σ}, or {@code dst_port other src_ports
   * sustained +9.1σ} first when the sustained score set it; given the forecaster's names.
   */
  public List<String> explain(List<String> names) {
    List<String> out = new ArrayList<>(topSeries.length + sustainedSeries.length + 1);
    if (rateScore > 0) out.add(rateText);
    if (bySustained()) {
      for (int k = 0; k < sustainedSeries.length; k++) {
        out.add(String.format(Locale.ROOT, "%s sustained %+.1fσ", names.get(sustainedSeries[k]), sustainedZ[k]));
      }
    }
    for (int k = 0; k < topSeries.length; k++) {
      out.add(String.format(Locale.ROOT, "%s %+.1fσ", names.get(topSeries[k]), topZ[k]));
    }
    return out;
  }

  // Records compare arrays by identity; parity tests compare scores by content.
  @Override
  public boolean equals(Object o) {
    return o instanceof ArScore s && Double.compare(score, s.score) == 0 && Double.compare(instant, s.instant) == 0
        && Double.compare(sustained, s.sustained) == 0 && horizon == s.horizon
        && Arrays.equals(topSeries, s.topSeries) && Arrays.equals(topZ, s.topZ)
        && Arrays.equals(sustainedSeries, s.sustainedSeries) && Arrays.equals(sustainedZ, s.sustainedZ)
        && dropSeries == s.dropSeries && Double.compare(dropZ, s.dropZ) == 0
        && Objects.equals(rateRule, s.rateRule) && Double.compare(rate, s.rate) == 0
        && Double.compare(rateThreshold, s.rateThreshold) == 0 && Double.compare(rateScore, s.rateScore) == 0
        && Objects.equals(rateText, s.rateText);
  }

  @Override
  public int hashCode() {
    return Double.hashCode(score) * 31 + Arrays.hashCode(topSeries);
  }

  @Override
  public String toString() {
    return "ArScore{score=" + score + ", instant=" + instant + ", sustained=" + sustained + ", horizon=" + horizon
        + ", topSeries=" + Arrays.toString(topSeries) + ", topZ=" + Arrays.toString(topZ) + ", sustainedSeries="
        + Arrays.toString(sustainedSeries) + ", sustainedZ=" + Arrays.toString(sustainedZ) + ", drop=" + dropSeries
        + " " + dropZ + (rateScore > 0 ? ", " + rateRule + "=" + rate + "/" + rateThreshold : "") + "}";
  }
}
