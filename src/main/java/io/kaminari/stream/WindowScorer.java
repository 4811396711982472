package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import io.kaminari.flow.Flow;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.features.WindowGroup;
import io.kaminari.features.WindowGroups;
import io.kaminari.model.Score;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns closed windows into {@link ScoredWindow}s, and, as a pure function of a list of flows and a model, computes
 * what the streaming scorer emits for them ({@link #scoreFlows}), for parity tests against batch scoring.
 */
public final class WindowScorer {
  private WindowScorer() {}

  /**
   * The scored windows of {@code flows} under {@code model}, ordered by window start then scope key: exactly what the
   * streaming scorer commits for the same flows when none arrives late and every window has closed. Under the global
   * scope every window between the first and the last flow's window is scored, empty ones as the zero vector.
   */
  public static List<ScoredWindow> scoreFlows(Iterable<Flow> flows, ScoringModel model) {
    FeatureSpec spec = model.spec();
    WindowGroups<WindowGroup> windows = WindowGroups.of(spec);
    for (Flow f : flows) windows.add(f);
    if (!windows.isEmpty()) windows.fillGlobal(windows.firstStartMicros(), windows.lastStartMicros() + 1);
    List<WindowManager.ClosedWindow> closed = new ArrayList<>();
    for (WindowGroup w : windows.windows()) {
      closed.add(new WindowManager.ClosedWindow(spec, w.startMicros(), model, w.byKeySorted()));
    }
    return score(closed);
  }

  /** Scores closed windows, one libtorch batch per model; results in input order, keys in key order. */
  static List<ScoredWindow> score(List<WindowManager.ClosedWindow> closed) {
    Map<ScoringModel, List<float[]>> vectors = new IdentityHashMap<>();
    for (WindowManager.ClosedWindow w : closed) {
      List<float[]> list = vectors.computeIfAbsent(w.model(), m -> new ArrayList<>());
      w.byKey().values().forEach(acc -> list.add(acc.toVector()));
    }
    Map<ScoringModel, Score[]> scores = new IdentityHashMap<>();
    vectors.forEach((m, list) -> scores.put(m, m.score(list.toArray(new float[0][]))));
    Map<ScoringModel, int[]> cursor = new IdentityHashMap<>();
    List<ScoredWindow> out = new ArrayList<>();
    for (WindowManager.ClosedWindow w : closed) {
      ScoringModel m = w.model();
      int[] next = cursor.computeIfAbsent(m, x -> new int[1]);
      Instant start = Instant.EPOCH.plus(w.startMicros(), ChronoUnit.MICROS);
      Instant end = start.plusSeconds(w.spec().windowSeconds());
      for (Map.Entry<String, WindowAccumulator> e : w.byKey().entrySet()) {
        Score s = scores.get(m)[next[0]++];
        out.add(toScoredWindow(m, w.spec(), start, end, e.getKey(), e.getValue(), s));
      }
    }
    return out;
  }

  private static ScoredWindow toScoredWindow(ScoringModel m, FeatureSpec spec, Instant start, Instant end,
      String scopeKey, WindowAccumulator acc, Score s) {
    List<ScoredWindow.Contribution> top = new ArrayList<>(s.topFeatures().length);
    for (int i = 0; i < s.topFeatures().length; i++) {
      top.add(new ScoredWindow.Contribution(m.featureNames().get(s.topFeatures()[i]), s.topShares()[i]));
    }
    return new ScoredWindow(start, end, spec.scope().jsonName(), scopeKey, s.score(), m.threshold(),
        s.score() > m.threshold(), m.name(), m.version(), spec.id(), top, acc.flowCount(), acc.packetCount());
  }
}
