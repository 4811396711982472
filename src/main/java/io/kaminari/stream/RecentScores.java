package io.kaminari.stream;

import io.kaminari.incidents.IncidentEvent;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The last N committed results, and the latest committed state of the last {@value #INCIDENTS} incidents, for
 * {@code /api/scores}, {@code /api/incidents} and the dashboard; thread-safe.
 */
public final class RecentScores {
  /** Incidents kept: the most recently changed. */
  static final int INCIDENTS = 100;
  private final int capacity;
  private final ArrayDeque<ScoredWindow> results = new ArrayDeque<>();
  /** Latest state per incident id, least recently changed first. */
  private final LinkedHashMap<String, IncidentEvent> incidents = new LinkedHashMap<>();

  public RecentScores(int capacity) {
    this.capacity = capacity;
  }

  synchronized void addAll(List<ScoredWindow> committed) {
    for (ScoredWindow w : committed) {
      if (results.size() == capacity) results.removeFirst();
      results.addLast(w);
    }
  }

  /** Results whose window starts at or after {@code since} (null = all), of scope key {@code scopeKey} (null = all). */
  public synchronized List<ScoredWindow> query(Instant since, String scopeKey) {
    List<ScoredWindow> out = new ArrayList<>();
    for (ScoredWindow w : results) {
      if ((since == null || !w.windowStart().isBefore(since)) && (scopeKey == null || scopeKey.equals(w.scopeKey()))) {
        out.add(w);
      }
    }
    return out;
  }

  /** Records committed incident states (in order): each replaces its incident's previous one. */
  synchronized void addIncidents(List<IncidentEvent> committed) {
    for (IncidentEvent e : committed) {
      incidents.remove(e.id()); // re-inserted last: the map's order is that of the latest change
      incidents.put(e.id(), e);
    }
    for (Iterator<String> it = incidents.keySet().iterator(); incidents.size() > INCIDENTS; ) {
      it.next();
      it.remove();
    }
  }

  /** The latest state of each kept incident, the most recently changed first. */
  public synchronized List<IncidentEvent> incidents() {
    List<IncidentEvent> out = new ArrayList<>(incidents.values());
    java.util.Collections.reverse(out);
    return out;
  }
}
