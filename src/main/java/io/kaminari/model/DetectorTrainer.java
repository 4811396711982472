package io.kaminari.model;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.model.ar.ArForecaster;
import io.kaminari.model.ar.ArHeldOut;
import io.kaminari.model.ar.ArParameters;
import io.kaminari.model.ar.ArTrainingSeries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains everything one registry version holds from its training windows, into one directory, and says how the
 * production verdict is made ({@link Detectors}): the budget {@link Hyperparameters#threshold()} shared out by
 * {@link ThresholdMethod#withRiskDividedBy}.
 *
 * <ul>
 *   <li>{@link #global}: the autoencoder ({@link Trainer}) and, when the windows carry the AR series and there are
 *       enough of them, the AR forecaster ({@code ar-forecaster.json}, fitted on the same windows); the verdict is
 *       {@link Fusion}'s. The autoencoder is calibrated to half of the budget; the AR forecaster to
 *       {@link #arRiskDivisor its share}: the whole budget under {@code ar-led}, half under {@code union}. Without a
 *       forecaster the autoencoder gets the whole budget, and {@link Detectors#arNote()} says why.
 *   <li>{@link #grouped}: under {@code dst-prefix}, one autoencoder per traffic-level group ({@link ScopeGroups}), in
 *       {@code group-N/}, each calibrated to a key's share of the budget (divided by the keys per window, since a
 *       window is a false alarm when any of its keys fires). No AR forecaster: a prefix view has no global series,
 *       and one fit shared by every prefix would forecast them all at one level; the {@code global} spec's model,
 *       which runs beside it, carries the AR score of the whole link.
 * </ul>
 *
 * <p>Both also keep the autoencoders' validation rows in the version ({@link HeldOut}), and {@link #global} the AR
 * forecaster's held-out windows and gate fit ({@link ArHeldOut}), for the promotion gate.
 */
public final class DetectorTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorTrainer.class);

  /** The metric that counts the version's {@link HeldOut} rows. */
  public static final String HELD_OUT_ROWS = "held_out_rows";

  private DetectorTrainer() {}

  /**
   * What was trained into the directory.
   *
   * @param metadata the autoencoder's model.json (group 0's under {@code dst-prefix}), with the configured
   *     hyperparameters, for the manifest's top-level fields
   * @param thresholdMethod the autoencoder's calibration in words, for the manifest
   * @param detectors the verdict's parts
   * @param metrics the autoencoder's validation metrics plus the forecaster's and the groups' figures
   */
  public record Trained(ModelMetadata metadata, String thresholdMethod, Detectors detectors,
      Map<String, Double> metrics) {}

  /**
   * The AR forecaster's share of the budget under {@code fusion}, as the divisor of its method's risk: under
   * {@code ar-led} the verdict is the forecaster's alone, so it gets the whole budget (1); under {@code union} either
   * detector raises a verdict, so each gets half (2). Measured 2026-12-05 on six suite sets (docs/evaluation.md): the
   * whole budget lowers the 1-minute sets' instant threshold from about 10.3σ to 9.1-9.9σ and changes no verdict.
   */
  public static double arRiskDivisor(Fusion.Rule fusion) {
    return fusion == Fusion.Rule.AR_LED ? 1 : 2;
  }

  /**
   * Trains the autoencoder on {@code windows} and, unless {@code series} is null (then {@code arMissing} says why) or
   * {@link Hyperparameters#arOrder()} is 0, the AR forecaster on {@code series}, into {@code out}.
   *
   * @throws IllegalArgumentException as {@link Trainer#train}, or when the AR forecaster's threshold cannot be
   *     calibrated on its training scores (a fit refused for too few windows leaves the version without a
   *     forecaster, with the reason)
   */
  public static Trained global(VectorSource windows, ArTrainingSeries series, String arMissing, FeatureSpec spec,
      Hyperparameters hp, Path out, Consumer<EpochProgress> progress) {
    requireScope(spec, Scope.GLOBAL);
    String note = hp.arOrder() == 0 ? "ar_order is 0" : series == null ? arMissing
        : series.size() < ArForecaster.MIN_TRAINING_WINDOWS ? "the training range has " + series.size()
            + " windows, the AR forecaster needs " + ArForecaster.MIN_TRAINING_WINDOWS : null;
    double aeDivisor = note == null ? 2 : 1;
    TrainingResult ae = Trainer.train(windows, spec.dimension(), withShare(hp, aeDivisor), out, progress);
    Map<String, Double> metrics = new LinkedHashMap<>(ae.validationMetrics());
    metrics.put(HELD_OUT_ROWS, (double) HeldOut.write(out, List.of(windows),
        List.of(Stream.generate(() -> Featurizer.GLOBAL_KEY).iterator()), hp.validationFraction()));
    Detectors.Ar ar = null;
    if (note == null) {
      try {
        ArParameters parameters = new ArParameters(hp.arOrder(), true, hp.arQuorum(), hp.arSustain());
        ArForecaster fitted = ArForecaster.fit(series, parameters);
        double arDivisor = arRiskDivisor(hp.fusionRule());
        ArForecaster.Calibrated c = fitted.calibrate(hp.arMethod().withRiskDividedBy(arDivisor), series);
        ArForecaster forecaster = c.forecaster();
        if (!Double.isNaN(forecaster.dstRateThreshold())) {
          metrics.put("ar_dst_rate_threshold", forecaster.dstRateThreshold());
        }
        if (!Double.isNaN(forecaster.pairRateThreshold())) {
          metrics.put("ar_pair_rate_threshold", forecaster.pairRateThreshold());
        }
        if (!Double.isNaN(forecaster.newPortsThreshold())) {
          metrics.put("ar_new_ports_threshold", forecaster.newPortsThreshold());
        }
        forecaster.write(out);
        ar = new Detectors.Ar(ArForecaster.FILE_NAME, forecaster.threshold(), forecaster.thresholdMethod(),
            c.calibration(), arDivisor, forecaster.names().size(), forecaster.trainWindows());
        metrics.put("ar_threshold", ar.threshold());
        metrics.put("ar_train_windows", (double) ar.trainWindows());
        LOG.info("AR forecaster: {} series, {}, threshold {} ({}), destination rate {} flows/s, pair rate {} flows/s,"
            + " new ports {} a window", ar.series(), forecaster.profileNote(), ar.threshold(), ar.thresholdMethod(),
            forecaster.dstRateThreshold(), forecaster.pairRateThreshold(), forecaster.newPortsThreshold());
        heldOutForGate(out, series, parameters, hp.validationFraction(), metrics);
      } catch (IllegalArgumentException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("cannot calibrate")) throw e;
        // A fit refused for its data: the autoencoder keeps its half of the budget, conservatively.
        note = "the AR fit was refused: " + e.getMessage();
        LOG.warn("no AR forecaster: {}", note);
      }
    }
    Fusion.Rule fusion = hp.fusionRule();
    Detectors detectors = ar == null
        ? new Detectors(hp.threshold().text(), Detectors.RULE_AE, null, aeDivisor, null, note, null, null)
        : new Detectors(hp.threshold().text(), fusion == Fusion.Rule.AR_LED ? Detectors.RULE_AR_LED
            : Detectors.RULE_FUSED, fusion.text(), aeDivisor, ar, null, null, null);
    return new Trained(configured(ModelMetadata.read(out), hp), describe(ae), detectors, metrics);
  }

  /**
   * Keeps the AR forecaster's held-out windows and gate fit in the version ({@link ArHeldOut}) and their figures in
   * {@code metrics}. A range too short for the gate fit leaves the version without them (the gate then compares the
   * autoencoders alone, and says so), not without its forecaster.
   */
  private static void heldOutForGate(Path out, ArTrainingSeries series, ArParameters parameters, double fraction,
      Map<String, Double> metrics) {
    try {
      ArHeldOut.Written h = ArHeldOut.write(out, series, parameters, fraction);
      metrics.put(ArHeldOut.ERROR_METRIC, h.error());
      metrics.put(ArHeldOut.WINDOWS_METRIC, (double) h.heldOut());
      LOG.info("AR held-out windows for the promotion gate: {} of {}, gate fit error {}", h.heldOut(), h.windows(),
          h.error());
    } catch (IllegalArgumentException e) {
      LOG.warn("no AR held-out windows for the promotion gate: {}", e.getMessage());
    }
  }

  /** How {@link #grouped} trains the groups, as the manifest records it ({@link ScopeGroups#training()}). */
  public static final String IN_PROCESS = "one autoencoder per traffic group, trained one after another in one process";

  /**
   * What training one traffic group leaves besides its files in {@code group-N/}: its description for the manifest, its
   * autoencoder's validation metrics, and the thresholds of its keys that have a history ({@link KeyHistory}).
   * Serializable: a Spark task returns it.
   */
  public record GroupTrained(ScopeGroups.Group group, Map<String, Double> validationMetrics,
      Map<String, Double> keyThresholds) implements java.io.Serializable {
    public GroupTrained {
      validationMetrics = new LinkedHashMap<>(validationMetrics);
      keyThresholds = new HashMap<>(keyThresholds);
    }
  }

  /**
   * Trains the autoencoder of group {@code g} of {@code plan} on {@code rows} (the group's rows, in time order) into
   * {@code dir}, calibrated to a key's share of the budget, and computes the key thresholds of its prefixes. Depends on
   * nothing but its arguments, so groups train in any order, at once, or in separate Spark tasks.
   *
   * @param keys a fresh iterator over the scope key of each row, in row order (called twice)
   */
  public static GroupTrained trainGroup(int g, VectorSource rows, Supplier<Iterator<String>> keys,
      ScopeGroups.Plan plan, FeatureSpec spec, Hyperparameters hp, Path dir, Consumer<EpochProgress> progress) {
    requireScope(spec, Scope.DST_PREFIX);
    LOG.info("scope group {}: {} rows, {} to {} packets per window", g, rows.size(), plan.bounds().get(g)[0],
        plan.bounds().get(g)[1]);
    TrainingResult r = Trainer.train(rows, spec.dimension(), withShare(hp, keyDivisor(plan)), dir, progress);
    long groupKeys = plan.assignments().values().stream().filter(v -> v == g).count();
    ScopeGroups.Group described = new ScopeGroups.Group(g, ScopeGroups.dir(g), plan.bounds().get(g)[0],
        plan.bounds().get(g)[1], groupKeys, rows.size(), r.threshold(), describe(r), r.calibration());
    return new GroupTrained(described, r.validationMetrics(), keyThresholds(dir, rows, keys.get(), keys.get()));
  }

  /**
   * Trains one autoencoder per group of {@code plan} on {@code groups} (the rows of each group, in time order) into
   * {@code out/group-N}, one after another ({@link #trainGroup}), keeps their held-out rows ({@link HeldOut}) and
   * {@link #assemble}s the version. {@code TrainJob} trains the groups in Spark tasks instead, with the same two steps.
   *
   * @param keys a fresh iterator over the scope key of each row of group g, in row order (called a few times per group)
   * @param windows the windows of the training range (the denominator of a key's mean traffic)
   */
  public static Trained grouped(List<VectorSource> groups, IntFunction<Iterator<String>> keys,
      ScopeGroups.Plan plan, long windows, FeatureSpec spec, Hyperparameters hp, Path out,
      Consumer<EpochProgress> progress) {
    if (groups.size() != plan.groups()) {
      throw new IllegalArgumentException(groups.size() + " row sources for " + plan.groups() + " groups");
    }
    List<GroupTrained> trained = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      int group = g;
      trained.add(trainGroup(g, groups.get(g), () -> keys.apply(group), plan, spec, hp,
          out.resolve(ScopeGroups.dir(g)), progress));
    }
    long heldOut = HeldOut.write(out, groups, IntStream.range(0, groups.size()).mapToObj(keys).toList(),
        hp.validationFraction());
    return assemble(trained, plan, windows, spec, hp, out, heldOut, IN_PROCESS);
  }

  /**
   * The version of the trained groups, whose files and held-out rows are in {@code out} already: writes the key
   * assignments and thresholds, and says how the verdict is made.
   *
   * @param heldOutRows the rows {@link HeldOut} kept in {@code out}
   * @param training how the groups were trained, in words, for the manifest
   */
  public static Trained assemble(List<GroupTrained> trained, ScopeGroups.Plan plan, long windows, FeatureSpec spec,
      Hyperparameters hp, Path out, long heldOutRows, String training) {
    requireScope(spec, Scope.DST_PREFIX);
    if (trained.size() != plan.groups()) {
      throw new IllegalArgumentException(trained.size() + " trained groups for " + plan.groups() + " groups");
    }
    Map<String, Double> metrics = new LinkedHashMap<>(trained.get(0).validationMetrics());
    Map<String, Double> keyThresholds = new HashMap<>();
    List<ScopeGroups.Group> described = new ArrayList<>();
    for (GroupTrained t : trained) {
      described.add(t.group());
      metrics.put("group_" + t.group().index() + "_threshold", t.group().threshold());
      keyThresholds.putAll(t.keyThresholds());
    }
    new ScopeGroups.Assignments(ScopeGroups.Assignments.FORMAT, plan.assignments()).write(out);
    // No prefix with enough rows (a short range): no key history, and scoring needs no per-key state for it.
    KeyHistory keyHistory = keyThresholds.isEmpty() ? null : KeyHistory.of(keyThresholds.size());
    if (keyHistory != null) {
      Map<String, Long> maxFlows = new HashMap<>();
      for (String k : keyThresholds.keySet()) {
        Long n = plan.maxFlows().get(k);
        if (n == null) {
          throw new IllegalArgumentException("prefix " + k + " has training rows but no traffic in the grouping plan");
        }
        maxFlows.put(k, n);
      }
      List<Long> groupMaxFlows = IntStream.range(0, plan.groups()).mapToObj(plan::groupMaxFlows).toList();
      List<Long> groupMaxPackets = IntStream.range(0, plan.groups()).mapToObj(plan::groupMaxPackets).toList();
      new KeyHistory.Thresholds(KeyHistory.Thresholds.FORMAT, keyThresholds, maxFlows, groupMaxFlows, groupMaxPackets)
          .write(out);
    }
    metrics.put(HELD_OUT_ROWS, (double) heldOutRows);
    ScopeGroups scopeGroups = new ScopeGroups(ScopeGroups.RULE, windows, plan.keysPerWindow(),
        ScopeGroups.UNSEEN_GROUP, ScopeGroups.FILE_NAME, described, training);
    metrics.put("keys_per_window", plan.keysPerWindow());
    metrics.put("scope_groups", (double) plan.groups());
    metrics.put("key_history_keys", (double) keyThresholds.size());
    Detectors detectors = new Detectors(hp.threshold().text(),
        keyHistory == null ? Detectors.RULE_AE : Detectors.RULE_KEY_HISTORY, null, keyDivisor(plan), null,
        "dst-prefix: a prefix view has no global series, and one forecaster shared by every prefix would forecast"
            + " them all at one level; the global spec's model carries the AR score", scopeGroups, keyHistory);
    return new Trained(configured(ModelMetadata.read(out.resolve(ScopeGroups.dir(0))), hp),
        trained.get(0).group().thresholdMethod(), detectors, metrics);
  }

  /** A key's share of the budget, as the divisor of its method's risk: the keys per window (at least 1). */
  private static double keyDivisor(ScopeGroups.Plan plan) {
    return Math.max(1, plan.keysPerWindow());
  }

  /** The {@link KeyHistory} thresholds of one group's keys, from its rows' scores by its autoencoder in {@code dir}. */
  private static Map<String, Double> keyThresholds(Path dir, VectorSource rows, Iterator<String> countKeys,
      Iterator<String> keys) {
    Map<String, Long> counts = new HashMap<>();
    for (long i = 0; i < rows.size(); i++) counts.merge(countKeys.next(), 1L, Long::sum);
    double[] scores;
    ModelMetadata meta = ModelMetadata.read(dir);
    try (AnomalyModel model = AnomalyModel.load(dir, meta.normalizer(), meta.hyperparameters().hiddenSizes())) {
      scores = model.scores(rows);
    }
    return KeyHistory.quantiles(scores, keys, counts);
  }

  private static Hyperparameters withShare(Hyperparameters hp, double divisor) {
    return hp.withThreshold(hp.threshold().withRiskDividedBy(divisor));
  }

  /** The metadata as trained, but with the configured hyperparameters (the budget, not one detector's share). */
  private static ModelMetadata configured(ModelMetadata m, Hyperparameters hp) {
    return new ModelMetadata(m.inputDim(), hp, m.mean(), m.std(), m.threshold(), m.bestEpoch(), m.trainWindows(),
        m.validationWindows(), m.engine(), m.calibration());
  }

  private static String describe(TrainingResult r) {
    return r.thresholdMethod().text() + " of " + r.thresholdBasis();
  }

  private static void requireScope(FeatureSpec spec, Scope scope) {
    if (spec.scope() != scope) {
      throw new IllegalArgumentException("spec " + spec.name() + " has scope " + spec.scope().jsonName() + ", not "
          + scope.jsonName());
    }
  }
}
