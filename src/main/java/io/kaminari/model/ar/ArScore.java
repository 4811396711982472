package io.kaminari.model.ar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
 * @param dstRate flow records per second to the window's busiest destination when the destination-rate rule fired
 *     ({@link ArForecaster#dstRate}), else 0
 * @param dstRateThreshold that rule's threshold when it fired, else 0
 * @param dstRateScore {@code dstRate / dstRateThreshold × AR threshold} when it fired, else 0: {@code score} is at
 *     least this
 */
public record ArScore(double score, double instant, double sustained, int horizon, int[] topSeries, double[] topZ,
    int[] sustainedSeries, double[] sustainedZ, int dropSeries, double dropZ, double dstRate, double dstRateThreshold,
    double dstRateScore) {

  /** This score raised by the destination-rate rule: see {@link ArForecaster#dstRate}. */
  ArScore withDstRate(double rate, double threshold, double rateScore) {
    return new ArScore(Math.max(score, rateScore), instant, sustained, horizon, topSeries, topZ, sustainedSeries,
        sustainedZ, dropSeries, dropZ, rate, threshold, rateScore);
  }

  /** Whether the destination-rate rule set {@link #score()}. */
  public boolean byDstRate() {
    return dstRateScore > 0 && score == dstRateScore;
  }

  /** The largest upward z of the window (the first of {@link #topZ()}), 0 when no series rose. */
  public double largestZ() {
    return topZ.length == 0 ? 0 : topZ[0];
  }

  /** The largest sustained z of the window, 0 when none. */
  public double largestSustained() {
    return sustainedZ.length == 0 ? 0 : sustainedZ[0];
  }

  /** Whether the sustained score, not the instant one (nor the destination rate), set {@link #score()}. */
  public boolean bySustained() {
    return score > instant && !byDstRate();
  }

  /**
   * The series that drove the score as text, e.g. {@code total pps +8.3σ}, or {@code dst_port other src_ports
   * sustained +9.1σ} first when the sustained score set it; given the forecaster's names.
   */
  public List<String> explain(List<String> names) {
    List<String> out = new ArrayList<>(topSeries.length + sustainedSeries.length + 1);
    if (dstRateScore > 0) {
      out.add(String.format(Locale.ROOT, "busiest destination %.2f flows/s > %.2f (x%.1f)", dstRate, dstRateThreshold,
          dstRate / dstRateThreshold));
    }
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
        && Double.compare(dstRate, s.dstRate) == 0 && Double.compare(dstRateThreshold, s.dstRateThreshold) == 0
        && Double.compare(dstRateScore, s.dstRateScore) == 0;
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
        + " " + dropZ + (dstRateScore > 0 ? ", dstRate=" + dstRate + "/" + dstRateThreshold : "") + "}";
  }
}
