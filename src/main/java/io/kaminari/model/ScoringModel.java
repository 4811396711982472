package io.kaminari.model;

import io.kaminari.features.FeatureSpec;
import java.util.List;

/**
 * One verified registry version ready to score: its manifest (spec, threshold, identity) and the loaded autoencoder.
 *
 * <p>Only the scorer loop calls {@link #score}; the provider builds instances on its own thread and hands them over.
 */
public final class ScoringModel implements AutoCloseable {
  private final ModelManifest manifest;
  private final AnomalyModel model;
  private final List<String> featureNames;

  private ScoringModel(ModelManifest manifest, AnomalyModel model) {
    this.manifest = manifest;
    this.model = model;
    this.featureNames = manifest.spec().featureNames();
  }

  /**
   * Loads a version the registry has copied and checksummed, then validates it the way the scorer will use it: a test
   * inference on the all-zero vector (an empty window) must give a finite score.
   *
   * @throws IllegalArgumentException if the weights do not load or the test inference fails
   */
  public static ScoringModel load(LoadedModel loaded) {
    ModelManifest m = loaded.manifest();
    ModelManifest.Normalisation n = m.normalisation();
    AnomalyModel model = AnomalyModel.load(loaded.dir(), new Normalizer(n.mean(), n.std()),
        m.hyperparameters().hiddenSizes());
    try {
      Score zero = model.scoreOne(new float[m.spec().dimension()]);
      if (!Double.isFinite(zero.score())) {
        throw new IllegalArgumentException(m.name() + "/" + m.version() + " scores the empty window as "
            + zero.score() + "; refusing it");
      }
      return new ScoringModel(m, model);
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  public String name() {
    return manifest.name();
  }

  public int version() {
    return manifest.version();
  }

  public FeatureSpec spec() {
    return manifest.spec();
  }

  public double threshold() {
    return manifest.threshold();
  }

  public ModelManifest manifest() {
    return manifest;
  }

  /** The spec's name of every vector position, for explanations. */
  public List<String> featureNames() {
    return featureNames;
  }

  /** Scores raw window vectors in batches; see {@link AnomalyModel#score}. */
  public Score[] score(float[][] vectors) {
    return model.score(vectors);
  }

  @Override
  public void close() {
    model.close();
  }

  @Override
  public String toString() {
    return manifest.name() + "/" + manifest.version();
  }
}
