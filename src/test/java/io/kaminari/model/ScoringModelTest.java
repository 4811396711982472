package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.model.ar.ArHeldOut;
import io.kaminari.model.ar.ArSeries;
import io.kaminari.model.ar.ArTrainingSeries;
import io.kaminari.model.ar.RateRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A version trained by {@link DetectorTrainer}, published and loaded as the scorers load it, scored through
 * {@link ScoringModel#score}: the autoencoder and the AR forecaster fused under {@code global}, one autoencoder per
 * traffic group under {@code dst-prefix}, and older manifests as the autoencoder alone. Real (tiny) DJL models.
 */
class ScoringModelTest {
  private static final FeatureSpec GLOBAL = new FeatureSpec("g", "", 300, Scope.GLOBAL, 24, 64, List.of(80, 443, 53),
      List.of(80, 443, 53), List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS), false);
  private static final FeatureSpec PREFIX = new FeatureSpec("p", "", 300, Scope.DST_PREFIX, 24, 64,
      List.of(80, 443, 53), List.of(80, 443, 53), List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS), false);
  private static final Hyperparameters HP = new Hyperparameters(List.of(8, 4), 6, 32, 1e-2, "adam", 42L, 0, 0.1,
      ThresholdMethod.parse("quantile:0.999"), 0.0);
  private static final long W = 300_000_000L;
  private static final long T0 = Instant.parse("2024-05-01T00:00:00Z").getEpochSecond() * 1_000_000L;

  @TempDir static Path tmp;
  static ModelRegistry registry;
  static Synthetic synthetic;
  static float[][] train;
  /** The AR series of {@link #train}'s windows. */
  static ArTrainingSeries series;

  @BeforeAll
  static void trainAndPublish() throws Exception {
    registry = new ModelRegistry(tmp.resolve("models").toUri(), new Configuration());
    synthetic = new Synthetic(GLOBAL.dimension(), 3, 1);
    train = synthetic.withSeed(2).benign(576); // two days of 5-minute windows
    series = new ArTrainingSeries(300, ArSeries.names(GLOBAL));
    for (int t = 0; t < train.length; t++) series.add(T0 + t * W, arValues(window(t, "global", train[t])));
    Path out = tmp.resolve("global");
    DetectorTrainer.Trained trained = DetectorTrainer.global(
        InMemoryVectorSource.evenlySpaced(train, W), series, null, GLOBAL, HP, out, p -> { });
    publish("fused", GLOBAL, out, trained);
    Path union = tmp.resolve("global-union");
    publish("union", GLOBAL, union, DetectorTrainer.global(InMemoryVectorSource.evenlySpaced(train, W), series, null,
        GLOBAL, HP.withFusion(Fusion.Rule.UNION), union, p -> { }));
  }

  private static void publish(String name, FeatureSpec spec, Path out, DetectorTrainer.Trained t) {
    ModelManifest draft = ModelManifest.draft(name, spec, t.metadata(), t.thresholdMethod(), t.detectors(),
        t.metrics(), Instant.ofEpochSecond(T0 / 1_000_000), Instant.ofEpochSecond(T0 / 1_000_000 + 172_800), "test");
    registry.publish(name, out, draft);
  }

  private static ScoringModel load(String name) {
    return ScoringModel.load(registry, ModelRef.parse(name + "@latest"), tmp.resolve("cache-" + name));
  }

  /** A window with totals derived from its vector: packets from its rates, flows and sources a fixed mix. */
  static ScoringModel.Window window(int t, String key, float[] v) {
    double pps = 0;
    for (int j = 0; j < v.length; j += 2) pps += v[j];
    long packets = Math.round(pps * 300);
    return new ScoringModel.Window(T0 + t * W, key, v, packets / 10 + 1, packets, 40 + packets % 7, packets / 40 + 1,
        packets / 400 + 1, new int[] {22, 53, 80, 443}, List.of("203.0.113.0/24 (60%)"), List.of("198.51.100.7 (12%)"),
        List.of("80 (95%)"));
  }

  private static float[] arValues(ScoringModel.Window w) {
    return ArSeries.values(GLOBAL, w.packets(), w.flows(), w.sources(), w.vector());
  }

  @Test
  void aGlobalVersionHoldsBothDetectorsTheArForecasterAtTheWholeBudgetUnderArLed() {
    try (ScoringModel m = load("fused")) {
      Detectors d = m.manifest().detectors();
      assertThat(d.budget()).isEqualTo("quantile:0.999");
      assertThat(d.aeRiskDivisor()).isEqualTo(2.0);
      assertThat(d.ar()).isNotNull();
      assertThat(d.ar().file()).isEqualTo("ar-forecaster.json");
      assertThat(d.ar().riskDivisor()).as("ar-led: the verdict is the AR's alone").isEqualTo(1.0);
      assertThat(d.ar().series()).isEqualTo(ArSeries.TOTALS.size() + GLOBAL.dimension());
      // The AR's budget is shared again by its instant and sustained scores.
      assertThat(d.ar().calibration().method()).isEqualTo("quantile:0.9995");
      assertThat(d.ar().calibration().parameters()).containsKeys("sustained_threshold", "sustained_raw_threshold");
      assertThat(d.ar().thresholdMethod()).startsWith("quantile:0.9995 of 576 one-step training scores")
          .contains("or when the sum of their last 10 z / sqrt(10) is above");
      assertThat(m.manifest().thresholdMethod()).startsWith("quantile:0.9995 of ");
      assertThat(m.manifest().hyperparameters()).as("the configured budget, not a share").isEqualTo(HP);
      assertThat(m.manifest().files()).containsKeys("ar-forecaster.json", "autoencoder-0000.params", "model.json");
      assertThat(m.manifest().metrics()).containsKeys("ar_threshold", "ar_train_windows");
      assertThat(m.hasAr()).isTrue();
      assertThat(m.memoryWindows()).isEqualTo(2 + 12 + 9);
      assertThat(d.rule()).isEqualTo(Detectors.RULE_AR_LED);
      assertThat(d.fusion()).isEqualTo("ar-led");
    }
  }

  /** Trains {@code hp} on the two days into a fresh directory, publishes it as {@code name} with this val_loss. */
  private static ModelManifest publishGate(String name, Hyperparameters hp, double valLoss,
      java.util.function.Consumer<Path> edit) throws Exception {
    return publishGate(name, hp, valLoss, null, edit);
  }

  /** As above, with an AR forecaster fitted on {@code series} unless it is null. */
  private static ModelManifest publishGate(String name, Hyperparameters hp, double valLoss, ArTrainingSeries series,
      java.util.function.Consumer<Path> edit) throws Exception {
    Path out = Files.createTempDirectory(tmp, "gate-");
    DetectorTrainer.Trained t = DetectorTrainer.global(InMemoryVectorSource.evenlySpaced(train, W), series,
        "no series in this test", GLOBAL, hp, out, p -> { });
    Map<String, Double> metrics = new HashMap<>(t.metrics());
    metrics.put(ModelManifest.VAL_LOSS, valLoss);
    edit.accept(out);
    return registry.publish(name, out, ModelManifest.draft(name, GLOBAL, t.metadata(), t.thresholdMethod(),
        t.detectors(), metrics, Instant.ofEpochSecond(T0 / 1_000_000), Instant.ofEpochSecond(T0 / 1_000_000 + 172_800),
        "test"));
  }

  @Test
  void thePromotionGateScoresBothVersionsOnTheCandidatesHeldOutWindows() throws Exception {
    String name = "gate";
    ModelManifest v1 = publishGate(name, HP, 0.5, out -> { });
    assertThat(HeldOut.present(v1)).isTrue();
    long heldOut = Trainer.validationRows(train.length, HP.validationFraction());
    assertThat(v1.metrics()).containsEntry(DetectorTrainer.HELD_OUT_ROWS, (double) heldOut);
    assertThat(registry.promote(name, v1.version(), ModelRef.CHAMPION, false, 0).moved()).isTrue();

    // Barely trained (one epoch at a hundredth of the rate), but its own val_loss claims to be far better.
    ModelManifest weak = publishGate(name, new Hyperparameters(List.of(8, 4), 1, 32, 1e-4, "adam", 42L, 0,
        0.1, ThresholdMethod.parse("quantile:0.999"), 0.0), 1e-9, out -> { });
    PromotionDecision refused = registry.promote(name, weak.version(), ModelRef.CHAMPION, false, 0.05);
    assertThat(refused.allowed()).as(refused.reason()).isFalse();
    assertThat(refused.basis()).isEqualTo(PromotionGate.BASIS_HELD_OUT);
    assertThat(refused.candidateLoss()).isGreaterThan(refused.currentLoss() * 1.05);
    assertThat(refused.reason()).startsWith("held-out error ").contains("on the candidate's " + heldOut
        + " held-out windows");

    // The same training again (byte-identical weights): equal errors on the same windows pass at margin 0, whatever
    // val_loss the manifest reports.
    ModelManifest same = publishGate(name, HP, 1e3, out -> { });
    PromotionDecision allowed = registry.promote(name, same.version(), ModelRef.CHAMPION, false, 0);
    assertThat(allowed.moved()).as(allowed.reason()).isTrue();
    assertThat(allowed.candidateLoss()).isEqualTo(allowed.currentLoss()).isPositive();

    // A version without held-out windows (published before them) is compared on val_loss, and says so.
    ModelManifest old = publishGate(name, HP, 2e3, out -> delete(out.resolve(HeldOut.VECTORS), out.resolve(
        HeldOut.KEYS)));
    PromotionDecision byValLoss = registry.promote(name, old.version(), ModelRef.CHAMPION, false, 0);
    assertThat(byValLoss.basis()).isEqualTo(PromotionGate.BASIS_VAL_LOSS);
    assertThat(byValLoss.allowed()).isFalse();
    assertThat(byValLoss.reason()).contains("keeps no held-out windows");

    // Held-out files that disagree (a key short) cannot be scored: refused, with the reason.
    ModelManifest broken = publishGate(name, HP, 0.5, out -> {
      try {
        List<String> keys = Files.readAllLines(out.resolve(HeldOut.KEYS));
        Files.write(out.resolve(HeldOut.KEYS), keys.subList(1, keys.size()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    PromotionDecision unscored = registry.promote(name, broken.version(), ModelRef.CHAMPION, false, 0.05);
    assertThat(unscored.allowed()).isFalse();
    assertThat(unscored.reason()).startsWith("cannot score the candidate and the current champion " + same.version())
        .contains(HeldOut.KEYS + " has fewer lines than " + HeldOut.VECTORS + " rows (" + heldOut + ")");
    assertThat(registry.resolve(ModelRef.alias(name, ModelRef.CHAMPION))).isEqualTo(same.version());
  }

  @Test
  void thePromotionGateComparesTheForecastersOnTheCandidatesArHeldOutWindows() throws Exception {
    String name = "argate";
    ModelManifest v1 = publishGate(name, HP, 0.5, series, out -> { });
    assertThat(v1.files()).containsKeys(ArHeldOut.WINDOWS_PATH, ArHeldOut.FORECASTER_PATH);
    long held = 0;
    for (int t = 0; t < train.length; t++) {
      if (ArHeldOut.heldOut(T0 + t * W, 300, ArHeldOut.period(HP.validationFraction()))) held++;
    }
    assertThat(v1.metrics()).containsEntry(ArHeldOut.WINDOWS_METRIC, (double) held).containsKey(
        ArHeldOut.ERROR_METRIC);
    assertThat(registry.promote(name, v1.version(), ModelRef.CHAMPION, false, 0).moved()).isTrue();

    // The same training again: equal errors on both detectors' held-out windows pass at margin 0.
    ModelManifest same = publishGate(name, HP, 0.5, series, out -> { });
    PromotionDecision allowed = registry.promote(name, same.version(), ModelRef.CHAMPION, false, 0);
    assertThat(allowed.moved()).as(allowed.reason()).isTrue();
    String error = PromotionGate.num(v1.metrics().get(ArHeldOut.ERROR_METRIC));
    assertThat(allowed.reason()).contains("; AR forecast error " + error + " <= limit " + error + " = current champion "
        + error + " x (1 + margin 0) on the candidate's " + held + " AR held-out windows");

    // A candidate that lost the forecaster (trained without the AR series) is refused.
    ModelManifest noAr = publishGate(name, HP, 0.5, null, out -> { });
    PromotionDecision lost = registry.promote(name, noAr.version(), ModelRef.CHAMPION, false, 0);
    assertThat(lost.allowed()).isFalse();
    assertThat(lost.reason()).endsWith("the candidate has no AR forecaster (no series in this test) but the current"
        + " champion has one");

    // A candidate without the AR held-out windows (published before them): the autoencoders decide, as said.
    ModelManifest old = publishGate(name, HP, 0.5, series, out -> deleteTree(out.resolve(ArHeldOut.DIR)));
    PromotionDecision byAe = registry.promote(name, old.version(), ModelRef.CHAMPION, false, 0);
    assertThat(byAe.moved()).as(byAe.reason()).isTrue();
    assertThat(byAe.reason()).endsWith("; the AR forecasters are not compared: version " + old.version() + " keeps no"
        + " AR held-out windows (published before versions kept them, or its range was too short for the gate fit)");

    // Against that champion, which keeps no gate fit, its forecaster fitted on its whole range stands in.
    PromotionDecision againstOld = registry.promote(name, same.version(), ModelRef.CHAMPION, false, 1);
    assertThat(againstOld.reason()).contains("; AR forecast error ").endsWith("the current version keeps no gate fit,"
        + " so its forecaster fitted on its whole range stands in)");
  }

  private static void deleteTree(Path dir) {
    try {
      io.kaminari.common.FileTrees.delete(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void delete(Path... files) {
    try {
      for (Path f : files) Files.delete(f);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Sixty next-day windows with a flood at window 40, scored by {@code model}. */
  private static List<Detection> scoreWithFlood(ScoringModel m) {
    float[][] next = synthetic.withSeed(3).benign(60);
    List<ScoringModel.Window> windows = new ArrayList<>();
    for (int t = 0; t < next.length; t++) windows.add(window(576 + t, "global", next[t]));
    // Window 40: a flood, every rate x 50 and 20,000 sources.
    float[] flood = next[40].clone();
    for (int j = 0; j < flood.length; j++) flood[j] *= 50;
    ScoringModel.Window quiet = windows.get(40);
    windows.set(40, new ScoringModel.Window(quiet.windowStartMicros(), "global", flood, 20_000, 2_000_000, 20_000,
        20_000, 20_000, quiet.servicePorts(), quiet.topDstPrefixes(), quiet.topSources(), quiet.topDstPorts()));
    List<Detection> out = m.score(windows, m.newArStates());
    assertThat(out).hasSize(60);
    for (Detection d : out) {
      assertThat(d.verdict().anomaly()).isEqualTo(d.verdict().score() > 1.0);
      assertThat(d.ar()).isNotNull();
      assertThat(d.arThreshold()).isEqualTo(m.manifest().detectors().ar().threshold());
      assertThat(d.aeThreshold()).isEqualTo(m.threshold());
      assertThat(d.group()).isEqualTo(-1);
    }
    return out;
  }

  @Test
  void theVerdictFusesBothDetectorsAndTheExplanationNamesFeaturesSeriesAndTalkers() {
    try (ScoringModel m = load("fused")) {
      List<Detection> out = scoreWithFlood(m);
      for (Detection d : out) {
        assertThat(d.verdict().score()).as("ar-led: the AR ratio").isEqualTo(d.ar().score() / d.arThreshold());
        assertThat(d.verdict().anomaly()).isEqualTo(d.ar().score() > d.arThreshold());
      }
      Detection f = out.get(40);
      assertThat(f.verdict().fired()).isEqualTo(Fusion.Fired.BOTH);
      assertThat(f.explanation()).hasSize(3 + 3 + 3);
      assertThat(f.explanation().subList(0, 3)).allMatch(e -> e.matches(".* \\(\\d+%\\)"));
      assertThat(f.explanation().subList(3, 6)).allMatch(e -> e.startsWith("AR ") && e.contains("σ"));
      assertThat(f.explanation().subList(6, 9)).containsExactly("dst prefix 203.0.113.0/24 (60%)",
          "src 198.51.100.7 (12%)", "dst port 80 (95%)");
      long quietAlarms = out.stream().filter(d -> d != f && d.verdict().anomaly()).count();
      assertThat(quietAlarms).as("quiet windows flagged").isLessThanOrEqualTo(3);
    }
  }

  /** A version trained with {@code fusion: union} keeps the union verdict: either detector fires it. */
  @Test
  void aUnionVersionFiresOnEitherDetector() {
    try (ScoringModel m = load("union")) {
      assertThat(m.manifest().detectors().fusion()).isEqualTo("union");
      assertThat(m.manifest().detectors().rule()).isEqualTo(Detectors.RULE_FUSED);
      assertThat(m.manifest().detectors().ar().riskDivisor()).as("union: each detector at half").isEqualTo(2.0);
      assertThat(m.manifest().detectors().ar().calibration().method()).isEqualTo("quantile:0.99975");
      List<Detection> out = scoreWithFlood(m);
      for (Detection d : out) {
        assertThat(d.verdict().score()).isEqualTo(Math.max(d.ae().score() / d.aeThreshold(),
            d.ar().score() / d.arThreshold()));
        assertThat(d.verdict().anomaly()).isEqualTo(d.ae().score() > d.aeThreshold()
            || d.ar().score() > d.arThreshold());
      }
      assertThat(out.get(40).verdict().fired()).isEqualTo(Fusion.Fired.BOTH);
    }
  }

  @Test
  void warmingTheStatesWithTheWindowsBeforeARangeGivesTheScoresOfAStateThatSawThemAll() {
    try (ScoringModel m = load("fused")) {
      float[][] next = synthetic.withSeed(4).benign(40);
      List<ScoringModel.Window> all = new ArrayList<>();
      for (int t = 0; t < next.length; t++) {
        if (t != 17) all.add(window(600 + t, "global", next[t])); // a missing window inside the memory
      }
      List<Detection> stream = m.score(all, m.newArStates());
      ArStates batch = m.newArStates();
      int from = 25;
      m.score(all.subList(from - m.memoryWindows(), from), batch); // the warm-up: scored, discarded
      List<Detection> ranged = m.score(all.subList(from, all.size()), batch);
      for (int i = 0; i < ranged.size(); i++) {
        assertThat(ranged.get(i).ar()).isEqualTo(stream.get(from + i).ar());
        assertThat(ranged.get(i).verdict().fired()).isEqualTo(stream.get(from + i).verdict().fired());
      }
      // Without the warm-up the first window has no history: scored against the profile alone.
      assertThat(m.score(all.subList(from, from + 1), m.newArStates()).get(0).ar().horizon()).isZero();
      assertThat(stream.get(from).ar().horizon()).isEqualTo(1);
    }
  }

  @Test
  void aWindowWithoutItsSourcesIsJudgedByTheAutoencoderAloneAndSkippedByTheForecaster() {
    try (ScoringModel m = load("fused")) {
      float[] v = synthetic.withSeed(5).benign(1)[0];
      ScoringModel.Window w = window(700, "global", v);
      ScoringModel.Window old = new ScoringModel.Window(w.windowStartMicros(), "global", v, w.flows(), w.packets(), -1,
          -1, -1, null, null, null, null);
      ArStates states = m.newArStates();
      Detection d = m.score(List.of(old), states).get(0);
      assertThat(d.ar()).isNull();
      assertThat(d.arScore()).isNaN();
      assertThat(d.verdict().arRatio()).isNaN();
      assertThat(d.verdict().fired()).isIn(Fusion.Fired.AE, Fusion.Fired.NONE);
      assertThat(states.size()).isZero();
      assertThat(d.explanation()).hasSize(3);
      assertThatThrownBy(() -> m.score(List.of(w), new ArStates(null)))
          .hasMessageContaining("belong to another model");
    }
  }

  @Test
  void aManifestWithoutDetectorsScoresWithTheAutoencoderAlone() throws Exception {
    Path out = tmp.resolve("old");
    TrainingResult r = Trainer.train(InMemoryVectorSource.evenlySpaced(train, W), GLOBAL.dimension(), HP, out,
        p -> { });
    ModelManifest draft = ModelManifest.draft("old", GLOBAL, ModelMetadata.read(out), "quantile:0.999 of all",
        r.validationMetrics(), Instant.ofEpochSecond(T0 / 1_000_000), Instant.ofEpochSecond(T0 / 1_000_000 + 1),
        "test");
    registry.publish("old", out, draft);
    try (ScoringModel m = load("old")) {
      assertThat(m.manifest().detectors()).isNull();
      assertThat(m.hasAr()).isFalse();
      assertThat(m.memoryWindows()).isZero();
      Detection d = m.score(List.of(window(0, "global", train[0])), m.newArStates()).get(0);
      assertThat(d.ar()).isNull();
      assertThat(d.aeThreshold()).isEqualTo(r.threshold());
      assertThat(d.verdict().score()).isEqualTo(d.ae().score() / r.threshold());
    }
  }

  @Test
  void aDstPrefixRangeTooShortForAnyPrefixsOwnThresholdHasNoKeyHistory() throws Exception {
    // Three prefixes in each of 60 windows: 60 rows each, fewer than KeyHistory.MIN_ROWS.
    float[][] v = new Synthetic(PREFIX.dimension(), 3, 9).withSeed(7).benign(180);
    long[] starts = new long[v.length];
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < v.length; i++) {
      starts[i] = T0 + (i / 3) * W;
      keys.add("10.0." + (i % 3) + ".0/24");
    }
    Map<String, ScopeGroups.KeyTraffic> traffic = new HashMap<>();
    for (String k : new java.util.TreeSet<>(keys)) traffic.put(k, new ScopeGroups.KeyTraffic(60, 600, 10, 20));
    ScopeGroups.Plan plan = ScopeGroups.plan(traffic, 60, 60);
    assertThat(plan.groups()).isEqualTo(1);
    Path out = tmp.resolve("prefix-short");
    DetectorTrainer.Trained t = DetectorTrainer.grouped(List.of(new InMemoryVectorSource(starts, v)),
        g -> keys.iterator(), plan, 60, PREFIX, HP, out, p -> { });
    assertThat(t.detectors().keyHistory()).isNull();
    assertThat(t.detectors().rule()).isEqualTo(Detectors.RULE_AE);
    assertThat(out.resolve(KeyHistory.FILE_NAME)).doesNotExist();
    assertThat(t.metrics()).containsEntry("key_history_keys", 0.0);
    publish("short", PREFIX, out, t);
    try (ScoringModel m = load("short")) {
      assertThat(m.memoryWindows()).as("no per-key state to warm").isZero();
      assertThat(m.aeThreshold("10.0.1.0/24")).isEqualTo(t.detectors().scopeGroups().groups().get(0).threshold());
    }
  }

  @Test
  void aDstPrefixVersionJudgesEachPrefixWithItsTrafficGroupsModelAndUnseenPrefixesWithTheQuietest() throws Exception {
    // 30 quiet prefixes (1/20 of the traffic) and 6 busy ones, in every window of two days.
    Synthetic shape = new Synthetic(PREFIX.dimension(), 3, 9);
    Map<String, ScopeGroups.KeyTraffic> traffic = new HashMap<>();
    List<List<long[]>> rows = new ArrayList<>();
    List<float[][]> vectors = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < 36; k++) {
      String key = (k < 30 ? "10.0." : "192.0.") + k + ".0/24";
      keys.add(key);
      float[][] v = shape.withSeed(100 + k).benign(144);
      if (k < 30) for (float[] x : v) for (int j = 0; j < x.length; j++) x[j] /= 20;
      vectors.add(v);
      long packets = 0;
      for (float[] x : v) packets += Math.round(x[0] * 300);
      traffic.put(key, new ScopeGroups.KeyTraffic(v.length, packets, k < 30 ? k : 40, k < 30 ? 100 + k : 5000 + k));
    }
    ScopeGroups.Plan plan = ScopeGroups.plan(traffic, 144, 144);
    assertThat(plan.groups()).isGreaterThan(1);
    assertThat(plan.keysPerWindow()).isEqualTo(36.0);
    List<List<Integer>> byGroup = new ArrayList<>();
    for (int g = 0; g < plan.groups(); g++) byGroup.add(new ArrayList<>());
    for (int k = 0; k < keys.size(); k++) byGroup.get(plan.assignments().get(keys.get(k))).add(k);
    List<VectorSource> sources = new ArrayList<>();
    List<List<String>> groupKeys = new ArrayList<>();
    for (List<Integer> members : byGroup) {
      List<float[]> v = new ArrayList<>();
      List<Long> starts = new ArrayList<>();
      List<String> rowKeys = new ArrayList<>();
      for (int t = 0; t < 144; t++) {
        for (int k : members) {
          v.add(vectors.get(k)[t]);
          starts.add(T0 + t * W);
          rowKeys.add(keys.get(k));
        }
      }
      sources.add(new InMemoryVectorSource(starts.stream().mapToLong(Long::longValue).toArray(),
          v.toArray(new float[0][])));
      groupKeys.add(rowKeys);
    }
    Path out = tmp.resolve("prefix");
    DetectorTrainer.Trained trained = DetectorTrainer.grouped(sources, g -> groupKeys.get(g).iterator(), plan, 144,
        PREFIX, HP, out, p -> { });
    // The held-out rows: the tail of each group's rows (its validation windows), each with its own key.
    long heldOut = 0;
    for (VectorSource src : sources) heldOut += Trainer.validationRows(src.size(), HP.validationFraction());
    assertThat(trained.metrics()).containsEntry(DetectorTrainer.HELD_OUT_ROWS, (double) heldOut);
    List<String> heldOutKeys = Files.readAllLines(out.resolve(HeldOut.KEYS));
    assertThat(heldOutKeys).hasSize((int) heldOut);
    List<String> expectedKeys = new ArrayList<>();
    for (int g = 0; g < sources.size(); g++) {
      List<String> rk = groupKeys.get(g);
      expectedKeys.addAll(rk.subList(rk.size() - (int) Trainer.validationRows(rk.size(), HP.validationFraction()),
          rk.size()));
    }
    assertThat(heldOutKeys).containsExactlyInAnyOrderElementsOf(expectedKeys); // merged in time order
    publish("grouped", PREFIX, out, trained);
    try (ScoringModel m = load("grouped")) {
      Detectors d = m.manifest().detectors();
      assertThat(d.ar()).isNull();
      assertThat(d.arNote()).startsWith("dst-prefix");
      assertThat(d.aeRiskDivisor()).isEqualTo(36.0);
      assertThat(d.scopeGroups().groups()).hasSize(plan.groups());
      assertThat(d.scopeGroups().groups().get(0).calibration().method())
          .isEqualTo(ThresholdMethod.parse("quantile:0.999").withRiskDividedBy(36).text());
      assertThat(m.manifest().files()).containsKeys("scope-groups.json", "group-0/model.json",
          "group-0/autoencoder-0000.params", "group-1/model.json");
      assertThat(m.group("10.0.3.0/24")).isEqualTo(plan.assignments().get("10.0.3.0/24")).isLessThan(plan.groups() - 1);
      assertThat(m.group("192.0.33.0/24")).isEqualTo(plan.groups() - 1);
      assertThat(m.group("203.0.113.0/24")).as("unseen").isEqualTo(ScopeGroups.UNSEEN_GROUP);
      // Every training prefix has 144 rows, enough for a threshold of its own; an unseen one has its group's.
      assertThat(d.keyHistory()).isEqualTo(KeyHistory.of(36));
      assertThat(d.rule()).isEqualTo(Detectors.RULE_KEY_HISTORY);
      assertThat(m.manifest().files()).containsKey(KeyHistory.FILE_NAME);
      Map<String, Double> own = KeyHistory.Thresholds.read(out).byKey();
      assertThat(own).hasSize(36);
      assertThat(m.aeThreshold("192.0.33.0/24")).isEqualTo(own.get("192.0.33.0/24"))
          .isNotEqualTo(d.scopeGroups().groups().get(plan.groups() - 1).threshold());
      assertThat(m.aeThreshold("203.0.113.0/24")).isEqualTo(d.scopeGroups().groups().get(0).threshold());
      List<ScoringModel.Window> windows = List.of(
          new ScoringModel.Window(T0, "10.0.3.0/24", vectors.get(3)[0], 1, 1, 1, 1, 1, null, null, null, null),
          new ScoringModel.Window(T0, "192.0.33.0/24", vectors.get(33)[0], 1, 1, 1, 1, 1, null, null, null, null));
      List<Detection> scored = m.score(windows, m.newArStates());
      assertThat(scored).extracting(Detection::group).containsExactly(m.group("10.0.3.0/24"), plan.groups() - 1);
      assertThat(scored).allSatisfy(x -> assertThat(x.ar()).isNull());
      // Each row scored by its group's autoencoder: the same window as its group's own model scores it.
      try (AnomalyModel busy = AnomalyModel.load(out.resolve("group-" + (plan.groups() - 1)), PREFIX)) {
        assertThat(scored.get(1).ae().score()).isEqualTo(busy.scoreOne(vectors.get(33)[0]).score());
        // The gate's log1p-space error, routed the same way; the standardised error times each feature's std.
        float[] x = vectors.get(33)[0];
        double log1p = m.log1pErrors(List.of("10.0.3.0/24", "192.0.33.0/24"), new float[][] {vectors.get(3)[0], x})[1];
        assertThat(log1p).isEqualTo(busy.log1pErrors(new float[][] {x})[0]);
        // Not the standardised score: the group's std is not 1 on every feature.
        assertThat(log1p).isNotEqualTo(scored.get(1).ae().score());
      }

      // A flood on 192.0.33.0/24 for five windows of the next day, and one single-window burst on 10.0.3.0/24: the
      // flood is a verdict from its third window on, the burst never, however high.
      float[] flood = vectors.get(33)[0].clone();
      for (int j = 0; j < flood.length; j++) flood[j] = flood[j] * 50 + 500;
      List<ScoringModel.Window> next = new ArrayList<>();
      for (int t = 0; t < 5; t++) {
        next.add(new ScoringModel.Window(T0 + (288 + t) * W, "192.0.33.0/24", flood, 1, 1, 1, 1, 1, null, null, null,
            null));
        next.add(new ScoringModel.Window(T0 + (288 + t) * W, "10.0.3.0/24", t == 2 ? flood : vectors.get(3)[t], 1, 1,
            1, 1, 1, null, null, null, null));
      }
      List<Detection> verdicts = m.score(next, m.newArStates());
      List<Boolean> floodVerdicts = new ArrayList<>();
      for (int t = 0; t < 5; t++) {
        Detection f = verdicts.get(2 * t);
        assertThat(f.ae().score()).as("window %d above the prefix's own threshold", t).isGreaterThan(f.aeThreshold());
        floodVerdicts.add(f.verdict().anomaly());
      }
      assertThat(floodVerdicts).containsExactly(false, false, true, true, true);
      assertThat(verdicts.get(4).explanation().get(0))
          .isEqualTo("above the prefix's own threshold in 3+ of its last 5 windows");
      Detection burst = verdicts.get(5);
      assertThat(burst.ae().score()).isGreaterThan(burst.aeThreshold());
      assertThat(burst.verdict().anomaly()).isFalse();
      // Batch scoring of the last two windows after a warm-up of the three before gives the same verdicts (scores equal
      // up to libtorch's rounding, which depends on the batch).
      ArStates warmed = m.newArStates();
      m.score(next.subList(0, 6), warmed);
      List<Detection> ranged = m.score(next.subList(6, 10), warmed);
      for (int i = 0; i < ranged.size(); i++) {
        Fusion.Verdict all = verdicts.get(6 + i).verdict();
        assertThat(ranged.get(i).verdict().anomaly()).isEqualTo(all.anomaly());
        assertThat(ranged.get(i).verdict().score()).isCloseTo(all.score(), org.assertj.core.data.Percentage
            .withPercentage(1e-4));
      }
      // Without the warm-up the flood's fourth window has no history yet: no verdict.
      assertThat(m.score(next.subList(6, 8), m.newArStates()).get(0).verdict().anomaly()).isFalse();

      // The prefix rate, in the window the records arrive: 10.0.3.0/24 had at most 3 flow records in a training
      // window, so its threshold is max(1.2 x 3, 3 + 3 sqrt(3)) = 8.2 a window: 9 fire, 8 do not. An unseen prefix is
      // held to its group's (the quietest) busiest key instead.
      long unseenMax = (long) Math.floor(RateRule.threshold(plan.groupMaxFlows(ScopeGroups.UNSEEN_GROUP), 300) * 300);
      float[] quiet = vectors.get(3)[0];
      List<Detection> counted = m.score(List.of(
          new ScoringModel.Window(T0 + 400 * W, "10.0.3.0/24", quiet, 8, 1, 1, 1, 1, null, null, null, null),
          new ScoringModel.Window(T0 + 401 * W, "10.0.3.0/24", quiet, 9, 1, 1, 1, 1, null, null, null, null),
          new ScoringModel.Window(T0 + 400 * W, "203.0.113.0/24", quiet, unseenMax, 1, 1, 1, 1, null, null, null, null),
          new ScoringModel.Window(T0 + 401 * W, "203.0.113.0/24", quiet, unseenMax + 1, 1, 1, 1, 1, null, null, null,
              null)),
          m.newArStates());
      assertThat(counted).extracting(x -> x.verdict().anomaly()).containsExactly(false, true, false, true);
      assertThat(counted).extracting(x -> x.verdict().fired())
          .containsExactly(Fusion.Fired.NONE, Fusion.Fired.RATE, Fusion.Fired.NONE, Fusion.Fired.RATE);
      assertThat(counted.get(1).verdict().score()).isCloseTo(9 / (3 + 3 * Math.sqrt(3)), within(1e-9));
      assertThat(counted.get(0).verdict().score()).as("below 1, yet ranked by the rate")
          .isCloseTo(8 / (3 + 3 * Math.sqrt(3)), within(1e-9));
      assertThat(counted.get(1).explanation().get(0)).isEqualTo("prefix flow records 0.03/s > 0.03 (x1.1)");
      assertThat(counted.get(3).explanation().get(0)).startsWith(PrefixRate.LABEL)
          .endsWith("its traffic group's busiest; no history of its own)");
      assertThat(counted.get(2).explanation()).noneMatch(e -> e.startsWith(PrefixRate.LABEL));

      // The single-conversation exception: the same five-window flood on 192.0.33.0/24, 96% of its packets from one
      // source to one port. Within its group's busiest training window (the last group's busiest key, 192.0.35.0/24,
      // had 5,035 packets in one) the sustained verdict is withdrawn, and says so; one packet more, a top source or a
      // top port at half of the packets (two sources; a scan's many ports), or no top talkers stored (older rows), and
      // it stands.
      long busiest = plan.groupMaxPackets(plan.groups() - 1);
      assertThat(busiest).isEqualTo(5035);
      assertThat(KeyHistory.Thresholds.read(out).groupMaxPackets()).hasSize(plan.groups()).contains(busiest);
      List<String> oneSource = List.of("198.18.2.9 (96%)", "203.0.113.9 (2%)");
      List<String> onePort = List.of("63003 (96%)", "59874 (2%)");
      FloodWindows floodOf = (packets, talkers, ports) -> {
        List<ScoringModel.Window> w = new ArrayList<>();
        for (int t = 0; t < 5; t++) {
          w.add(new ScoringModel.Window(T0 + (500 + t) * W, "192.0.33.0/24", flood, 1, packets, 1, 1, 1, null, null,
              talkers, ports));
        }
        return w;
      };
      java.util.function.Function<List<ScoringModel.Window>, List<Boolean>> verdictsOf = w -> m.score(w,
          m.newArStates()).stream().map(x -> x.verdict().anomaly()).toList();
      List<Detection> single = m.score(floodOf.apply(busiest, oneSource, onePort), m.newArStates());
      assertThat(single).extracting(x -> x.verdict().anomaly()).containsOnly(false);
      assertThat(single.subList(2, 5)).allSatisfy(x -> {
        assertThat(x.verdict().score()).isEqualTo(Fusion.THRESHOLD);
        assertThat(x.verdict().fired()).isEqualTo(Fusion.Fired.NONE);
        assertThat(x.explanation().get(0)).isEqualTo("above the prefix's own threshold in 3+ of its last 5 windows,"
            + " but one conversation's traffic (src 198.18.2.9 (96%), dst port 63003 (96%)), within its traffic"
            + " group's busiest training window (5,035 <= 5,035 packets): no verdict by the prefix's own threshold");
      });
      assertThat(single.get(0).verdict().score()).as("not yet sustained: its own ratio, below 1").isLessThan(1);
      List<Boolean> stands = List.of(false, false, true, true, true);
      assertThat(verdictsOf.apply(floodOf.apply(busiest + 1, oneSource, onePort))).isEqualTo(stands);
      assertThat(verdictsOf.apply(floodOf.apply(busiest, List.of("198.18.2.9 (50%)", "198.18.2.10 (50%)"), onePort)))
          .isEqualTo(stands);
      assertThat(verdictsOf.apply(floodOf.apply(busiest, oneSource, List.of("443 (>=9%)", "80 (>=3%)"))))
          .isEqualTo(stands);
      assertThat(verdictsOf.apply(floodOf.apply(busiest, List.of(), List.of()))).isEqualTo(stands);
    }
  }

  /** A flood's five windows with these packets and top talkers. */
  private interface FloodWindows {
    List<ScoringModel.Window> apply(long packets, List<String> sources, List<String> dstPorts);
  }

  @Test
  void withoutTheSeriesOrWithArOrderZeroTheAutoencoderGetsTheWholeBudgetAndTheManifestSaysWhy() {
    Path out = tmp.resolve("no-ar");
    DetectorTrainer.Trained t = DetectorTrainer.global(InMemoryVectorSource.evenlySpaced(train, W), null,
        "port_vectors rows of the range predate the sources column", GLOBAL, HP, out, p -> { });
    assertThat(t.detectors().ar()).isNull();
    assertThat(t.detectors().aeRiskDivisor()).isEqualTo(1.0);
    assertThat(t.detectors().arNote()).contains("predate the sources column");
    assertThat(t.metadata().calibration().method()).isEqualTo("quantile:0.999");
    assertThat(Files.exists(out.resolve("ar-forecaster.json"))).isFalse();
    DetectorTrainer.Trained off = DetectorTrainer.global(InMemoryVectorSource.evenlySpaced(train, W),
        new ArTrainingSeries(300, ArSeries.names(GLOBAL)), null, GLOBAL, HP.withAr(0, null), tmp.resolve("off"),
        p -> { });
    assertThat(off.detectors().arNote()).isEqualTo("ar_order is 0");
    assertThatThrownBy(() -> DetectorTrainer.global(InMemoryVectorSource.evenlySpaced(train, W), null, "x", PREFIX,
        HP, tmp.resolve("wrong"), p -> { })).hasMessageContaining("not global");
  }
}
