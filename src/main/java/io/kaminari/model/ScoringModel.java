package io.kaminari.model;

import io.kaminari.features.FeatureSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * One verified registry version ready to score: its manifest (spec, threshold, identity) and the loaded autoencoder.
 *
 * <p>The one way a registry version becomes a scorer: the streaming scorer ({@code stream.ModelProvider}) and the
 * batch {@code scoring.ScoreJob} (on each executor, from its local verified copy) both load through
 * {@link #load(LoadedModel)}, so they score with the same weights, normalisation, threshold and explanation names.
 * {@link #score} is synchronized underneath ({@link AnomalyModel}): score in parallel with one instance per thread
 * or Spark partition.
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
   * @throws IllegalArgumentException if the weights do not load (or do not fit the spec) or the test inference fails
   */
  public static ScoringModel load(LoadedModel loaded) {
    ModelManifest m = loaded.manifest();
    ModelManifest.Normalisation n = m.normalisation();
    AnomalyModel model = AnomalyModel.load(loaded.dir(), m.spec(), n.mean(), n.std(), m.hyperparameters());
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

  /**
   * Copies the version {@code ref} names (resolved now if it is an alias) from {@code registry} into {@code cacheDir},
   * verifies it ({@link ModelRegistry#load(ModelRef, Path)}) and loads it as {@link #load(LoadedModel)} does.
   *
   * @throws ModelException if the registry has no such version or its files or manifest do not verify
   * @throws IllegalArgumentException as {@link #load(LoadedModel)}
   */
  public static ScoringModel load(ModelRegistry registry, ModelRef ref, Path cacheDir) {
    return load(registry.load(ref, cacheDir));
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

  /** The readable top features of a score, e.g. {@code dst_port 80 pps (87%)}. */
  public List<String> explain(Score score) {
    return score.explain(featureNames);
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
