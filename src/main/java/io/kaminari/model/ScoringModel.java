package io.kaminari.model;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.model.ar.ArForecaster;
import io.kaminari.model.ar.ArScore;
import io.kaminari.model.ar.ArSeries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * One verified registry version ready to score: its manifest, its autoencoder (one per traffic-level group under
 * {@code dst-prefix}), its AR forecaster when it has one, and the fusion of the two into the production verdict.
 *
 * <p>The one way a registry version becomes a scorer, and the one scoring function: the streaming scorer
 * ({@code stream.ModelProvider}, {@code stream.ScoredWindow}) and the batch {@code scoring.ScoreJob} (on each executor,
 * from its local verified copy) both load through {@link #load(LoadedModel)} and score through
 * {@link #score(List, ArStates)}, so they use the same weights, normalisation, thresholds, forecaster, AR input series
 * ({@link ArSeries}), verdict and explanation. What differs is only where the windows come from: an accumulator when
 * a stream window closes, a {@code port_vectors} row in batch ({@link Window}).
 *
 * <p>The AR score of a window, and under {@code dst-prefix} the verdict of a prefix with a {@link KeyHistory}, depend
 * on the key's recent windows, which the caller keeps in an {@link ArStates} and feeds in time order per key; batch
 * scoring first scores (and discards) the {@link #memoryWindows()} windows before its range, and then scores as a
 * stream that saw them does (see {@code models/flow-ar/MODEL_CARD.md}).
 *
 * <p>A manifest without {@code detectors} (written before them) scores with its autoencoder alone, as it always did,
 * with the verdict {@link Fusion#aeOnly}. {@link #score(float[][])} is synchronized underneath ({@link AnomalyModel}):
 * score in parallel with one instance per thread or Spark partition.
 */
public final class ScoringModel implements AutoCloseable {
  /** Marks the AR forecaster's series in an explanation, e.g. {@code AR distinct sources +66.6σ}. */
  public static final String AR_PREFIX = "AR ";

  private final ModelManifest manifest;
  private final AnomalyModel[] autoencoders;
  private final double[] thresholds;
  private final Map<String, Integer> groups;
  private final int unseenGroup;
  private final ArForecaster forecaster;
  private final Fusion.Rule fusion;
  private final List<String> featureNames;
  /** Under {@code dst-prefix}, the prefixes' own thresholds ({@link KeyHistory}); empty otherwise. */
  private final Map<String, Double> keyThresholds;
  private final KeyHistory keyHistory;
  /** Under {@code dst-prefix}, the prefix rate rule; null otherwise and in versions from before it. */
  private final PrefixRate prefixRate;
  /** Under {@code dst-prefix}, the exception to the {@link KeyHistory} rule; null otherwise and before it. */
  private final SingleConversation singleConversation;

  /**
   * One window × scope key as the scorers hold it, from a closing stream window's accumulator or a {@code port_vectors}
   * row.
   *
   * @param sources its distinct source addresses, -1 when unknown (rows written before the column existed): the
   *     window then has no AR score, and the forecaster's state skips it as a missing window
   * @param busiestDstFlows flow records to its busiest destination ({@code WindowAccumulator#busiestDstFlows}), -1 when
   *     unknown (rows written before the column existed): the AR forecaster's destination rate then does not judge it
   * @param busiestPairFlows flow records of its busiest (source, destination) pair
   *     ({@code WindowAccumulator#busiestPairFlows}), -1 when unknown: the pair rate then does not judge it
   * @param servicePorts its service ports ({@code WindowAccumulator#servicePorts}), increasing; null when unknown
   *     (rows written before the column existed) or under {@code dst-prefix}: the new-ports rule then does not judge it
   * @param topDstPrefixes its top talkers, as the features store them ({@code 203.0.113.0/24 (91%)}); they name the
   *     victims and sources in the explanation
   */
  public record Window(long windowStartMicros, String scopeKey, float[] vector, long flows, long packets,
      long sources, long busiestDstFlows, long busiestPairFlows, int[] servicePorts, List<String> topDstPrefixes,
      List<String> topSources, List<String> topDstPorts) {
    public Window {
      topDstPrefixes = topDstPrefixes == null ? List.of() : List.copyOf(topDstPrefixes);
      topSources = topSources == null ? List.of() : List.copyOf(topSources);
      topDstPorts = topDstPorts == null ? List.of() : List.copyOf(topDstPorts);
    }
  }

  private ScoringModel(ModelManifest manifest, AnomalyModel[] autoencoders, double[] thresholds,
      Map<String, Integer> groups, int unseenGroup, ArForecaster forecaster, Map<String, Double> keyThresholds,
      PrefixRate prefixRate, SingleConversation singleConversation) {
    this.manifest = manifest;
    this.autoencoders = autoencoders;
    this.thresholds = thresholds;
    this.groups = groups;
    this.unseenGroup = unseenGroup;
    this.forecaster = forecaster;
    this.fusion = manifest.detectors() == null ? Fusion.Rule.UNION : manifest.detectors().fusionRule();
    this.featureNames = manifest.spec().featureNames();
    this.keyThresholds = keyThresholds;
    this.keyHistory = manifest.detectors() == null ? null : manifest.detectors().keyHistory();
    this.prefixRate = prefixRate;
    this.singleConversation = singleConversation;
  }

  /**
   * Loads a version the registry has copied and checksummed, then validates it the way the scorer will use it: every
   * threshold positive, the forecaster's series those of the spec and its threshold the manifest's, and a test
   * inference of every autoencoder on the all-zero vector (an empty window) giving a finite score.
   *
   * @throws IllegalArgumentException if the weights or the forecaster do not load (or do not fit the spec), or a check
   *     fails
   */
  public static ScoringModel load(LoadedModel loaded) {
    ModelManifest m = loaded.manifest();
    Detectors d = m.detectors();
    List<AnomalyModel> models = new ArrayList<>();
    try {
      double[] thresholds;
      Map<String, Integer> groups = Map.of();
      int unseen = 0;
      if (d != null && d.scopeGroups() != null) {
        List<ScopeGroups.Group> gs = d.scopeGroups().groups();
        thresholds = new double[gs.size()];
        for (ScopeGroups.Group g : gs) {
          Path dir = loaded.file(g.dir() + "/" + ModelMetadata.FILE_NAME).getParent();
          ModelMetadata meta = ModelMetadata.read(dir);
          if (meta.threshold() != g.threshold()) {
            throw new IllegalArgumentException(m.name() + "/" + m.version() + ": " + g.dir() + " has threshold "
                + meta.threshold() + " but the manifest says " + g.threshold());
          }
          models.add(AnomalyModel.load(dir, m.spec(), meta.mean(), meta.std(), m.hyperparameters()));
          thresholds[g.index()] = g.threshold();
        }
        groups = ScopeGroups.Assignments.read(loaded.file(d.scopeGroups().file()).getParent()).groups();
        unseen = d.scopeGroups().unseenGroup();
      } else {
        ModelManifest.Normalisation n = m.normalisation();
        models.add(AnomalyModel.load(loaded.dir(), m.spec(), n.mean(), n.std(), m.hyperparameters()));
        thresholds = new double[] {m.threshold()};
      }
      for (double t : thresholds) {
        if (!(t > 0)) {
          throw new IllegalArgumentException(m.name() + "/" + m.version() + " has an autoencoder threshold of " + t
              + ": a verdict needs a threshold > 0");
        }
      }
      ArForecaster forecaster = d != null && d.ar() != null ? loadForecaster(loaded, d.ar()) : null;
      for (AnomalyModel model : models) {
        Score zero = model.scoreOne(new float[m.spec().dimension()]);
        if (!Double.isFinite(zero.score())) {
          throw new IllegalArgumentException(m.name() + "/" + m.version() + " scores the empty window as "
              + zero.score() + "; refusing it");
        }
      }
      Map<String, Double> own = Map.of();
      PrefixRate rate = null;
      SingleConversation single = null;
      if (d != null && d.keyHistory() != null) {
        KeyHistory.Thresholds history = KeyHistory.Thresholds.read(loaded.file(d.keyHistory().file()).getParent());
        own = history.byKey();
        if (own.size() != d.keyHistory().keys()) {
          throw new IllegalArgumentException(m.name() + "/" + m.version() + ": " + d.keyHistory().file() + " holds "
              + own.size() + " prefixes but the manifest says " + d.keyHistory().keys());
        }
        rate = PrefixRate.of(history, m.spec().windowSeconds(), thresholds.length);
        single = SingleConversation.of(history, thresholds.length);
      }
      return new ScoringModel(m, models.toArray(new AnomalyModel[0]), thresholds, groups, unseen, forecaster, own,
          rate, single);
    } catch (RuntimeException e) {
      models.forEach(AnomalyModel::close);
      throw e;
    }
  }

  private static ArForecaster loadForecaster(LoadedModel loaded, Detectors.Ar ar) {
    ModelManifest m = loaded.manifest();
    ArForecaster f = ArForecaster.read(loaded.file(ar.file()).getParent());
    if (!f.names().equals(ArSeries.names(m.spec())) || f.windowSeconds() != m.spec().windowSeconds()) {
      throw new IllegalArgumentException(m.name() + "/" + m.version() + ": " + ar.file() + " forecasts other series"
          + " than the spec's AR series (" + f.names().size() + " series of " + f.windowSeconds() + " s windows)");
    }
    if (!f.isCalibrated() || f.threshold() != ar.threshold()) {
      throw new IllegalArgumentException(m.name() + "/" + m.version() + ": " + ar.file() + " has threshold "
          + (f.isCalibrated() ? f.threshold() : "none") + " but the manifest says " + ar.threshold());
    }
    return f;
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

  /** The manifest's threshold: the autoencoder's (group 0's under {@code dst-prefix}). */
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

  /** Whether the version has an AR forecaster. */
  public boolean hasAr() {
    return forecaster != null;
  }

  /**
   * How many windows before a range batch scoring feeds the states first: the AR forecaster's
   * ({@link ArForecaster#memoryWindows()}) or the {@link KeyHistory}'s span but one, whichever is longer; 0 without
   * either.
   */
  public int memoryWindows() {
    int ar = forecaster == null ? 0 : forecaster.memoryWindows();
    return Math.max(ar, keyHistory == null ? 0 : keyHistory.span() - 1);
  }

  /** Fresh AR states for this model's forecaster (empty and unused without one). */
  public ArStates newArStates() {
    return new ArStates(forecaster);
  }

  /** The traffic-level group of {@code scopeKey}: its training group, the unseen group otherwise; 0 under global. */
  public int group(String scopeKey) {
    return groups.getOrDefault(scopeKey, unseenGroup);
  }

  /** The autoencoder threshold that judges {@code scopeKey}: its own ({@link KeyHistory}), else its group's. */
  public double aeThreshold(String scopeKey) {
    Double own = keyThresholds.get(scopeKey);
    return own != null ? own : thresholds[group(scopeKey)];
  }

  /** Scores raw window vectors in batches with the (group 0) autoencoder; see {@link AnomalyModel#score}. */
  public Score[] score(float[][] vectors) {
    return autoencoders[0].score(vectors);
  }

  /** The readable top features of a score, e.g. {@code dst_port 80 pps (87%)}. */
  public List<String> explain(Score score) {
    return score.explain(featureNames);
  }

  /**
   * Scores {@code windows} and returns their verdicts, in input order: the autoencoder in batches (per group), the
   * AR forecaster window by window through {@code states}, which must receive each key's windows in increasing time
   * order across calls. See {@link Detection} for what a verdict holds.
   *
   * @throws IllegalArgumentException if {@code states} belong to another model, a vector has the wrong length, or a
   *     key's window is not after its previous one
   */
  public List<Detection> score(List<Window> windows, ArStates states) {
    checkStates(states);
    int[] group = groups(windows.size(), i -> windows.get(i).scopeKey());
    Score[] ae = new Score[windows.size()];
    int[][] byGroup = rowsByGroup(group);
    for (int g = 0; g < byGroup.length; g++) {
      int[] rows = byGroup[g];
      if (rows.length == 0) continue;
      Score[] s = autoencoders[g].score(gather(rows, i -> windows.get(i).vector()));
      for (int k = 0; k < rows.length; k++) ae[rows[k]] = s[k];
    }
    List<Detection> out = new ArrayList<>(windows.size());
    long windowMicros = manifest.spec().windowSeconds() * 1_000_000L;
    boolean global = manifest.spec().scope() == Scope.GLOBAL;
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      ArScore ar = forecaster == null || w.sources() < 0 ? null
          : forecaster.rates(states.of(w.scopeKey()).update(w.windowStartMicros(), arValues(w)),
              w.busiestDstFlows(), w.busiestPairFlows(), w.servicePorts());
      Double own = keyThresholds.get(w.scopeKey());
      double aeThreshold = own != null ? own : thresholds[group[i]];
      Fusion.Verdict verdict;
      String keyNote = null;
      if (own != null) {
        double sustained = states.keyHistory(w.scopeKey(), keyHistory.span()).update(w.windowStartMicros(),
            ae[i].score() / own, windowMicros, keyHistory.sustain());
        if (sustained > Fusion.THRESHOLD) {
          keyNote = "above the prefix's own threshold in " + keyHistory.sustain() + "+ of its last "
              + keyHistory.span() + " windows";
          String withdrawn = singleConversation == null ? null : singleConversation.withdraws(w, group[i]);
          if (withdrawn != null) {
            keyNote += ", but " + withdrawn;
            sustained = Fusion.THRESHOLD;
          }
        }
        verdict = Fusion.sustained(ae[i].score(), own, sustained);
      } else {
        verdict = ar == null ? Fusion.aeOnly(ae[i].score(), aeThreshold)
            : Fusion.of(fusion, ae[i].score(), aeThreshold, ar.score(), forecaster.threshold());
      }
      PrefixRate.Judged rate = prefixRate == null ? null : prefixRate.judge(w.scopeKey(), group[i], w.flows());
      if (rate != null) verdict = Fusion.withRate(verdict, rate.ratio());
      out.add(new Detection(w, ae[i], aeThreshold, ar, ar == null ? Double.NaN : forecaster.threshold(), verdict,
          global ? -1 : group[i],
          explanation(w, ae[i], ar, keyNote, rate != null && rate.ratio() > Fusion.THRESHOLD ? rate : null)));
    }
    return out;
  }

  /**
   * Per row, the mean squared reconstruction error in {@code log1p} space ({@link AnomalyModel#log1pErrors}) by the
   * autoencoder that judges {@code scopeKeys.get(i)}: what the promotion gate compares between versions.
   */
  public double[] log1pErrors(List<String> scopeKeys, float[][] vectors) {
    if (scopeKeys.size() != vectors.length) {
      throw new IllegalArgumentException(scopeKeys.size() + " scope keys for " + vectors.length + " vectors");
    }
    double[] out = new double[vectors.length];
    int[][] byGroup = rowsByGroup(groups(scopeKeys.size(), scopeKeys::get));
    for (int g = 0; g < byGroup.length; g++) {
      int[] rows = byGroup[g];
      if (rows.length == 0) continue;
      double[] e = autoencoders[g].log1pErrors(gather(rows, i -> vectors[i]));
      for (int k = 0; k < rows.length; k++) out[rows[k]] = e[k];
    }
    return out;
  }

  /** The group of each of {@code n} rows, given each row's scope key. */
  private int[] groups(int n, IntFunction<String> scopeKey) {
    int[] group = new int[n];
    for (int i = 0; i < n; i++) group[i] = group(scopeKey.apply(i));
    return group;
  }

  /** The input rows of each autoencoder, in input order, given each row's group: one batch per group. */
  private int[][] rowsByGroup(int[] group) {
    int[] counts = new int[autoencoders.length];
    for (int g : group) counts[g]++;
    int[][] rows = new int[autoencoders.length][];
    for (int g = 0; g < rows.length; g++) rows[g] = new int[counts[g]];
    int[] next = new int[autoencoders.length];
    for (int i = 0; i < group.length; i++) rows[group[i]][next[group[i]]++] = i;
    return rows;
  }

  private static float[][] gather(int[] rows, IntFunction<float[]> vector) {
    float[][] x = new float[rows.length][];
    for (int k = 0; k < rows.length; k++) x[k] = vector.apply(rows[k]);
    return x;
  }

  /** The AR series of a window, assembled by {@link ArSeries#values}: the one assembly for batch and stream. */
  float[] arValues(Window w) {
    return ArSeries.values(manifest.spec(), w.packets(), w.flows(), w.sources(), w.vector());
  }

  /**
   * @param keyNote under {@code dst-prefix}, the {@link KeyHistory} rule's line when the prefix was above its own
   *     threshold long enough (and why that is no verdict, if {@link SingleConversation} withdrew it); else null
   */
  private List<String> explanation(Window w, Score ae, ArScore ar, String keyNote, PrefixRate.Judged rate) {
    List<String> out = new ArrayList<>();
    if (rate != null) out.add(rate.describe());
    if (keyNote != null) out.add(keyNote);
    out.addAll(ae.explain(featureNames));
    if (ar != null) {
      for (String s : ar.explain(forecaster.names())) out.add(AR_PREFIX + s);
    }
    for (String t : w.topDstPrefixes()) out.add("dst prefix " + t);
    for (String t : w.topSources()) out.add("src " + t);
    for (String t : w.topDstPorts()) out.add("dst port " + t);
    return out;
  }

  private void checkStates(ArStates states) {
    if (states == null || states.forecaster() != forecaster) {
      throw new IllegalArgumentException("these AR states belong to another model than " + this);
    }
  }

  @Override
  public void close() {
    for (AnomalyModel a : autoencoders) a.close();
  }

  @Override
  public String toString() {
    return manifest.name() + "/" + manifest.version();
  }
}
