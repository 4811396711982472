package io.kaminari.model.ar;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureVector;
import io.kaminari.features.Featurizer;
import io.kaminari.flow.Flow;
import java.util.List;
import java.util.TreeMap;

/**
 * The AR forecaster's input windows of in-memory flows, without Spark: featurised by the jobs' {@code Featurizer} and
 * assembled by {@link ArSeries#values}, as training and both scorers assemble them.
 */
final class ArWindows {
  private ArWindows() {}

  /** Every window of {@code [fromMicros, toMicros)} (empty global windows included) by start, as AR series values. */
  static TreeMap<Long, float[]> of(List<Flow> flows, FeatureSpec spec, long fromMicros, long toMicros) {
    TreeMap<Long, float[]> out = new TreeMap<>();
    for (FeatureVector v : Featurizer.vectors(flows.stream(), spec, fromMicros, toMicros)) {
      out.put(v.windowStartMicros(), ArSeries.values(spec, v.packetCount(), v.flowCount(), v.sources(), v.values()));
    }
    return out;
  }

  /** The windows before {@code splitMicros} as a training series. */
  static ArTrainingSeries training(TreeMap<Long, float[]> windows, FeatureSpec spec, long splitMicros) {
    ArTrainingSeries train = new ArTrainingSeries(spec.windowSeconds(), ArSeries.names(spec));
    windows.headMap(splitMicros).forEach(train::add);
    return train;
  }

  /**
   * A state of {@code f} fed the {@link ArForecaster#memoryWindows()} windows before {@code splitMicros}, as batch
   * scoring warms up before its range.
   */
  static ArState warmed(ArForecaster f, TreeMap<Long, float[]> windows, FeatureSpec spec, long splitMicros) {
    ArState state = f.newState();
    windows.subMap(splitMicros - (long) f.memoryWindows() * spec.windowMicros(), splitMicros).forEach(state::update);
    return state;
  }
}
