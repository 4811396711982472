package io.kaminari.model.ar;

import java.util.Arrays;

/**
 * The AR scoring state of one scope key. {@link #update} scores a window and advances the state, and it is the only
 * way to do either, so batch scoring and the streaming scorer agree by construction when they feed the same windows in
 * the same order.
 *
 * <p><b>Finite memory, hence parity.</b> The score of a window is a function of its values and of the present windows
 * among the {@link ArForecaster#memoryWindows()} = p + {@link ArForecaster#maxImputedWindows()} (+ sustain − 1)
 * window slots before it, and of nothing older. The stream feeds windows as they close; batch scoring of a range feeds
 * the present windows of the memory slots before the range first (discarding their scores), and then gets exactly the
 * stream's scores.
 *
 * <p><b>Score.</b> Per series, z = (level − forecast) / (scale × error growth at the horizon), where the forecast is
 * the profile plus the AR on the previous deviations. The window's score is the geometric mean of the {@code quorum}
 * largest <b>positive</b> z over the series ({@link ArForecaster#quorum()}; 0 when fewer series rose):
 * <ul>
 *   <li>Upward only, because the verdict is about attacks: traffic falling below its forecast is an outage, a
 *       maintenance window or an upstream loss, and the end of an attack would otherwise raise an alarm of its own. The
 *       largest drop is still returned ({@link ArScore#dropSeries()}) for whoever wants to show it.
 *   <li>The largest few, not a mean over all series, because an attack moves a few series among ~70 (a flood: its
 *       port's pps, the total flows/s, the distinct sources); a mean over all would dilute them by the number of
 *       series. The growth of the largest z with the number of series needs no analytic correction: the threshold is
 *       calibrated on the largest z of the training windows over the same series, and a Bonferroni-style correction
 *       would assume normal tails that traffic residuals do not have.
 *   <li>A quorum of two by default, not the maximum: all but two of the false alarms the maximum raised on the
 *       evaluation datasets were one series alone (one port's pps in a bulk transfer, at 6-12σ with the second series
 *       below 6.5σ), while in every attack window it detected a second series was past 8σ.
 *   <li>The geometric mean of the two, not the second alone: a flood far past its forecast on one series (total
 *       flows/s at 55σ) with a second at 16σ is as alarming as two at 30σ, and the second alone missed such a flood
 *       where the threshold was high (a training range holding attacks). A mean never exceeds the largest z, which is
 *       what the threshold is calibrated on ({@link ArForecaster#trainingScores}).
 *       {@link ArScore#topSeries()} still names the largest movers.
 *   <li>One witness of the breadth of the traffic (format 4, every new fit; {@link ArSeries#isBreadth}): when none of
 *       the quorum's series counts flows or distinct endpoints (all are packet or byte rates), the last of them is
 *       replaced by the largest breadth z, and without any the window scores 0. Every flow has a source and a
 *       destination port, so one bulk transfer to a port moves that port's pps, the "other" source ports' pps and the
 *       total pps together: three witnesses of one event. An attack on a network spreads over flows, sources or
 *       ports. On the evaluation suite every window the AR forecaster flagged had a breadth series among its two
 *       largest z, except the two false alarms of demo seed 123, both bulk transfers to port 3389
 *       (docs/evaluation.md, "The breadth witness"). The score never rises, so the threshold's budget still holds.
 * </ul>
 *
 * <p><b>The sustained score</b> ({@link ArForecaster#sustain()} = W windows, 0 = none). One window's z cannot tell a
 * small lasting change from noise: 3σ on some series of ~70 is an ordinary window. Held for W windows it is not: per
 * series, the sustained z is the sum of its last W z, each clipped to ±{@value #SUSTAIN_CLIP} (a missing window adds
 * 0), divided by √W, which has the spread of one z when the residuals are independent, and grows as √W × the shift
 * when they are not. The window's sustained score is the geometric mean of the quorum largest sustained z, as the
 * instant score is of the z themselves, and its own threshold judges it ({@link ArForecaster#calibrate}); it catches
 * what a per-window threshold cannot: a carpet attack spread thin over many hosts at 9σ, a mix of ports shifting by
 * 3σ. Two rules keep it from firing on what the instant score already judged:
 * <ul>
 *   <li>the clip: a flood at 50σ adds at most {@value #SUSTAIN_CLIP} per window, so a short flood inside the sum (or
 *       inside the training range it is calibrated on) weighs as a few moderate windows, not as an alarm of its own;
 *   <li>the gate: a series counts only while its own z in the window is at least {@value #SUSTAIN_GATE}, so when a
 *       shift ends, its sum stops counting at once instead of firing for the W windows it takes to decay.
 * </ul>
 *
 * <p><b>Outliers do not enter the memory.</b> A series value whose deviation from the profile is beyond
 * {@value #OUTLIER_SPREADS} times its stationary spread (scale × the error growth of an unknown past: 3σ of the deviation in
 * normal traffic) is scored as any other, but remembered as missing, so later forecasts are imputed over it as over
 * a gap (below). Without that, the lags of an attack window pull the next forecasts up or down by φ × the attack: a
 * negative lag-2 coefficient made the window two after each attack's end fire on its own (seen on the demo data: a
 * "total flows/s +8σ" false alarm after every attack), and the recovery after an outage (silent {@code global}
 * windows, deviations of −5) fired as a flood; clipping the remembered value instead still left a 2σ echo in every
 * series. The test depends on the window alone, not on the forecast, so the memory stays finite. A sustained shift
 * of Δ therefore keeps scoring in every window: (Δ − forecast) / (σ·g_h) with the horizon h growing from the shift's
 * last ordinary window, then Δ / (σ·g) once that is more than {@link ArForecaster#maxImputedWindows()} windows back
 * (g the error growth of an unknown past, ~1.15 for Σφ = 0.5). So an attack fires throughout; its end is forecast as
 * normal traffic (no drop, no echo); and a lasting change of traffic fires until the forecaster is retrained, as it
 * does for the autoencoder.
 *
 * <p><b>Missing windows.</b> A window is missing when the caller has no values for it; the caller decides, and only the
 * caller can: a {@code global} window without flows is present with all-zero values (the features job and the stream
 * both produce it), while a window absent from the data (an outage of the pipeline, a scorer restart, a range that was
 * never featurised) is simply not passed. When a lag of the scored window is missing (or, for one series, an outlier):
 * <ul>
 *   <li>if the last known value is at most {@link ArForecaster#maxImputedWindows()} + 1 slots back, every unknown
 *       slot of the memory is filled with its forecast (the AR run forward from zero deviations at the start of the
 *       memory, taking each known value as it is), and the forecast error is allowed to grow with the horizon as the AR
 *       implies, so the first window after a gap is judged less strictly ({@link ArScore#horizon()} &gt; 1);
 *   <li>otherwise the lags reset: the window is forecast by the profile alone, with the stationary spread (horizon 0),
 *       as is the first window a state ever sees.
 * </ul>
 * Scores stay finite either way.
 *
 * <p>Not thread-safe: one state per scope key, fed by one thread. Scoring allocates only the returned {@link ArScore}.
 */
