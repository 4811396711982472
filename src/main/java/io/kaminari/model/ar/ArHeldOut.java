package io.kaminari.model.ar;

import io.kaminari.model.VectorFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The AR forecaster's held-out windows, kept in a version so that the promotion gate can compare the forecasters of two
 * versions on windows neither of them was fitted on. The autoencoder's {@link io.kaminari.model.HeldOut held-out rows}
 * cannot serve: they are the most recent rows of the range, and a forecaster fitted without the last hours of a day
 * has no time-of-day profile for them, so it would lose to any version fitted on a whole day.
 *
 * <p><b>Which windows.</b> Blocks of {@value #BLOCK} consecutive window slots, one block in every {@link #period}
 * slots, counted from the epoch (slot = window start / window length): a share of about {@code validation_fraction}
 * spread evenly over the range, so every time-of-day bucket of the profile keeps most of its windows. The blocks
 * depend on the window length and the fraction only, not on the range, so two versions with the same ones hold out
 * the same slots: each version's gate fit has never seen the other's held-out windows, whatever their ranges.
 *
 * <p><b>In a version</b> ({@value #DIR}/): {@value #WINDOWS}, the range's windows in time order (the last
 * {@value #MAX_WINDOWS} at most), each row the raw series values in the forecaster's order followed by a mask value (1
 * held out, 0 fitted on); and {@link ArForecaster#FILE_NAME}, the <em>gate fit</em>: a forecaster with the published
 * one's parameters fitted on the same range without the held-out windows. The published forecaster is fitted on every
 * window, as before; only the gate uses the gate fit.
 *
 * <p><b>The error</b> ({@link #error}) is the one-step forecast error in the space the forecaster models: one state
 * rolled through every stored window as the scorer does, and at each held-out window the mean over the series of
 * (log1p(value) − forecast level)², averaged over the held-out windows. The same numbers go into both versions, so
 * unlike the z scores it does not depend on either version's scales.
 */
public final class ArHeldOut {
  /** The directory of a version that holds the AR held-out windows and the gate fit. */
  public static final String DIR = "holdout-ar";
  /** The windows file in {@link #DIR}. */
  public static final String WINDOWS = "windows.kvec";
  /** The windows file's path in a version. */
  public static final String WINDOWS_PATH = DIR + "/" + WINDOWS;
  /** The gate fit's path in a version. */
  public static final String FORECASTER_PATH = DIR + "/" + ArForecaster.FILE_NAME;
  /**
   * Consecutive window slots held out together: fewer than {@link ArForecaster#MIN_BUCKET_WINDOWS}, so a block never
   * empties a time-of-day bucket, and few enough that the windows after it are forecast from imputed lags, as after
   * any short gap ({@link ArForecaster#MAX_IMPUTED_WINDOWS}).
   */
  public static final int BLOCK = 3;
  /** The most windows a version keeps (a fortnight of 1-minute windows): the most recent ones. */
  public static final int MAX_WINDOWS = 20_160;
  /** The manifest metric with the gate fit's {@link #error} on the held-out windows. */
  public static final String ERROR_METRIC = "ar_held_out_error";
  /** The manifest metric that counts the held-out windows kept. */
  public static final String WINDOWS_METRIC = "ar_held_out_windows";

  private static final float HELD_OUT = 1f;

  private ArHeldOut() {}

  /** Slots per held-out block for {@code fraction} (in (0, 1)): {@value #BLOCK} held out in every period. */
  public static long period(double fraction) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("the held-out fraction must be in (0, 1), got " + fraction);
    }
    return Math.max(BLOCK + 1, Math.round(BLOCK / fraction));
  }

  /** Whether the window starting at {@code windowStartMicros} is held out, with {@code period} slots per block. */
  public static boolean heldOut(long windowStartMicros, int windowSeconds, long period) {
    long slot = Math.floorDiv(windowStartMicros, windowSeconds * 1_000_000L);
    return Math.floorMod(slot, period) >= period - BLOCK;
  }

  /** What {@link #write} kept: the windows stored, those held out among them, and the gate fit's error on those. */
  public record Written(int windows, int heldOut, double error) {}

  /**
   * Fits the gate fit on {@code data} without its held-out windows ({@code fraction}, as the autoencoder's validation
   * share) with {@code parameters}, and writes it and the windows into {@code versionDir}/{@value #DIR}.
   *
   * @throws IllegalArgumentException when the windows kept hold no held-out window (a fraction so small that a block
   *     comes once in more than {@value #MAX_WINDOWS} slots), or the gate fit is refused for its data (too few windows
   *     once the held-out ones are taken out); nothing is written then
   */
  public static Written write(Path versionDir, ArTrainingSeries data, ArParameters parameters, double fraction) {
    long period = period(fraction);
    int w = data.windowSeconds();
    ArTrainingSeries fitOn = new ArTrainingSeries(w, data.names());
    for (int t = 0; t < data.size(); t++) {
      if (!heldOut(data.start(t), w, period)) fitOn.add(data.start(t), data.values(t));
    }
    int first = Math.max(0, data.size() - MAX_WINDOWS);
    int heldOut = 0;
    for (int t = first; t < data.size(); t++) {
      if (heldOut(data.start(t), w, period)) heldOut++;
    }
    if (heldOut == 0) {
      throw new IllegalArgumentException("the range's last " + (data.size() - first) + " windows hold no held-out"
          + " block (one in every " + period + " window slots)");
    }
    ArForecaster gateFit = ArForecaster.fit(fitOn, parameters);
    Path dir = versionDir.resolve(DIR);
    int m = data.names().size();
    try {
      Files.createDirectories(dir);
      gateFit.write(dir);
      try (VectorFile.Writer out = VectorFile.create(dir.resolve(WINDOWS), m + 1)) {
        float[] row = new float[m + 1];
        for (int t = first; t < data.size(); t++) {
          System.arraycopy(data.values(t), 0, row, 0, m);
          row[m] = heldOut(data.start(t), w, period) ? HELD_OUT : 0f;
          out.append(data.start(t), row);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the AR held-out windows into " + dir, e);
    }
    try (VectorFile windows = VectorFile.open(dir.resolve(WINDOWS))) {
      return new Written(data.size() - first, heldOut, error(gateFit, windows));
    }
  }

  /**
   * {@code forecaster}'s mean one-step error on the held-out windows of {@code windows} (a {@value #WINDOWS}); see the
   * class doc.
   *
   * @throws IllegalArgumentException when the file does not hold the forecaster's series plus the mask, or holds no
   *     held-out window
   */
  public static double error(ArForecaster forecaster, VectorFile windows) {
    return measure(forecaster, windows).error();
  }

  /** {@link #error}, and how many held-out windows it averaged over. */
  private record Measured(long heldOut, double error) {}

  private static Measured measure(ArForecaster forecaster, VectorFile windows) {
    int m = forecaster.names().size();
    if (windows.dimension() != m + 1) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "the held-out windows have %d values per window,"
          + " a forecaster of %d series needs %d", windows.dimension(), m, m + 1));
    }
    ArState state = forecaster.newState();
    float[] row = new float[m + 1];
    double sum = 0;
    long held = 0;
    for (long t = 0; t < windows.size(); t++) {
      windows.read(t, row, 0);
      long start = windows.windowStartMicros(t);
      float[] values = Arrays.copyOf(row, m);
      if (row[m] == HELD_OUT) {
        double[] forecast = state.forecastLevels(start);
        double squared = 0;
        for (int i = 0; i < m; i++) {
          double d = ArState.level(values[i]) - forecast[i];
          squared += d * d;
        }
        sum += squared / m;
        held++;
      }
      state.update(start, values);
    }
    if (held == 0) throw new IllegalArgumentException("the AR held-out windows hold no held-out window");
    return new Measured(held, sum / held);
  }

  /**
   * Both versions' {@link #error} on the candidate's held-out windows.
   *
   * @param currentGateFit whether the current version's number is its gate fit's (else its published forecaster's,
   *     which was fitted on its whole range)
   */
  public record Comparison(long windows, double candidateError, double currentError, boolean currentGateFit) {
    /** The comparison in words, for the alias history. */
    public String describe() {
      return String.format(Locale.ROOT, "on the candidate's %,d AR held-out windows (one-step log1p-space mean squared"
          + " error%s)", windows, currentGateFit ? "" : "; the current version keeps no gate fit, so its forecaster"
          + " fitted on its whole range stands in");
    }
  }

  /**
   * Scores the held-out windows in {@code candidateDir}/{@value #WINDOWS_PATH} with the candidate's gate fit and with
   * {@code current} (the current version's gate fit when it has one, said by {@code currentGateFit}).
   */
  public static Comparison compare(Path candidateDir, ArForecaster current, boolean currentGateFit) {
    ArForecaster candidate = ArForecaster.read(candidateDir.resolve(DIR));
    if (!candidate.names().equals(current.names()) || candidate.windowSeconds() != current.windowSeconds()) {
      throw new IllegalArgumentException("the forecasters model different series (" + candidate.names().size()
          + " of " + candidate.windowSeconds() + " s windows against " + current.names().size() + " of "
          + current.windowSeconds() + " s)");
    }
    try (VectorFile windows = VectorFile.open(candidateDir.resolve(WINDOWS_PATH))) {
      Measured c = measure(candidate, windows);
      return new Comparison(c.heldOut(), c.error(), error(current, windows), currentGateFit);
    }
  }
}
