package io.kaminari.model.ar;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The fit of {@link ArForecaster}: profile, autoregression and scale per series (the class doc there says how). */
final class ArFit {
  private ArFit() {}

  /** Relative ridge on the AR normal equations: enough to keep them solvable, too little to bias a real fit. */
  static final double RIDGE = 1e-3;
  /** 1.4826·MAD is σ for normal residuals. */
  private static final double MAD_TO_SIGMA = 1.4826;
  /** The 0.99 quantile of |N(0, 1)|: the 0.99 quantile of absolute deviations / this is σ for normal residuals. */
  private static final double Q99_TO_SIGMA = 2.5758;
  /** Rounds of refitting without outlier rows. */
  private static final int REFITS = 3;
  /** Below this the residuals are constant (0 up to rounding). */
  private static final double CONSTANT = 1e-6;

  static ArModelFile fit(ArTrainingSeries data, ArParameters parameters) {
    int n = data.size();
    int w = data.windowSeconds();
    int p = parameters.order();
    long windowMicros = w * 1_000_000L;
    if (n < ArForecaster.MIN_TRAINING_WINDOWS) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "an AR forecaster needs at least %d training "
          + "windows, got %d%s: train on a longer range", ArForecaster.MIN_TRAINING_WINDOWS, n, range(data)));
    }
    int[] rows = regressionRows(data, p, windowMicros);
    if (rows.length < ArForecaster.MIN_REGRESSION_WINDOWS) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "only %d of the %d training windows%s follow %d "
          + "present windows without a gap, at least %d needed: the range has too many missing windows", rows.length,
          n, range(data), p, ArForecaster.MIN_REGRESSION_WINDOWS));
    }

    int bucketSeconds = DailyProfile.bucketSeconds(w, n);
    int buckets = 86_400 / bucketSeconds;
    // Window indices grouped by time-of-day bucket: byBucket[offset[b] .. offset[b + 1]).
    int[] offset = new int[buckets + 1];
    int[] bucketOf = new int[n];
    for (int t = 0; t < n; t++) {
      bucketOf[t] = (int) (Math.floorMod(data.start(t), 86_400_000_000L) / (bucketSeconds * 1_000_000L));
      offset[bucketOf[t] + 1]++;
    }
    int usable = 0;
    for (int b = 0; b < buckets; b++) {
      if (offset[b + 1] >= ArForecaster.MIN_BUCKET_WINDOWS) usable++;
      offset[b + 1] += offset[b];
    }
    int[] byBucket = new int[n];
    int[] fill = Arrays.copyOf(offset, buckets);
    for (int t = 0; t < n; t++) {
      byBucket[fill[bucketOf[t]]++] = t;
    }
    long spanSeconds = (data.start(n - 1) - data.start(0)) / 1_000_000L + w;
    boolean seasonal;
    String note;
    if (!parameters.seasonal()) {
      seasonal = false;
      note = "flat: no diurnal profile requested";
    } else if (spanSeconds < 86_400) {
      seasonal = false;
      note = String.format(Locale.ROOT, "flat: the training range spans %.1f h, less than a day", spanSeconds / 3600.0);
    } else if (usable * 2 < buckets) {
      seasonal = false;
      note = String.format(Locale.ROOT, "flat: only %d of %d time-of-day buckets hold %d training windows", usable,
          buckets, ArForecaster.MIN_BUCKET_WINDOWS);
    } else {
      seasonal = true;
      note = String.format(Locale.ROOT, "diurnal: %d buckets of %d s%s", buckets, bucketSeconds, usable == buckets ? ""
          : ", " + (buckets - usable) + " with fewer than " + ArForecaster.MIN_BUCKET_WINDOWS
              + " windows interpolated");
    }

    if (!seasonal) { // one bucket: the flat level
      bucketSeconds = 86_400;
      buckets = 1;
    }
    int[] slot = new int[n];
    for (int t = 0; t < n; t++) {
      slot[t] = (int) (Math.floorMod(data.start(t), 86_400_000_000L) / windowMicros);
    }
    double[] y = new double[n];
    double[] d = new double[n];
    double[] scratch = new double[n];
    List<ArModelFile.Series> fitted = new ArrayList<>(data.names().size());
    for (int i = 0; i < data.names().size(); i++) {
      for (int t = 0; t < n; t++) {
        y[t] = ArState.level(data.values(t)[i]);
      }
      double[] profile = seasonal ? bucketMedians(y, offset, byBucket, scratch) : new double[] {median(y, n, scratch)};
      deseasonalise(y, slot, profile, bucketSeconds, w, d);
      // Centre d on 0 (bucket medians need not be the median of the deviations), then recompute d from the shifted
      // profile through the same interpolation the scorer uses, so fit and score see the same numbers.
      double centre = median(d, n, scratch);
      if (centre != 0) {
        for (int b = 0; b < profile.length; b++) {
          profile[b] += centre;
        }
        deseasonalise(y, slot, profile, bucketSeconds, w, d);
      }
      Ar ar = robustAutoregression(d, rows, p, scratch);
      fitted.add(new ArModelFile.Series(data.names().get(i), profile, ar.phi(), ar.scale()));
    }
    Instant from = Instant.EPOCH.plus(data.start(0), ChronoUnit.MICROS);
    Instant to = Instant.EPOCH.plus(data.start(n - 1) + windowMicros, ChronoUnit.MICROS);
    int maxImputed = Math.max(1, Math.min(ArForecaster.MAX_IMPUTED_WINDOWS, 3600 / w)); // an hour, at most 12
    return new ArModelFile(ArForecaster.FORMAT, w, p, parameters.quorum(), parameters.sustain(),
        ArModelFile.WITNESS_BREADTH, seasonal, note,
        bucketSeconds, maxImputed, from.toString(), to.toString(), n, null, null, null, null, null, null, null,
        fitted);
  }

  /** Coefficients and residual scale of one series. */
  private record Ar(double[] phi, double scale) {}

  /**
   * The AR fit of one series' deviations as the scorer sees them: an outlier (ArState's rule, beyond
   * {@link ArState#OUTLIER_SPREADS} stationary spreads) is never a lag there, so the coefficients come from rows without one, and the scale from rows without an
   * outlier lag (an outlier's own residual stays in: it is how that series behaves). Otherwise an attack in the
   * training range spoils its own residual and those of the p windows that use it as a lag, and the 0.99 quantile of
   * the scale tolerates only 1% of spoiled residuals. The bound shrinks as the fit cleans up, hence a few rounds.
   */
  private static Ar robustAutoregression(double[] d, int[] rows, int p, double[] scratch) {
    double[] phi = autoregression(d, rows, p);
    double scale = scale(d, rows, phi, scratch);
    int[] clean = rows;
    for (int round = 0; round < REFITS; round++) {
      double bound = ArState.OUTLIER_SPREADS * scale * errorGrowth(phi, 2)[0];
      int[] next = rowsWithin(d, rows, 0, p, bound);
      if (Arrays.equals(next, clean) || next.length < ArForecaster.MIN_REGRESSION_WINDOWS) break;
      clean = next;
      phi = autoregression(d, clean, p);
      scale = scale(d, rowsWithin(d, rows, 1, p, bound), phi, scratch);
    }
    return new Ar(phi, scale);
  }

  /**
   * The median level of each time-of-day bucket ({@code byBucket[offset[b] .. offset[b + 1])} lists its windows), NaN
   * for a bucket with fewer than {@link ArForecaster#MIN_BUCKET_WINDOWS}, then filled by {@link #interpolateEmpty}.
   */
  private static double[] bucketMedians(double[] y, int[] offset, int[] byBucket, double[] scratch) {
    double[] profile = new double[offset.length - 1];
    for (int b = 0; b < profile.length; b++) {
      int count = offset[b + 1] - offset[b];
      if (count < ArForecaster.MIN_BUCKET_WINDOWS) {
        profile[b] = Double.NaN;
        continue;
      }
      for (int j = 0; j < count; j++) {
        scratch[j] = y[byBucket[offset[b] + j]];
      }
      profile[b] = median(scratch, count);
    }
    interpolateEmpty(profile);
    return profile;
  }

  /** Indices t of the windows whose p predecessors are present: the windows t − 1 … t − p, each one window apart. */
  private static int[] regressionRows(ArTrainingSeries data, int p, long windowMicros) {
    int[] rows = new int[data.size()];
    int count = 0;
    for (int t = p; t < data.size(); t++) {
      // Starts are strictly increasing and aligned, so p steps spanning exactly p windows have no gap.
      if (data.start(t) - data.start(t - p) == p * windowMicros) rows[count++] = t;
    }
    return Arrays.copyOf(rows, count);
  }

  /** The rows t whose deviations d[t − k], k = from … p, lie within ±bound (from 0: the value too; 1: lags only). */
  private static int[] rowsWithin(double[] d, int[] rows, int from, int p, double bound) {
    int[] out = new int[rows.length];
    int count = 0;
    for (int t : rows) {
      boolean within = true;
      for (int k = from; k <= p; k++) {
        within &= Math.abs(d[t - k]) <= bound;
      }
      if (within) out[count++] = t;
    }
    return Arrays.copyOf(out, count);
  }

  private static void deseasonalise(double[] y, int[] slot, double[] profile, int bucketSeconds, int windowSeconds,
      double[] d) {
    for (int t = 0; t < y.length; t++) {
      d[t] = y[t] - DailyProfile.atSlot(profile, bucketSeconds, windowSeconds, slot[t]);
    }
  }

  /** Fills NaN buckets linearly between the nearest filled buckets on either side, on the circle of the day. */
  static void interpolateEmpty(double[] profile) {
    int b = profile.length;
    if (Arrays.stream(profile).allMatch(Double::isNaN)) {
      throw new IllegalStateException("no time-of-day bucket to interpolate from"); // the fit requires half of them
    }
    double[] filled = profile.clone();
    for (int k = 0; k < b; k++) {
      if (!Double.isNaN(profile[k])) continue;
      int before = 1;
      while (Double.isNaN(profile[Math.floorMod(k - before, b)])) before++;
      int after = 1;
      while (Double.isNaN(profile[(k + after) % b])) after++;
      filled[k] = (profile[Math.floorMod(k - before, b)] * after + profile[(k + after) % b] * before)
          / (before + after);
    }
    System.arraycopy(filled, 0, profile, 0, b);
  }

  /**
   * Least squares of d[t] on d[t − 1 … t − p] over {@code rows}, with a ridge of {@value #RIDGE} × the mean diagonal,
   * then scaled down to a sum of |coefficients| of at most {@link ArForecaster#MAX_PERSISTENCE}. A series with no
   * variation gets zeros.
   */
  static double[] autoregression(double[] d, int[] rows, int p) {
    double[][] a = new double[p][p + 1]; // normal equations, augmented with X'd
    for (int t : rows) {
      for (int j = 0; j < p; j++) {
        double xj = d[t - 1 - j];
        for (int k = 0; k < p; k++) {
          a[j][k] += xj * d[t - 1 - k];
        }
        a[j][p] += xj * d[t];
      }
    }
    double trace = 0;
    for (int j = 0; j < p; j++) {
      trace += a[j][j];
    }
    double[] phi = new double[p];
    if (!(trace > 1e-12 * rows.length)) return phi;
    for (int j = 0; j < p; j++) {
      a[j][j] += RIDGE * trace / p;
    }
    solve(a, phi);
    double persistence = 0;
    for (double c : phi) {
      persistence += Math.abs(c);
    }
    if (persistence > ArForecaster.MAX_PERSISTENCE) {
      for (int k = 0; k < p; k++) {
        phi[k] *= ArForecaster.MAX_PERSISTENCE / persistence;
      }
    }
    return phi;
  }

  /** Gaussian elimination with partial pivoting of a small, positive definite augmented system. */
  private static void solve(double[][] a, double[] out) {
    int p = out.length;
    for (int c = 0; c < p; c++) {
      int pivot = c;
      for (int r = c + 1; r < p; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
      }
      double[] tmp = a[c];
      a[c] = a[pivot];
      a[pivot] = tmp;
      for (int r = c + 1; r < p; r++) {
        double f = a[r][c] / a[c][c];
        for (int k = c; k <= p; k++) {
          a[r][k] -= f * a[c][k];
        }
      }
    }
    for (int r = p - 1; r >= 0; r--) {
      double s = a[r][p];
      for (int k = r + 1; k < p; k++) {
        s -= a[r][k] * out[k];
      }
      out[r] = s / a[r][r];
    }
  }

  /** The robust scale of the one-step residuals over {@code rows}; see {@link ArForecaster}'s class doc. */
  static double scale(double[] d, int[] rows, double[] phi, double[] scratch) {
    int m = rows.length;
    for (int r = 0; r < m; r++) {
      int t = rows[r];
      double forecast = 0;
      for (int k = 0; k < phi.length; k++) {
        forecast += phi[k] * d[t - 1 - k];
      }
      scratch[r] = d[t] - forecast;
    }
    double med = median(scratch, m);
    for (int r = 0; r < m; r++) {
      scratch[r] = Math.abs(scratch[r] - med);
    }
    Arrays.sort(scratch, 0, m);
    double mad = middle(scratch, m);
    double q99 = scratch[Math.max((int) Math.ceil(0.99 * m), 1) - 1]; // nearest rank, as ThresholdMethod.Quantile
    double s = Math.max(MAD_TO_SIGMA * mad, q99 / Q99_TO_SIGMA);
    return s < CONSTANT ? ArForecaster.CONSTANT_SCALE : Math.max(ArForecaster.SCALE_FLOOR, s);
  }

  /** Median of {@code v[0 .. n)}, sorting a copy in {@code scratch}. */
  private static double median(double[] v, int n, double[] scratch) {
    System.arraycopy(v, 0, scratch, 0, n);
    return median(scratch, n);
  }

  /** Median of {@code v[0 .. n)}; sorts that slice. */
  static double median(double[] v, int n) {
    Arrays.sort(v, 0, n);
    return middle(v, n);
  }

  private static double middle(double[] sorted, int n) {
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String range(ArTrainingSeries data) {
    if (data.size() == 0) return "";
    return " between " + Instant.EPOCH.plus(data.start(0), ChronoUnit.MICROS) + " and "
        + Instant.EPOCH.plus(data.start(data.size() - 1), ChronoUnit.MICROS).plusSeconds(data.windowSeconds());
  }

  /**
   * How much the forecast error's standard deviation grows with the horizon, relative to one step:
   * {@code out[h] = sqrt(ψ_0² + … + ψ_{h−1}²)} for h = 1..maxHorizon (ψ the AR's impulse response), and {@code out[0]}
   * the limit as h grows (the forecast of a series with no recent history: the profile, with the stationary spread).
   */
  static double[] errorGrowth(double[] phi, int maxHorizon) { // maxHorizon >= 2: maxImputedWindows >= 1
    double[] out = new double[maxHorizon + 1];
    int p = phi.length;
    double[] psi = new double[p]; // the last p impulse responses, psi[0] most recent
    psi[0] = 1;
    double sum = 1;
    out[1] = 1;
    // Stationarity (sum |phi| <= 0.98) makes psi decay at least geometrically every p steps; 1e6 steps is a hard stop.
    for (int j = 1; j < 1_000_000; j++) {
      double next = 0;
      for (int k = 0; k < p; k++) {
        next += phi[k] * psi[k];
      }
      System.arraycopy(psi, 0, psi, 1, p - 1);
      psi[0] = next;
      sum += next * next;
      if (j + 1 <= maxHorizon) out[j + 1] = Math.sqrt(sum);
      boolean converged = j >= maxHorizon;
      for (double v : psi) {
        converged &= v * v < 1e-18;
      }
      if (converged) break;
    }
    out[0] = Math.sqrt(sum);
    return out;
  }
}