public final class ArState {
  private static final long NONE = Long.MIN_VALUE;
  private static final int TOP = 3;
  /** A deviation beyond this many stationary spreads is an outlier, which the memory keeps as missing. */
  public static final double OUTLIER_SPREADS = 3.0;
  /** Each window's z enters a sustained sum clipped to ± this (see the class doc). */
  public static final double SUSTAIN_CLIP = 4.0;
  /** A series' sustained z counts only while its z in the window is at least this (see the class doc). */
  public static final double SUSTAIN_GATE = 2.0;

  private final ArForecaster model;
  private final int memory;
  /** Deviations of the last {@code memory} slots, {@code [ring position * series + i]}; position = slot mod memory. */
  private final double[] ring;
  /** Window index (start / window length) held at each ring position, NONE where none. */
  private final long[] ringSlot;
  /** The lags of the window being scored, {@code [i * order + k]}: the deviation of slot − 1 − k. */
  private final double[] lags;
  /** Per series, the horizon of the window being scored: windows since its last known value, 0 = none. */
  private final int[] horizon;
  private final int[] lagPosition;
  /** Each series' z in the last scored window. */
  private final double[] z;
  private final int[] top = new int[TOP];
  private final double[] topZ = new double[TOP];
  /** Clipped z of the last {@code sustain} slots, {@code [slot mod sustain * series + i]}; empty without sustain. */
  private final double[] zRing;
  /** Window index held at each position of {@link #zRing}, NONE where none. */
  private final long[] zRingSlot;
  private final int[] topSustained = new int[TOP];
  private final double[] topSustainedZ = new double[TOP];
  /** The largest positive sustained z of a breadth series in the window {@link #sustained} ranked last, 0 if none. */
  private double sustainedBreadthZ;
  private long last = NONE;

