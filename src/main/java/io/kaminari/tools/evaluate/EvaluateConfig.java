package io.kaminari.tools.evaluate;

import io.kaminari.features.Scope;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One evaluation run: the flows and labels, the window and scope, the training and test ranges, and the output directory
 * (which also holds the run's private warehouse and model store).
 *
 * @param flows a pmacct JSON-lines file or a directory of them ({@code .gz} accepted)
 * @param labels CSV with at least {@code window_start} and {@code attack_flows} columns
 * @param window window length (whole minutes dividing an hour)
 * @param trainFrom training range start, inclusive, aligned to the window
 * @param trainTo training range end, exclusive, aligned to the window
 * @param testFrom test range start, inclusive, aligned to the window
 * @param testTo test range end, exclusive, aligned to the window
 * @param out output directory
 * @param baselineMargin the baseline's thresholds are the training maximum of each metric times this
 */
public record EvaluateConfig(Path flows, Path labels, Duration window, Scope scope, Instant trainFrom, Instant trainTo,
    Instant testFrom, Instant testTo, Path out, double baselineMargin) {

  public static final double DEFAULT_BASELINE_MARGIN = 1.2;

  public EvaluateConfig {
    Objects.requireNonNull(flows, "--flows");
    Objects.requireNonNull(labels, "--labels");
    Objects.requireNonNull(scope, "--scope");
    Objects.requireNonNull(out, "--out");
    long w = window.getSeconds();
    if (window.getNano() != 0 || w < 60 || w > 3600 || w % 60 != 0 || 3600 % w != 0) {
      throw new IllegalArgumentException("--window must be whole minutes dividing an hour (1m, 2m, 3m, 4m, 5m, 6m, 10m,"
          + " 12m, 15m, 20m, 30m, 60m), got " + window);
    }
    checkRange("--train", trainFrom, trainTo, w);
    checkRange("--test", testFrom, testTo, w);
    if (trainFrom.isBefore(testTo) && testFrom.isBefore(trainTo)) {
      throw new IllegalArgumentException("the training range [" + trainFrom + ", " + trainTo + ") and the test range ["
          + testFrom + ", " + testTo + ") overlap: a detector must not be scored on what it was calibrated on");
    }
    if (!(baselineMargin >= 1) || Double.isInfinite(baselineMargin)) {
      throw new IllegalArgumentException("the baseline margin must be a finite number >= 1, got " + baselineMargin);
    }
  }

  private static void checkRange(String name, Instant from, Instant to, long windowSeconds) {
    Objects.requireNonNull(from, name + "-from");
    Objects.requireNonNull(to, name + "-to");
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException(name + "-from must be before " + name + "-to, got " + from + " and " + to);
    }
    for (Instant t : new Instant[] {from, to}) {
      if (t.getNano() != 0 || t.getEpochSecond() % windowSeconds != 0) {
        throw new IllegalArgumentException(name + " times must be aligned to the " + windowSeconds + " s window, got "
            + t);
      }
    }
  }

  public int windowSeconds() {
    return (int) window.getSeconds();
  }

  /** Number of windows in the test range. */
  public int testWindows() {
    return (int) (Duration.between(testFrom, testTo).getSeconds() / window.getSeconds());
  }

  /** The test range's window starts, in order. */
  public java.util.List<Instant> testWindowStarts() {
    java.util.List<Instant> out = new java.util.ArrayList<>(testWindows());
    for (Instant t = testFrom; t.isBefore(testTo); t = t.plus(window)) out.add(t);
    return out;
  }

  /** The window text as given on the command line's form, e.g. {@code 1m}. */
  public String windowText() {
    return window.toMinutes() + "m";
  }
}
