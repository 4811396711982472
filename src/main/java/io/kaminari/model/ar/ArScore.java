package io.kaminari.model.ar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The AR score of one window: the geometric mean of the {@link ArForecaster#quorum()} largest upward standardised
 * forecast residuals over the series, with the series that rose most and the largest drop (reported, never scored: see
 * {@link ArState}).
 *
 * @param score the geometric mean of the quorum largest positive z over the series (the largest for quorum 1); 0 when
 *     fewer series rose above their forecasts
 * @param horizon windows since the last observed one: 1 in steady operation, h &gt; 1 after h − 1 imputed windows,
 *     0 when there was no recent history (the first window of a state, or after a gap longer than
 *     {@link ArForecaster#maxImputedWindows()})
 * @param topSeries up to three series with the largest positive z, largest first (indices into
 *     {@link ArForecaster#names()})
 * @param topZ their z, in robust sigmas
 * @param dropSeries the series with the most negative z, or -1 when none fell below its forecast
 * @param dropZ its z (negative), or 0
 */
public record ArScore(double score, int horizon, int[] topSeries, double[] topZ, int dropSeries, double dropZ) {

  /** The largest upward z of the window (the first of {@link #topZ()}), 0 when no series rose. */
  public double largestZ() {
    return topZ.length == 0 ? 0 : topZ[0];
  }

  /** The series that drove the score as text, e.g. {@code total pps +8.3σ}, given the forecaster's names. */
  public List<String> explain(List<String> names) {
    List<String> out = new ArrayList<>(topSeries.length);
    for (int k = 0; k < topSeries.length; k++) {
      out.add(String.format(Locale.ROOT, "%s %+.1fσ", names.get(topSeries[k]), topZ[k]));
    }
    return out;
  }

  // Records compare arrays by identity; parity tests compare scores by content.
  @Override
  public boolean equals(Object o) {
    return o instanceof ArScore s && Double.compare(score, s.score) == 0 && horizon == s.horizon
        && Arrays.equals(topSeries, s.topSeries) && Arrays.equals(topZ, s.topZ) && dropSeries == s.dropSeries
        && Double.compare(dropZ, s.dropZ) == 0;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(score) * 31 + Arrays.hashCode(topSeries);
  }

  @Override
  public String toString() {
    return "ArScore{score=" + score + ", horizon=" + horizon + ", topSeries=" + Arrays.toString(topSeries) + ", topZ="
        + Arrays.toString(topZ) + ", drop=" + dropSeries + " " + dropZ + "}";
  }
}