  ArState(ArForecaster model) {
    this.model = model;
    this.memory = model.lagMemory();
    this.zRing = new double[model.sustain * model.series];
    this.zRingSlot = new long[model.sustain];
    Arrays.fill(zRingSlot, NONE);
    this.ring = new double[memory * model.series];
    this.ringSlot = new long[memory];
    Arrays.fill(ringSlot, NONE);
    this.lags = new double[model.series * model.order];
    this.z = new double[model.series];
    this.horizon = new int[model.series];
    this.lagPosition = new int[model.order];
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
    long slot = checkedSlot(windowStartMicros);
    if (last != NONE && slot <= last) {
      throw new IllegalArgumentException("windows must be scored in increasing time order: " + windowStartMicros
          + " µs after " + last * model.windowMicros + " µs");
    }
    int windowHorizon = prepareLags(slot);
    int base = model.slot(windowStartMicros) * m;
    int position = (int) Math.floorMod(slot, (long) memory);
    int found = 0;
    int drop = -1;
    double dropZ = 0;
    double breadthZ = 0;
    for (int i = 0; i < m; i++) {
      double deviation = level(values[i]) - model.slotProfile[base + i];
      int o = i * p;
      double forecast = 0;
      for (int k = 0; k < p; k++) {
        forecast += model.phi[o + k] * lags[o + k];
      }
      double zi = (deviation - forecast) * model.inverseScale[i * model.horizons + horizon[i]];
      z[i] = zi;
      // An outlier is remembered as missing, so an attack or an outage does not echo into later forecasts.
      ring[position * m + i] = Math.abs(deviation) > model.outlier[i] ? Double.NaN : deviation;
      if (zi > 0) {
        found = rank(top, topZ, found, i, zi);
        if (model.breadth[i] && zi > breadthZ) breadthZ = zi;
      } else if (zi < dropZ) {
        drop = i;
        dropZ = zi;
      }
    }
    ringSlot[position] = slot;
    last = slot;
    double instant = found < model.quorum ? 0 : witnessed(top, topZ, breadthZ);
    int sustainedFound = model.sustain == 0 ? 0 : sustained(slot);
    double sustained = sustainedFound < model.quorum ? 0 : witnessed(topSustained, topSustainedZ, sustainedBreadthZ);
    return new ArScore(Math.max(instant, sustained * model.sustainedToInstant), instant, sustained, windowHorizon,
        Arrays.copyOf(top, found), Arrays.copyOf(topZ, found), Arrays.copyOf(topSustained, sustainedFound),
        Arrays.copyOf(topSustainedZ, sustainedFound), drop, dropZ, null, 0, 0, 0, null);
  }

  /**
   * Records the window's clipped z and ranks the series' sustained z into {@link #topSustained}; returns how many are
   * ranked (positive and gated, at most {@value #TOP}). See the class doc.
   */
  private int sustained(long slot) {
    int m = model.series;
    int w = model.sustain;
    int position = (int) Math.floorMod(slot, (long) w);
    zRingSlot[position] = slot;
    for (int i = 0; i < m; i++) {
      zRing[position * m + i] = Math.max(-SUSTAIN_CLIP, Math.min(SUSTAIN_CLIP, z[i]));
    }
    double norm = 1 / Math.sqrt(w);
    int found = 0;
    sustainedBreadthZ = 0;
    for (int i = 0; i < m; i++) {
      if (z[i] < SUSTAIN_GATE) continue;
      double sum = 0;
      for (int k = 0; k < w; k++) {
        if (zRingSlot[k] > slot - w) sum += zRing[k * m + i]; // a slot older than the last w is a missing window's
      }
      double si = sum * norm;
      if (si > 0) found = rank(topSustained, topSustainedZ, found, i, si);
      if (model.breadth[i] && si > sustainedBreadthZ) sustainedBreadthZ = si;
    }
    return found;
  }

  /**
   * Inserts series {@code i} with value {@code v} into the descending top list ({@code found} long, at most
   * {@value #TOP}) if it belongs there; returns the new length.
   */
  private static int rank(int[] series, double[] values, int found, int i, double v) {
    if (found == TOP && v <= values[TOP - 1]) return found;
    int at = Math.min(found, TOP - 1);
    while (at > 0 && v > values[at - 1]) {
      series[at] = series[at - 1];
      values[at] = values[at - 1];
      at--;
    }
    series[at] = i;
    values[at] = v;
    return Math.min(found + 1, TOP);
  }

