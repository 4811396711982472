package io.kaminari.tools.evaluate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Detection quality of one detector over the test windows, from the flagged windows and the labelled attack windows.
 *
 * <ul>
 *   <li>Per window: precision, recall and F1 of "window flagged" (any scope of the window flagged) against "window
 *       labelled" (attack flows > 0), with {@link WindowMetrics}'s conventions (precision 1 when nothing was flagged).
 *   <li>Events: maximal runs of consecutive labelled windows. An event is detected when any of its windows is flagged;
 *       its detection delay is the index of the first flagged window within it (0 = flagged in its first window).
 *   <li>False alarms per day: flagged windows that are not labelled, divided by the test range's length in days.
 *   <li>ROC AUC of the window scores against the labels (threshold-free: the chance that a random attack window
 *       scores above a random quiet one, ties counting half), which separates "ranks attacks high" from "the
 *       threshold is in the right place".
 * </ul>
 */
public final class Metrics {
  private Metrics() {}

  /** One labelled attack event: windows {@code [start, end)}, and when it was first flagged (null: missed). */
  public record Event(Instant start, Instant end, int windows, Integer delayWindows) {
    public boolean detected() {
      return delayWindows != null;
    }
  }

  /** Everything {@code metrics.json} reports for one detector. */
  public record Result(int windows, WindowMetrics perWindow, List<Event> events, double testDays, double rocAuc) {
    public int eventsDetected() {
      return (int) events.stream().filter(Event::detected).count();
    }

    /** Detected events / events; 1 when there are none (nothing to miss), as {@link WindowMetrics#recall()}. */
    public double eventRecall() {
      return events.isEmpty() ? 1.0 : (double) eventsDetected() / events.size();
    }

    /** Mean detection delay in windows over the detected events; NaN when none was detected. */
    public double meanDelayWindows() {
      return events.stream().filter(Event::detected).mapToInt(Event::delayWindows).average().orElse(Double.NaN);
    }

    /** Largest detection delay in windows over the detected events; -1 when none was detected. */
    public int maxDelayWindows() {
      return events.stream().filter(Event::detected).mapToInt(Event::delayWindows).max().orElse(-1);
    }

    public double falseAlarmsPerDay() {
      return perWindow.falsePositives() / testDays;
    }
  }

  /**
   * Computes the metrics.
   *
   * @param windows every test window start, in order, evenly spaced by {@code window}
   * @param flagged the windows the detector flagged (others are ignored)
   * @param labelled the labelled attack windows (others are ignored)
   */
  public static Result of(List<Instant> windows, Duration window, Set<Instant> flagged, Set<Instant> labelled) {
    return of(windows, window, flagged, labelled, java.util.Map.of());
  }

  /** As {@link #of(List, Duration, Set, Set)}, with each window's score (missing = 0) for the ROC AUC. */
  public static Result of(List<Instant> windows, Duration window, Set<Instant> flagged, Set<Instant> labelled,
      java.util.Map<Instant, Double> scores) {
    if (windows.isEmpty()) throw new IllegalArgumentException("no test windows");
    Set<Instant> all = new HashSet<>(windows);
    Set<Instant> f = new HashSet<>(flagged);
    f.retainAll(all);
    Set<Instant> l = new HashSet<>(labelled);
    l.retainAll(all);
    List<Event> events = new ArrayList<>();
    int i = 0;
    while (i < windows.size()) {
      if (!l.contains(windows.get(i))) {
        i++;
        continue;
      }
      int start = i;
      Integer delay = null;
      while (i < windows.size() && l.contains(windows.get(i))
          && (i == start || windows.get(i - 1).plus(window).equals(windows.get(i)))) {
        if (delay == null && f.contains(windows.get(i))) delay = i - start;
        i++;
      }
      events.add(new Event(windows.get(start), windows.get(i - 1).plus(window), i - start, delay));
    }
    double days = windows.size() * (double) window.getSeconds() / 86_400.0;
    return new Result(windows.size(), WindowMetrics.of(f, l), List.copyOf(events), days,
        scores.isEmpty() ? Double.NaN : rocAuc(windows, l, scores));
  }

  /** Mann-Whitney ROC AUC of the windows' scores (missing = 0); NaN when either class is empty. */
  public static double rocAuc(List<Instant> windows, Set<Instant> labelled, java.util.Map<Instant, Double> scores) {
    int n = windows.size();
    double[][] s = new double[n][];
    int pos = 0;
    for (int i = 0; i < n; i++) {
      boolean p = labelled.contains(windows.get(i));
      if (p) pos++;
      s[i] = new double[] {scores.getOrDefault(windows.get(i), 0.0), p ? 1 : 0};
    }
    int neg = n - pos;
    if (pos == 0 || neg == 0) return Double.NaN;
    java.util.Arrays.sort(s, java.util.Comparator.comparingDouble(a -> a[0]));
    double rankSum = 0;
    for (int i = 0; i < n;) {
      int j = i;
      while (j + 1 < n && s[j + 1][0] == s[i][0]) j++;
      double rank = (i + j) / 2.0 + 1; // average rank of the tie group, 1-based
      for (int k = i; k <= j; k++) if (s[k][1] == 1) rankSum += rank;
      i = j + 1;
    }
    return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
