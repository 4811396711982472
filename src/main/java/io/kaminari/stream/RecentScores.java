package io.kaminari.stream;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last N committed results, for {@code /api/scores} and the dashboard; thread-safe. */
public final class RecentScores {
  private final int capacity;
  private final ArrayDeque<ScoredWindow> results = new ArrayDeque<>();

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
}