  /**
   * The forecast raw value of each series for the window starting at {@code windowStartMicros} (the value that would
   * score z = 0), without changing the state: what the operator should have seen.
   */
  public double[] expected(long windowStartMicros) {
    double[] out = forecastLevels(windowStartMicros);
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.expm1(out[i]);
    }
    return out;
  }

  /**
   * The forecast {@link #level levels} ({@code log1p} of the raw values) for the window starting at
   * {@code windowStartMicros}, without changing the state; {@link #expected} in the space the forecaster models.
   */
  double[] forecastLevels(long windowStartMicros) {
    long slot = checkedSlot(windowStartMicros);
    if (last != NONE && slot <= last) {
      throw new IllegalArgumentException("no forecast for window " + windowStartMicros + " µs: the state is already at "
          + last * model.windowMicros + " µs");
    }
    prepareLags(slot);
    int base = model.slot(windowStartMicros) * model.series;
    double[] out = new double[model.series];
    for (int i = 0; i < out.length; i++) {
      double forecast = model.slotProfile[base + i];
      for (int k = 0; k < model.order; k++) {
        forecast += model.phi[i * model.order + k] * lags[i * model.order + k];
      }
      out[i] = forecast;
    }
    return out;
  }

  /** The z of series {@code i} in the last window scored (0 before the first). */
  public double z(int i) {
    return z[i];
  }

  /** Start of the last window this state scored, or {@link Long#MIN_VALUE} before the first. */
  public long lastWindowStartMicros() {
    return last == NONE ? NONE : last * model.windowMicros;
  }

  public ArForecaster forecaster() {
    return model;
  }

  private long checkedSlot(long windowStartMicros) {
    if (Math.floorMod(windowStartMicros, model.windowMicros) != 0) {
      throw new IllegalArgumentException("window start " + windowStartMicros + " µs is not aligned to "
          + model.windowSeconds() + " s windows");
    }
    return Math.floorDiv(windowStartMicros, model.windowMicros);
  }

  /**
   * Fills {@link #lags} and {@link #horizon} for the window at {@code slot} from the memory and returns the window's
   * horizon; see the class doc.
   */
  private int prepareLags(long slot) {
    int m = model.series;
    int p = model.order;
    int maxGap = model.maxImputedWindows;
    if (last == NONE || slot - last - 1 > maxGap) {
      Arrays.fill(lags, 0);
      Arrays.fill(horizon, 0);
      return 0;
    }
    boolean slotsPresent = true;
    for (int k = 0; k < p; k++) {
      slotsPresent &= present(slot - 1 - k);
      lagPosition[k] = position(slot - 1 - k) * m;
    }
    for (int i = 0; i < m; i++) {
      int o = i * p;
      boolean direct = slotsPresent; // steady operation: the lags are the last p deviations
      for (int k = 0; direct && k < p; k++) {
        double v = ring[lagPosition[k] + i];
        direct = !Double.isNaN(v);
        lags[o + k] = v;
      }
      if (direct) {
        horizon[i] = 1;
        continue;
      }
      // Run the AR forward over the memory from zero deviations, a forecast in every missing or outlier slot.
      Arrays.fill(lags, o, o + p, 0);
      long known = NONE;
      for (long s = slot - memory; s < slot; s++) {
        double value = present(s) ? ring[position(s) * m + i] : Double.NaN;
        if (Double.isNaN(value)) {
          value = 0;
          for (int k = 0; k < p; k++) {
            value += model.phi[o + k] * lags[o + k];
          }
        } else {
          known = s;
        }
        for (int k = p - 1; k > 0; k--) {
          lags[o + k] = lags[o + k - 1];
        }
        lags[o] = value;
      }
      if (known == NONE || slot - known - 1 > maxGap) {
        Arrays.fill(lags, o, o + p, 0);
        horizon[i] = 0;
      } else {
        horizon[i] = (int) (slot - known);
      }
    }
    return (int) (slot - last);
  }

  private boolean present(long slot) {
    return ringSlot[position(slot)] == slot;
  }

  private int position(long slot) {
    return (int) Math.floorMod(slot, (long) memory);
  }

  /**
   * The quorum's geometric mean over the ranked {@code series} / {@code values} (at least a quorum of them), under the
   * witness rule: when the forecaster has it ({@link ArForecaster#breadthWitness}) and none of the quorum's series is
   * a breadth series, the last of them is replaced by the largest breadth value {@code breadthValue} (which is then
   * below it), and without one the window scores 0.
   */
  private double witnessed(int[] series, double[] values, double breadthValue) {
    int q = model.quorum;
    if (!model.breadthWitness) return geometricMean(values, q);
    for (int k = 0; k < q; k++) {
      if (model.breadth[series[k]]) return geometricMean(values, q);
    }
    if (breadthValue <= 0) return 0;
    double last = values[q - 1];
    values[q - 1] = breadthValue;
    double score = geometricMean(values, q);
    values[q - 1] = last; // the ranked values stay what the explanation reports
    return score;
  }

  /** The geometric mean of the first {@code n} of {@code z} (all positive); exactly {@code z[0]} for n = 1. */
  static double geometricMean(double[] z, int n) {
    if (n == 1) return z[0];
    if (n == 2) return Math.sqrt(z[0] * z[1]);
    double logSum = 0;
    for (int k = 0; k < n; k++) {
      logSum += Math.log(z[k]);
    }
    return Math.exp(logSum / n);
  }

  /** The modelled level of a raw value: its log1p, negative and NaN values counting as 0, infinity as the float max. */
  static double level(float x) {
    return Math.log1p(x > 0 ? Math.min(x, Float.MAX_VALUE) : 0);
  }
}
