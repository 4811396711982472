package io.kaminari.model.ar;

import java.util.Arrays;

/**
 * The AR scoring state of one scope key: the deseasonalised levels of its last p windows. {@link #update} scores a
 * window and advances the state, and it is the only way to do either, so batch scoring and the streaming scorer agree
 * by construction when they feed the same windows in the same order: batch feeds the p windows before its range first
 * (discarding their scores), the stream feeds windows as they close.
 *
 * <p><b>Score.</b> Per series, z = (level − forecast) / (scale × error growth at the horizon), where the forecast is the
 * profile plus the AR on the previous deviations. The window's score is the largest <b>positive</b> z over the series:
 * <ul>
 *   <li>Upward only, because the verdict is about attacks: traffic falling below its forecast is an outage, a
 *       maintenance window or an upstream loss, and the end of an attack would otherwise raise an alarm of its own. The
 *       largest drop is still returned ({@link ArScore#dropSeries()}) for whoever wants to show it.
 *   <li>The maximum, not a mean, because an attack often moves one series among ~70 (a flood on one port); a mean would
 *       dilute it by the number of series. The maximum's growth with the number of series needs no analytic
 *       correction: the threshold is calibrated on training scores that are maxima over the same series, and a
 *       Bonferroni-style correction would assume normal tails that traffic residuals do not have.
 * </ul>
 *
 * <p><b>Missing windows.</b> A window is missing when the caller has no values for it; the caller decides, and only the
 * caller can: a {@code global} window without flows is present with all-zero values (the features job and the stream
 * both produce it), while a window absent from the data (an outage of the pipeline, a scorer restart, a range that was
 * never featurised) is simply not passed. Here, a gap of g missing windows before the scored one is filled with the
 * forecasts when g ≤ {@link ArForecaster#maxImputedWindows()} (an hour of windows), and the forecast error grows with
 * the horizon as the AR implies, so the first window after a gap is judged less strictly; a longer gap resets the lags,
 * and the next window is forecast by the profile alone with the stationary spread (horizon 0), as is the first window
 * a state ever sees. Scores stay finite either way.
 *
 * <p>Not thread-safe: one state per scope key, fed by one thread. Scoring allocates only the returned {@link ArScore}.
 */
public final class ArState {
  private static final long NONE = Long.MIN_VALUE;
  private static final int TOP = 3;

  private final ArForecaster model;
  private final double[] lags;
  private final int[] top = new int[TOP];
  private final double[] topZ = new double[TOP];
  private long last = NONE;

  ArState(ArForecaster model) {
    this.model = model;
    this.lags = new double[model.series * model.order];
  }

  /**
   * Scores the window starting at {@code windowStartMicros} from its raw values (one per series, in
   * {@link ArForecaster#names()} order; negative and NaN count as 0, as in the autoencoder's input), then makes it the
   * most recent window of the state. Windows must come in increasing time order and aligned to the window length.
   */
  public ArScore update(long windowStartMicros, float[] values) {
    int m = model.series;
    int p = model.order;
    if (values.length != m) {
      throw new IllegalArgumentException("window " + windowStartMicros + " has " + values.length + " values, the AR "
          + "forecaster expects " + m + " (" + model.names() + ")");
    }
    if (Math.floorMod(windowStartMicros, model.windowMicros) != 0) {
      throw new IllegalArgumentException("window start " + windowStartMicros + " µs is not aligned to "
          + model.windowSeconds() + " s windows");
    }
    if (last != NONE && windowStartMicros <= last) {
      throw new IllegalArgumentException("windows must be scored in increasing time order: " + windowStartMicros
          + " µs after " + last + " µs");
    }
    int horizon;
    if (last == NONE) {
      horizon = 0;
    } else {
      long steps = (windowStartMicros - last) / model.windowMicros;
      if (steps - 1 > model.maxImputedWindows) {
        Arrays.fill(lags, 0);
        horizon = 0;
      } else {
        for (long g = 1; g < steps; g++) {
          impute();
        }
        horizon = (int) steps;
      }
    }
    last = windowStartMicros;

    int base = model.slot(windowStartMicros) * m;
    int found = 0;
    int drop = -1;
    double dropZ = 0;
    for (int i = 0; i < m; i++) {
      double deviation = level(values[i]) - model.slotProfile[base + i];
      int o = i * p;
      double forecast = 0;
      for (int k = 0; k < p; k++) {
        forecast += model.phi[o + k] * lags[o + k];
      }
      double z = (deviation - forecast) * model.inverseScale[i * model.horizons + horizon];
      for (int k = p - 1; k > 0; k--) {
        lags[o + k] = lags[o + k - 1];
      }
      lags[o] = deviation;
      if (z > 0 && (found < TOP || z > topZ[TOP - 1])) {
        int at = Math.min(found, TOP - 1);
        while (at > 0 && z > topZ[at - 1]) {
          top[at] = top[at - 1];
          topZ[at] = topZ[at - 1];
          at--;
        }
        top[at] = i;
        topZ[at] = z;
        found = Math.min(found + 1, TOP);
      } else if (z < dropZ) {
        drop = i;
        dropZ = z;
      }
    }
    return new ArScore(found == 0 ? 0 : topZ[0], horizon, Arrays.copyOf(top, found), Arrays.copyOf(topZ, found),
        drop, dropZ);
  }

  /** Start of the last window this state scored, or {@link Long#MIN_VALUE} before the first. */
  public long lastWindowStartMicros() {
    return last;
  }

  public ArForecaster forecaster() {
    return model;
  }

  /** Advances the lags by one missing window, whose deviation is taken to be its forecast. */
  private void impute() {
    int p = model.order;
    for (int i = 0; i < model.series; i++) {
      int o = i * p;
      double forecast = 0;
      for (int k = 0; k < p; k++) {
        forecast += model.phi[o + k] * lags[o + k];
      }
      for (int k = p - 1; k > 0; k--) {
        lags[o + k] = lags[o + k - 1];
      }
      lags[o] = forecast;
    }
  }

  /** The modelled level of a raw value: log1p of it, with negative and NaN values as 0 and infinity as the float max. */
  static double level(float x) {
    return Math.log1p(x > 0 ? Math.min(x, Float.MAX_VALUE) : 0);
  }
}
