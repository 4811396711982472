package io.kaminari.model;

import io.kaminari.model.ar.ArForecaster;
import io.kaminari.model.ar.ArState;
import java.util.HashMap;
import java.util.Map;

/**
 * The AR forecaster's scoring state of every scope key, kept by a caller of {@link ScoringModel#score} between calls:
 * the streaming scorer one per model for as long as the model scores, batch scoring one per partition of a key's
 * windows. A state is created on a key's first window (which is then scored against the profile alone, see
 * {@code ArState}). Empty, and never used, for a model without a forecaster. Not thread-safe.
 */
public final class ArStates {
  private final ArForecaster forecaster;
  private final Map<String, ArState> byKey = new HashMap<>();

  ArStates(ArForecaster forecaster) {
    this.forecaster = forecaster;
  }

  /** The state of {@code scopeKey}, created fresh on first use; only for a model with a forecaster. */
  ArState of(String scopeKey) {
    return byKey.computeIfAbsent(scopeKey, k -> forecaster.newState());
  }

  /** The forecaster these states belong to, or null for a model without one. */
  ArForecaster forecaster() {
    return forecaster;
  }

  /** How many keys have a state. */
  public int size() {
    return byKey.size();
  }
}
