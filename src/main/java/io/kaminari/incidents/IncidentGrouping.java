package io.kaminari.incidents;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Groups anomalous windows into incidents: consecutive anomalous windows of the same model, scope and victim are one
 * incident, which ends once {@code quietWindows} windows in a row pass without an anomaly for that key.
 *
 * <p>A window with no row counts as quiet: under {@code dst-prefix} a prefix without traffic has no row at all. The
 * grouping sees only the data read, {@code [readFrom, readTo)}: an incident whose last anomaly is fewer than
 * {@code quietWindows} windows before {@code readTo} is open (no end), and one whose first anomaly is fewer than
 * {@code quietWindows} windows after {@code readFrom} is not {@link IncidentSpan#complete complete}. Pure and
 * deterministic: the same windows give the same incidents, in the same order, with the same ids.
 */
public final class IncidentGrouping {
  private IncidentGrouping() {}

  private static final Comparator<AnomalousWindow> ORDER = Comparator.comparing(AnomalousWindow::model)
      .thenComparing(AnomalousWindow::scope).thenComparing(AnomalousWindow::victim)
      .thenComparing(AnomalousWindow::windowStart);

  /**
   * The incidents of {@code windows} (any order; a window listed twice counts once), ordered by model, scope, victim
   * and start.
   */
  public static List<IncidentSpan> group(List<AnomalousWindow> windows, int quietWindows, Instant readFrom,
      Instant readTo) {
    if (quietWindows < 1) throw new IllegalArgumentException("quietWindows must be >= 1, got " + quietWindows);
    List<AnomalousWindow> sorted = new ArrayList<>(windows);
    sorted.sort(ORDER);
    List<IncidentSpan> out = new ArrayList<>();
    List<AnomalousWindow> run = new ArrayList<>();
    for (AnomalousWindow w : sorted) {
      if (!run.isEmpty()) {
        AnomalousWindow last = run.get(run.size() - 1);
        boolean sameKey = last.model().equals(w.model()) && last.scope().equals(w.scope())
            && last.victim().equals(w.victim());
        if (sameKey && w.windowStart().equals(last.windowStart())) {
          if (w.score() > last.score()) run.set(run.size() - 1, w);
          continue;
        }
        if (!sameKey || quietBetween(last, w) >= quietWindows) {
          out.add(span(run, quietWindows, readFrom, readTo));
          run.clear();
        }
      }
      run.add(w);
    }
    if (!run.isEmpty()) out.add(span(run, quietWindows, readFrom, readTo));
    return out;
  }

  /** Whole windows without an anomaly between {@code a} and the later {@code b} of the same key. */
  static long quietBetween(AnomalousWindow a, AnomalousWindow b) {
    long gap = Duration.between(a.windowEnd(), b.windowStart()).toSeconds();
    return Math.max(0, gap) / a.length().toSeconds();
  }

  private static IncidentSpan span(List<AnomalousWindow> run, int quietWindows, Instant readFrom, Instant readTo) {
    AnomalousWindow first = run.get(0);
    AnomalousWindow last = run.get(run.size() - 1);
    Duration quiet = first.length().multipliedBy(quietWindows);
    double peak = run.stream().mapToDouble(AnomalousWindow::score).max().orElseThrow();
    Instant lastUpdate = last.windowEnd();
    Instant end = lastUpdate.plus(quiet).isAfter(readTo) ? null : lastUpdate;
    boolean complete = !first.windowStart().minus(quiet).isBefore(readFrom);
    return new IncidentSpan(id(first.model(), first.scope(), first.victim(), first.windowStart()), first.model(),
        first.scope(), first.victim(), first.windowStart(), lastUpdate, end, run.size(), peak,
        first.length().toSeconds(), complete);
  }

  /**
   * The incident id: the first 16 hex digits of SHA-256 over the model name, scope, victim and start (RFC 3339), so
   * that recomputing a period gives the same ids.
   */
  public static String id(String model, String scope, String victim, Instant start) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] d = sha.digest(String.join("\n", model, scope, victim, start.toString())
          .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
