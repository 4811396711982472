package io.kaminari.model.ar;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The settings of an {@link ArForecaster} fit: the autoregressive order, whether to remove a diurnal profile, and how
 * many series must rise together for a window to score.
 *
 * @param order lags of the autoregression, 1 to {@link #MAX_ORDER}: a few windows carry the short-term memory of
 *     traffic; longer memory is the diurnal profile's job, and more lags would mostly fit noise
 * @param seasonal fit a time-of-day profile (when the training range allows it, see {@link ArForecaster}); false for
 *     data without a daily cycle, and in tests that show what the profile is for
 * @param quorum 1 to {@link #MAX_QUORUM}: a window's score is the geometric mean of the {@code quorum} largest upward
 *     z over the series, so it scores only when at least {@code quorum} series rose above their forecasts (see
 *     {@link ArState})
 */
public record ArParameters(@JsonProperty("order") int order, @JsonProperty("seasonal") boolean seasonal,
    @JsonProperty("quorum") int quorum) {
  public static final int MAX_ORDER = 3;
  /** The largest quorum: {@link ArScore} keeps the three largest upward z of a window. */
  public static final int MAX_QUORUM = 3;
  /**
   * Two series must rise: an attack moves several (total flows/s, distinct sources, its port's counts), while all but
   * two of the false alarms a quorum of one raised on the evaluation datasets were single benign series, e.g. one
   * port's pps during a bulk transfer (docs/evaluation.md, "The AR quorum").
   */
  public static final int DEFAULT_QUORUM = 2;
  /** Order 2, seasonal, quorum 2. */
  public static final ArParameters DEFAULTS = new ArParameters(2, true, DEFAULT_QUORUM);

  public ArParameters {
    if (order < 1 || order > MAX_ORDER) {
      throw new IllegalArgumentException("AR order must be 1 to " + MAX_ORDER + ", got " + order);
    }
    checkQuorum(quorum);
  }

  /** Order and profile with a quorum of one: the score is the largest upward z, whatever the other series do. */
  public ArParameters(int order, boolean seasonal) {
    this(order, seasonal, 1);
  }

  /** Refuses a quorum outside 1..{@link #MAX_QUORUM}; the one place its bounds and message live. */
  public static void checkQuorum(int quorum) {
    if (quorum < 1 || quorum > MAX_QUORUM) {
      throw new IllegalArgumentException("AR quorum must be 1 to " + MAX_QUORUM + " (series that must rise together), "
          + "got " + quorum);
    }
  }
}
