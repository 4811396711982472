package io.kaminari.model.ar;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The settings of an {@link ArForecaster} fit: the autoregressive order, whether to remove a diurnal profile, how
 * many series must rise together for a window to score, and over how many windows a sustained rise is summed.
 *
 * @param order lags of the autoregression, 1 to {@link #MAX_ORDER}: a few windows carry the short-term memory of
 *     traffic; longer memory is the diurnal profile's job, and more lags would mostly fit noise
 * @param seasonal fit a time-of-day profile (when the training range allows it, see {@link ArForecaster}); false for
 *     data without a daily cycle, and in tests that show what the profile is for
 * @param quorum 1 to {@link #MAX_QUORUM}: a window's score is the geometric mean of the {@code quorum} largest upward
 *     z over the series, so it scores only when at least {@code quorum} series rose above their forecasts (see
 *     {@link ArState})
 * @param sustain 0 (off) or 2 to {@link #MAX_SUSTAIN}: the windows of the sustained score, which sums each series'
 *     recent z so that a rise too small for one window but held for many still scores (see {@link ArState})
 */
public record ArParameters(@JsonProperty("order") int order, @JsonProperty("seasonal") boolean seasonal,
    @JsonProperty("quorum") int quorum, @JsonProperty("sustain") int sustain) {
  public static final int MAX_ORDER = 3;
  /** The largest quorum: {@link ArScore} keeps the three largest upward z of a window. */
  public static final int MAX_QUORUM = 3;
  /**
   * Two series must rise: an attack moves several (total flows/s, distinct sources, its port's counts), while all but
   * two of the false alarms a quorum of one raised on the evaluation datasets were single benign series, e.g. one
   * port's pps during a bulk transfer (docs/evaluation.md, "The AR quorum").
   */
  public static final int DEFAULT_QUORUM = 2;
  /** The most windows of the sustained score: two hours of 5-minute windows, half an hour of 1-minute ones. */
  public static final int MAX_SUSTAIN = 30;
  /**
   * Ten windows: a rise of 3σ held over all of them sums to 9.5σ, while one window's 3σ is ordinary noise among ~70
   * series (docs/evaluation.md, "The sustained score").
   */
  public static final int DEFAULT_SUSTAIN = 10;
  /** Order 2, seasonal, quorum 2, sustained score over 10 windows. */
  public static final ArParameters DEFAULTS = new ArParameters(2, true, DEFAULT_QUORUM, DEFAULT_SUSTAIN);

  public ArParameters {
    if (order < 1 || order > MAX_ORDER) {
      throw new IllegalArgumentException("AR order must be 1 to " + MAX_ORDER + ", got " + order);
    }
    checkQuorum(quorum);
    checkSustain(sustain);
  }

  /** Order, profile and quorum, without the sustained score. */
  public ArParameters(int order, boolean seasonal, int quorum) {
    this(order, seasonal, quorum, 0);
  }

  /** Order and profile with a quorum of one: the score is the largest upward z, whatever the other series do. */
  public ArParameters(int order, boolean seasonal) {
    this(order, seasonal, 1);
  }

  /** Refuses a sustained-score length outside 0 and 2..{@link #MAX_SUSTAIN}; the one place its bounds live. */
  public static void checkSustain(int sustain) {
    if (sustain != 0 && (sustain < 2 || sustain > MAX_SUSTAIN)) {
      throw new IllegalArgumentException("AR sustain must be 0 (off) or 2 to " + MAX_SUSTAIN + " windows, got "
          + sustain);
    }
  }

  /** Refuses a quorum outside 1..{@link #MAX_QUORUM}; the one place its bounds and message live. */
  public static void checkQuorum(int quorum) {
    if (quorum < 1 || quorum > MAX_QUORUM) {
      throw new IllegalArgumentException("AR quorum must be 1 to " + MAX_QUORUM + " (series that must rise together), "
          + "got " + quorum);
    }
  }
}
