package io.kaminari.incidents;

import io.kaminari.incidents.IncidentEvent.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Incidents from a stream of window results: the streaming scorer's counterpart of {@link IncidentGrouping}, with its
 * rules (consecutive anomalous windows of one model, scope and victim are one incident, which ends once
 * {@code quietWindows} windows pass without an anomaly for it) and its ids, so batch and stream name an incident alike.
 *
 * <p>Every change yields the incident's new state ({@link IncidentEvent}); notifications are deduplicated: an incident
 * is one {@code start}, then an {@code update} only when its peak score has doubled since the last notification or
 * {@code updateInterval} of event time has passed since it while anomalous windows keep coming, or when the first
 * window with a traffic summary ({@link VictimTraffic}: the attack vector) comes after a start without one, then one
 * {@code resolve}. The other changes are {@code progress} states, which receivers are not told about. An attack of
 * an hour is one alert updated a few times, not sixty. An incident carries the traffic summary of its latest
 * anomalous window that has one.
 *
 * <p>The tracker holds only the open incidents; {@link #restore} continues them from their latest states, so a restarted
 * scorer neither opens an incident again nor loses one. Not thread-safe.
 */
public final class IncidentTracker {
  /** A notification when the peak score reaches this multiple of the one last notified. */
  static final double PEAK_GROWTH = 2.0;

  /**
   * One committed window result of one scope key.
   *
   * @param victim the key's victim ({@link Victims#of}); null when unknown (a global window without traffic summary),
   *     which the tracker skips
   * @param traffic what the victim's flows in the window show; null when they were not profiled
   */
  public record WindowResult(String model, int modelVersion, String scope, String victim, Instant windowStart,
      Instant windowEnd, boolean anomalous, double score, long packets, long flows, List<String> explanation,
      VictimTraffic traffic) {}

  private final int quietWindows;
  private final Duration updateInterval;
  /** The open incidents' latest states, by model, scope and victim. */
  private final Map<String, IncidentEvent> open = new LinkedHashMap<>();
  /** The victims of {@link #open}, kept with it. */
  private final Set<String> openVictims = new HashSet<>();

  /**
   * @param quietWindows windows without an anomaly that end an incident ({@code incidents.quiet-windows}), &gt;= 1
   * @param updateInterval event time after which a still-anomalous incident is notified again, &gt; 0
   */
  public IncidentTracker(int quietWindows, Duration updateInterval) {
    if (quietWindows < 1) throw new IllegalArgumentException("quietWindows must be >= 1, got " + quietWindows);
    if (updateInterval.isNegative() || updateInterval.isZero()) {
      throw new IllegalArgumentException("updateInterval must be > 0, got " + updateInterval);
    }
    this.quietWindows = quietWindows;
    this.updateInterval = updateInterval;
  }

  /** Continues the incidents of {@code states} that still fire (any order; the latest state per id wins). */
  public void restore(List<IncidentEvent> states) {
    Map<String, IncidentEvent> latest = new LinkedHashMap<>();
    for (IncidentEvent e : states) latest.put(e.id(), e);
    open.clear();
    for (IncidentEvent e : latest.values()) {
      if (e.firing()) open.put(key(e.model(), e.scope(), e.victim()), e);
    }
    victimsChanged();
  }

  /**
   * Whether an open incident has {@code prefix} as its victim: the prefixes the scorer profiles in every window
   * ({@link VictimProfiles#follow}), so an incident on a quiet prefix learns its vector.
   */
  public boolean isOpenVictim(String prefix) {
    return openVictims.contains(prefix);
  }

  private void victimsChanged() {
    openVictims.clear();
    for (IncidentEvent e : open.values()) openVictims.add(e.victim());
  }

  /** The open incidents' latest states. */
  public List<IncidentEvent> open() {
    return List.copyOf(open.values());
  }

  /**
   * Takes the results of windows that just closed (any order) and returns the states they change, in order: the
   * anomalous windows' starts, updates and progress, then the resolutions of incidents whose quiet windows have all
   * closed by the latest window end of {@code results}. A window at or before an incident's last anomalous window
   * (one seen already) changes nothing.
   */
  public List<IncidentEvent> observe(List<WindowResult> results) {
    List<WindowResult> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparing(WindowResult::windowStart));
    List<IncidentEvent> out = new ArrayList<>();
    Instant closedThrough = null;
    for (WindowResult r : sorted) {
      if (closedThrough == null || r.windowEnd().isAfter(closedThrough)) closedThrough = r.windowEnd();
      if (!r.anomalous() || r.victim() == null) continue;
      String key = key(r.model(), r.scope(), r.victim());
      IncidentEvent before = open.get(key);
      if (before != null && quietSince(before, r.windowStart())) {
        out.add(resolve(before)); // the quiet windows closed before this one: a new incident
        open.remove(key);
        before = null;
      }
      IncidentEvent after = before == null ? start(r) : next(before, r);
      if (after != null) {
        open.put(key, after);
        out.add(after);
      }
    }
    if (closedThrough != null) {
      for (Iterator<IncidentEvent> it = open.values().iterator(); it.hasNext(); ) {
        IncidentEvent e = it.next();
        if (quietSince(e, closedThrough)) {
          out.add(resolve(e));
          it.remove();
        }
      }
    }
    if (!out.isEmpty()) victimsChanged();
    return out;
  }

  /** Whether all the quiet windows after {@code e}'s last anomaly end by {@code t}. */
  private boolean quietSince(IncidentEvent e, Instant t) {
    return !e.lastUpdate().plusSeconds(e.windowSeconds() * quietWindows).isAfter(t);
  }

  private static IncidentEvent start(WindowResult r) {
    long seconds = Duration.between(r.windowStart(), r.windowEnd()).toSeconds();
    return new IncidentEvent(Kind.START, 1, IncidentGrouping.id(r.model(), r.scope(), r.victim(), r.windowStart()),
        r.model(), r.modelVersion(), r.scope(), r.victim(), r.windowStart(), r.windowEnd(), null, 1, seconds,
        r.score(), r.packets() / (double) seconds, r.flows() / (double) seconds, r.explanation(), r.windowEnd(),
        r.score(), r.traffic());
  }

  /** The state after another anomalous window of an open incident; null if the window was seen already. */
  private IncidentEvent next(IncidentEvent e, WindowResult r) {
    if (!r.windowEnd().isAfter(e.lastUpdate())) return null;
    long seconds = e.windowSeconds();
    boolean peak = r.score() > e.peakScore();
    double peakScore = Math.max(e.peakScore(), r.score());
    boolean notify = peakScore >= PEAK_GROWTH * e.notifiedPeak()
        || !e.notifiedAt().plus(updateInterval).isAfter(r.windowEnd())
        || (e.traffic() == null && r.traffic() != null); // on-call learns the vector as soon as it is known
    return new IncidentEvent(notify ? Kind.UPDATE : Kind.PROGRESS, notify ? e.seq() + 1 : e.seq(), e.id(), e.model(),
        r.modelVersion(), e.scope(), e.victim(), e.start(), r.windowEnd(), null, e.windows() + 1, seconds, peakScore,
        Math.max(e.peakPps(), r.packets() / (double) seconds), Math.max(e.peakFps(), r.flows() / (double) seconds),
        peak ? r.explanation() : e.explanation(), notify ? r.windowEnd() : e.notifiedAt(),
        notify ? peakScore : e.notifiedPeak(), r.traffic() != null ? r.traffic() : e.traffic());
  }

  /** The resolution, notified at the end of the last quiet window. */
  private IncidentEvent resolve(IncidentEvent e) {
    return new IncidentEvent(Kind.RESOLVE, e.seq() + 1, e.id(), e.model(), e.modelVersion(), e.scope(), e.victim(),
        e.start(), e.lastUpdate(), e.lastUpdate(), e.windows(), e.windowSeconds(), e.peakScore(), e.peakPps(),
        e.peakFps(), e.explanation(), e.lastUpdate().plusSeconds(e.windowSeconds() * quietWindows), e.peakScore(),
        e.traffic());
  }

  private static String key(String model, String scope, String victim) {
    return model + '|' + scope + '|' + victim;
  }
}
