package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.features.WindowGroup;
import io.kaminari.features.WindowGroups;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.Victims;
import io.kaminari.model.ArStates;
import io.kaminari.model.Detection;
import io.kaminari.model.ScoringModel;
import io.kaminari.model.Score;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns closed windows into {@link ScoredWindow}s through {@link ScoringModel#score}, the scoring function of batch
 * scoring too, and, as a pure function of a list of flows and a model, computes what the streaming scorer emits for
 * them ({@link #scoreFlows}), for parity tests against batch scoring.
 */
public final class WindowScorer {
  private WindowScorer() {}

  /**
   * The scored windows of {@code flows} under {@code model}, ordered by window start then scope key: exactly what the
   * streaming scorer commits for the same flows when none arrives late, every window has closed and the scorer saw
   * them all from the start. Under the global scope every window between the first and the last flow's window is
   * scored, empty ones as the zero vector.
   */
  public static List<ScoredWindow> scoreFlows(Iterable<Flow> flows, ScoringModel model) {
    FeatureSpec spec = model.spec();
    WindowGroups<WindowGroup> windows = WindowGroups.of(spec);
    for (Flow f : flows) windows.add(f);
    if (!windows.isEmpty()) windows.fillGlobal(windows.firstStartMicros(), windows.lastStartMicros() + 1);
    ArStates states = model.newArStates();
    List<WindowManager.ClosedWindow> closed = new ArrayList<>();
    for (WindowGroup w : windows.windows()) {
      closed.add(new WindowManager.ClosedWindow(spec, w.startMicros(), model, w.byKeySorted(), states, null));
    }
    return score(closed);
  }

  /**
   * Scores closed windows, one call per model (so one libtorch batch per model and group); results in input order,
   * keys in key order. Each model's AR states advance through its windows in the order given, which is start order.
   */
  static List<ScoredWindow> score(List<WindowManager.ClosedWindow> closed) {
    Map<ScoringModel, List<ScoringModel.Window>> inputs = new IdentityHashMap<>();
    Map<ScoringModel, ArStates> states = new IdentityHashMap<>();
    for (WindowManager.ClosedWindow w : closed) {
      List<ScoringModel.Window> list = inputs.computeIfAbsent(w.model(), m -> new ArrayList<>());
      states.putIfAbsent(w.model(), w.arStates());
      w.byKey().forEach((key, acc) -> list.add(window(w.startMicros(), key, acc)));
    }
    Map<ScoringModel, List<Detection>> detections = new IdentityHashMap<>();
    inputs.forEach((m, list) -> detections.put(m, m.score(list, states.get(m))));
    Map<ScoringModel, int[]> cursor = new IdentityHashMap<>();
    List<ScoredWindow> out = new ArrayList<>();
    for (WindowManager.ClosedWindow w : closed) {
      ScoringModel m = w.model();
      int[] next = cursor.computeIfAbsent(m, x -> new int[1]);
      Instant start = Instant.EPOCH.plus(w.startMicros(), ChronoUnit.MICROS);
      Instant end = start.plusSeconds(w.spec().windowSeconds());
      for (int k = 0; k < w.byKey().size(); k++) {
        out.add(toScoredWindow(m, w.spec(), start, end, detections.get(m).get(next[0]++)));
      }
    }
    return out;
  }

  /** A closing window's accumulator as the scorer's input: the same fields a {@code port_vectors} row holds. */
  static ScoringModel.Window window(long startMicros, String scopeKey, WindowAccumulator acc) {
    return new ScoringModel.Window(startMicros, scopeKey, acc.toVector(), acc.flowCount(), acc.packetCount(),
        acc.sources(), acc.busiestDstFlows(), acc.busiestPairFlows(), acc.servicePorts(), acc.topDstPrefixes(),
        acc.topSources(), acc.topDstPorts());
  }

  private static ScoredWindow toScoredWindow(ScoringModel m, FeatureSpec spec, Instant start, Instant end,
      Detection d) {
    Score s = d.ae();
    List<ScoredWindow.Contribution> top = new ArrayList<>(s.topFeatures().length);
    for (int i = 0; i < s.topFeatures().length; i++) {
      top.add(new ScoredWindow.Contribution(m.featureNames().get(s.topFeatures()[i]), s.topShares()[i]));
    }
    ScoringModel.Window w = d.window();
    return new ScoredWindow(start, end, spec.scope().jsonName(), w.scopeKey(), d.verdict().score(),
        d.verdict().threshold(), d.verdict().anomaly(), m.name(), m.version(), spec.id(), top, w.flows(), w.packets(),
        s.score(), d.aeThreshold(), d.ar() == null ? null : d.arScore(), d.ar() == null ? null : d.arThreshold(),
        d.verdict().fired().text(), d.group() < 0 ? null : d.group(), d.explanation(),
        Victims.of(spec.scope().jsonName(), w.scopeKey(), w.topDstPrefixes()));
  }
}
