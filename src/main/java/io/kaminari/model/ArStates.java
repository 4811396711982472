package io.kaminari.model;

import io.kaminari.model.ar.ArForecaster;
import io.kaminari.model.ar.ArState;
import java.util.HashMap;
import java.util.Map;

/**
 * The scoring state of every scope key, kept by a caller of {@link ScoringModel#score} between calls: the AR
 * forecaster's, and under {@code dst-prefix} the prefix's recent windows ({@link KeyHistory}); the streaming scorer
 * keeps one per model for as long as the model scores, batch scoring one per partition of a key's windows. A state is
 * created on a key's first window (an AR state then scores against the profile alone, see {@code ArState}; a key
 * history has no earlier windows). Empty for a model with neither. Not thread-safe.
 */
public final class ArStates {
  private final ArForecaster forecaster;
  private final Map<String, ArState> byKey = new HashMap<>();
  private final Map<String, KeyHistory.State> keyHistory = new HashMap<>();

  ArStates(ArForecaster forecaster) {
    this.forecaster = forecaster;
  }

  /** The state of {@code scopeKey}, created fresh on first use; only for a model with a forecaster. */
  ArState of(String scopeKey) {
    return byKey.computeIfAbsent(scopeKey, k -> forecaster.newState());
  }

  /** The {@link KeyHistory} state of {@code scopeKey}, created fresh on first use. */
  KeyHistory.State keyHistory(String scopeKey, int span) {
    return keyHistory.computeIfAbsent(scopeKey, k -> new KeyHistory.State(span));
  }

  /** The forecaster these states belong to, or null for a model without one. */
  ArForecaster forecaster() {
    return forecaster;
  }

  /** How many keys have a state. */
  public int size() {
    return Math.max(byKey.size(), keyHistory.size());
  }
}
