package io.kaminari.model.ar;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The settings of an {@link ArForecaster} fit: the autoregressive order and whether to remove a diurnal profile.
 *
 * @param order lags of the autoregression, 1 to {@link #MAX_ORDER}: a few windows carry the short-term memory of
 *     traffic; longer memory is the diurnal profile's job, and more lags would mostly fit noise
 * @param seasonal fit a time-of-day profile (when the training range allows it, see {@link ArForecaster}); false for
 *     data without a daily cycle, and in tests that show what the profile is for
 */
public record ArParameters(@JsonProperty("order") int order, @JsonProperty("seasonal") boolean seasonal) {
  public static final int MAX_ORDER = 3;
  /** Order 2, seasonal. */
  public static final ArParameters DEFAULTS = new ArParameters(2, true);

  public ArParameters {
    if (order < 1 || order > MAX_ORDER) {
      throw new IllegalArgumentException("AR order must be 1 to " + MAX_ORDER + ", got " + order);
    }
  }
}
