package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains real (tiny) models with DJL/PyTorch; each run takes well under a second once the engine is loaded. */
class TrainerTest {
  /** 3 source + 3 destination ports × (pps, opposite ports), no "other" buckets: 12 features. */
  private static final FeatureSpec SPEC = new FeatureSpec("test", "", 300, Scope.GLOBAL, 24, 64, List.of(80, 443, 53),
      List.of(80, 443, 53), List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS), false);
  private static final int DIM = SPEC.dimension();
  private static final Hyperparameters SMALL = new Hyperparameters(List.of(8, 4), 4, 32, 1e-2, "adam", 42L, 0, 0.1,
      ThresholdMethod.parse("quantile:0.999"));

  @TempDir Path dir;

  private static VectorSource benign(int n, long seed) {
    return InMemoryVectorSource.evenlySpaced(new Synthetic(DIM, 3, 1).withSeed(seed).benign(n), 300_000_000L);
  }

  @Test
  void sameDataAndSeedGiveIdenticalWeightsAndLosses_otherSeedDiffers() throws IOException {
    VectorSource data = benign(600, 5);
    TrainingResult a = Trainer.train(data, DIM, SMALL, dir.resolve("a"), p -> { });
    TrainingResult b = Trainer.train(data, DIM, SMALL, dir.resolve("b"), p -> { });
    TrainingResult c = Trainer.train(data, DIM, SMALL.withSeed(43), dir.resolve("c"), p -> { });

    assertThat(a.paramsFile().getFileName().toString()).isEqualTo("autoencoder-0000.params");
    assertThat(Files.readAllBytes(b.paramsFile())).isEqualTo(Files.readAllBytes(a.paramsFile()));
    assertThat(losses(b)).isEqualTo(losses(a));
    assertThat(b.threshold()).isEqualTo(a.threshold());
    assertThat(Files.readAllBytes(c.paramsFile())).isNotEqualTo(Files.readAllBytes(a.paramsFile()));
    assertThat(losses(c)).isNotEqualTo(losses(a));
  }

  /**
   * Two trainings at once in one JVM, as two Spark tasks of one executor run them: each gets exactly the weights it gets
   * alone. Fails if the initial weights came from libtorch's process-wide generator (interleaved draws), and DJL's own
   * gradient collector would refuse the second training outright.
   */
  @Test
  void concurrentTrainingsInOneJvmGiveTheWeightsEachGetsAlone() throws Exception {
    VectorSource first = benign(3000, 5);
    VectorSource second = benign(3000, 6);
    Hyperparameters hp = SMALL.withEpochs(6, 0);
    TrainingResult aloneFirst = Trainer.train(first, DIM, hp, dir.resolve("alone-1"), p -> { });
    TrainingResult aloneSecond = Trainer.train(second, DIM, hp.withSeed(7), dir.resolve("alone-2"), p -> { });

    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      var a = pool.submit(() -> {
        start.await();
        return Trainer.train(first, DIM, hp, dir.resolve("together-1"), p -> { });
      });
      var b = pool.submit(() -> {
        start.await();
        return Trainer.train(second, DIM, hp.withSeed(7), dir.resolve("together-2"), p -> { });
      });
      start.countDown();
      assertThat(Files.readAllBytes(a.get().paramsFile())).isEqualTo(Files.readAllBytes(aloneFirst.paramsFile()));
      assertThat(Files.readAllBytes(b.get().paramsFile())).isEqualTo(Files.readAllBytes(aloneSecond.paramsFile()));
      assertThat(losses(a.get())).isEqualTo(losses(aloneFirst));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void holdsOutTheMostRecentTenPercentAndReportsEveryEpoch() {
    List<EpochProgress> seen = new ArrayList<>();
    TrainingResult r = Trainer.train(benign(600, 6), DIM, SMALL, dir, seen::add);
    assertThat(r.trainWindows()).isEqualTo(540);
    assertThat(r.validationWindows()).isEqualTo(60);
    assertThat(seen).hasSize(4).isEqualTo(r.epochs());
    assertThat(seen).extracting(EpochProgress::epoch).containsExactly(1, 2, 3, 4);
    assertThat(seen).allSatisfy(p -> assertThat(p.seconds()).isPositive());
    assertThat(seen.get(0).line()).matches("epoch 1/4 train_loss=\\d+\\.\\d{6} val_loss=\\d+\\.\\d{6} seconds=.*");
    assertThat(r.earlyStopped()).isFalse();
    assertThat(r.validationMetrics()).containsKeys("val_loss", "val_score_mean", "val_score_p99", "val_score_max");
    assertThat(r.engine()).contains("PyTorch").contains("DJL");
    // the scratch files are gone; the model files stay
    assertThat(dir.toFile().list()).containsExactlyInAnyOrder("autoencoder-0000.params", "model.json");
    ModelMetadata meta = ModelMetadata.read(dir);
    assertThat(meta.threshold()).isEqualTo(r.threshold());
    assertThat(meta.hyperparameters()).isEqualTo(SMALL);
    assertThat(meta.mean()).containsExactly(r.normalizer().mean());
    assertThat(meta.bestEpoch()).isEqualTo(r.bestEpoch());
  }

  @Test
  void tooFewValidationWindowsForTheQuantileCalibrateOnTheWholeRange() {
    // 600 windows, 60 validate: fewer than the 1,000 that quantile:0.999 needs, so all 600 scores count, and the
    // threshold is the largest score of the range (nearest rank of 0.999 over 600 is the 600th).
    VectorSource data = benign(600, 9);
    TrainingResult r = Trainer.train(data, DIM, SMALL, dir, p -> { });
    assertThat(r.thresholdBasis()).isEqualTo("scores of all 600 windows of the training range (60 validation"
        + " windows < 1000)");
    assertThat(r.validationMetrics().get("threshold_windows")).isEqualTo(600.0);
    try (AnomalyModel model = AnomalyModel.load(dir, SPEC)) {
      double[] all = model.scores(data);
      // close, not equal: batch composition can change the last float bits of a score (see the model card)
      assertThat(r.threshold()).isCloseTo(Arrays.stream(all).max().orElseThrow(), within(1e-5 * r.threshold()));
      assertThat(r.threshold()).isGreaterThanOrEqualTo(r.validationMetrics().get("val_score_max"));
    }
    // quantile:0.9 needs 10: the 60 validation windows are enough and the only ones used
    Hyperparameters q90 = new Hyperparameters(SMALL.hiddenSizes(), SMALL.epochs(), SMALL.batchSize(),
        SMALL.learningRate(), SMALL.optimiser(), SMALL.seed(), SMALL.patience(), SMALL.validationFraction(),
        ThresholdMethod.parse("quantile:0.9"));
    TrainingResult v = Trainer.train(data, DIM, q90, dir.resolve("q90"), p -> { });
    assertThat(v.thresholdBasis()).isEqualTo("validation scores");
    assertThat(v.validationMetrics().get("threshold_windows")).isEqualTo(60.0);
    try (AnomalyModel model = AnomalyModel.load(dir.resolve("q90"), SPEC)) {
      assertThat(v.threshold()).isCloseTo(new ThresholdMethod.Quantile(0.9).threshold(model.scores(
          data.slice(540, 600))), within(1e-5 * v.threshold()));
    }
  }

  @Test
  void earlyStoppingKeepsTheBestEpochAfterPatienceRunsOut() {
    // A far too high learning rate makes the validation loss jump around, so it soon stops improving.
    Hyperparameters wild = new Hyperparameters(List.of(8, 4), 40, 16, 0.5, "adam", 42L, 2, 0.1,
        ThresholdMethod.parse("sigma:3"));
    TrainingResult r = Trainer.train(benign(400, 7), DIM, wild, dir, p -> { });
    assertThat(r.earlyStopped()).isTrue();
    assertThat(r.epochs()).hasSize(r.bestEpoch() + 2);
    double bestLoss = r.epochs().get(r.bestEpoch() - 1).validationLoss();
    assertThat(r.epochs()).allSatisfy(p -> assertThat(p.validationLoss()).isGreaterThanOrEqualTo(bestLoss));
    assertThat(r.validationMetrics().get("val_loss")).isEqualTo(bestLoss);
    // the saved weights are the best epoch's: scoring the validation windows reproduces its loss
    assertThat(r.validationMetrics().get("val_score_mean")).isCloseTo(bestLoss, within(1e-4 * bestLoss + 1e-9));
  }

  @Test
  void earlyStoppingRule() {
    EarlyStopping s = new EarlyStopping(2);
    assertThat(s.update(1, 1.0)).isTrue();
    assertThat(s.update(2, 1.0)).isFalse(); // equal is not better
    assertThat(s.shouldStop(2)).isFalse();
    assertThat(s.update(3, Double.NaN)).isFalse();
    assertThat(s.shouldStop(3)).isTrue();
    assertThat(s.bestEpoch()).isEqualTo(1);
    EarlyStopping never = new EarlyStopping(0);
    never.update(1, 1.0);
    assertThat(never.shouldStop(100)).isFalse();
  }

  @Test
  void flagsInjectedAnomaliesAndNamesThePerturbedFeature() {
    Synthetic world = new Synthetic(DIM, 3, 1).withSeed(11);
    Hyperparameters hp = new Hyperparameters(List.of(8, 4), 40, 32, 1e-2, "adam", 42L, 5, 0.1,
        ThresholdMethod.parse("quantile:0.999"));
    TrainingResult r = Trainer.train(InMemoryVectorSource.evenlySpaced(world.benign(3000), 300_000_000L), DIM, hp,
        dir, p -> { });
    try (AnomalyModel model = AnomalyModel.load(dir, SPEC)) {
      float[][] heldOut = world.benign(1000);
      Score[] benignScores = model.score(heldOut);
      long falseAlarms = Arrays.stream(benignScores).filter(s -> s.score() > r.threshold()).count();
      assertThat(falseAlarms).as("benign held-out windows above the threshold").isLessThanOrEqualTo(10);

      float[][] attacked = world.benign(DIM);
      for (int f = 0; f < DIM; f++) {
        attacked[f][f] *= 100; // window f has feature f a hundred times too high
      }
      Score[] attackScores = model.score(attacked);
      for (int f = 0; f < DIM; f++) {
        Score s = attackScores[f];
        assertThat(s.score()).as("score of the anomaly on feature %d", f).isGreaterThan(r.threshold());
        assertThat(s.topFeatures()[0]).as("top feature of anomaly %d", f).isEqualTo(f);
        assertThat(s.topShares()[0]).isGreaterThan(s.topShares()[1]).isLessThanOrEqualTo(1.0);
        assertThat(s.topFeatures()).hasSize(3).doesNotHaveDuplicates();
      }
      // position 6 is the first destination slot's first feature
      assertThat(model.explain(attackScores[6]).get(0)).startsWith(SPEC.featureNames().get(6) + " (");
      assertThat(model.explain(attackScores[6]).get(0)).startsWith("dst_port 80 pps (");
    }
  }

  @Test
  void loadedModelReproducesTheTrainingScores() {
    VectorSource data = benign(800, 8);
    TrainingResult r = Trainer.train(data, DIM, SMALL, dir, p -> { });
    VectorSource validation = data.slice(720, 800);
    try (AnomalyModel fromJson = AnomalyModel.load(dir, SPEC);
        AnomalyModel explicit = AnomalyModel.load(dir, SPEC, r.normalizer().mean(), r.normalizer().std(), SMALL)) {
      double[] scores = fromJson.scores(validation);
      assertThat(explicit.scores(validation)).containsExactly(scores);
      // the in-training model's validation loss (computed by libtorch) is the mean of the loaded model's scores
      double mean = Arrays.stream(scores).average().orElseThrow();
      assertThat(mean).isCloseTo(r.validationMetrics().get("val_loss"), within(1e-5 * mean));
      // 80 validation windows are too few for quantile:0.999, so the threshold is that of every window of the range
      double overRange = SMALL.threshold().threshold(fromJson.scores(data));
      assertThat(r.threshold()).isCloseTo(overRange, within(1e-5 * overRange))
          .isGreaterThanOrEqualTo(SMALL.threshold().threshold(scores));
      // one-at-a-time scoring agrees up to float rounding (libtorch picks other kernels for a batch of one) ...
      float[] row = new float[DIM];
      validation.read(3, row, 0);
      assertThat(fromJson.scoreOne(row).score()).isCloseTo(scores[3], within(1e-6 * scores[3]));
      // ... and the same batches give exactly the same scores whichever entry point is used
      float[][] all = new float[80][];
      for (int i = 0; i < 80; i++) {
        all[i] = new float[DIM];
        validation.read(i, all[i], 0);
      }
      assertThat(Arrays.stream(fromJson.score(all)).mapToDouble(Score::score).toArray()).containsExactly(scores);
    }
  }

  /**
   * Trimmed retraining against attacks inside the training range: 6 of 600 windows (1%) carry two features thirty
   * times too high. Untrimmed, quantile:0.999 of the range is in effect its largest score, one of those windows, and a
   * held-out attack ten times weaker passes unflagged; with trim_fraction 0.02 the first pass finds all six, the
   * second model never sees them, and its threshold sits at the quiet windows' level and flags every held-out attack.
   */
  @Test
  void trimmedRetrainingKeepsAttacksInTheTrainingRangeOutOfModelAndThreshold() throws IOException {
    Synthetic world = new Synthetic(DIM, 3, 1).withSeed(21);
    float[][] vectors = world.benign(600);
    int[] planted = {50, 150, 250, 350, 450, 570}; // 570 is a validation window (the last 60)
    for (int i : planted) {
      vectors[i][i % DIM] *= 30;
      vectors[i][(i + 5) % DIM] *= 30;
    }
    VectorSource range = InMemoryVectorSource.evenlySpaced(vectors, 300_000_000L);
    Hyperparameters untrimmed = new Hyperparameters(List.of(8, 4), 40, 32, 1e-2, "adam", 42L, 5, 0.1,
        ThresholdMethod.parse("quantile:0.999"), 0.0);
    TrainingResult plain = Trainer.train(range, DIM, untrimmed, dir.resolve("plain"), p -> { });
    TrainingResult trimmed = Trainer.train(range, DIM, untrimmed.withTrimFraction(0.02), dir.resolve("trim"), p -> { });

    Calibration c = trimmed.calibration();
    assertThat(c.trimmed()).isEqualTo(11 + 1); // round(0.02 · 540) training + round(0.02 · 60) validation windows
    assertThat(c.trimFraction()).isEqualTo(0.02);
    assertThat(c.trimmedWindowStarts()).hasSize(12).containsAll(Arrays.stream(planted)
        .mapToObj(i -> java.time.Instant.ofEpochSecond(i * 300L).toString()).toList());
    assertThat(trimmed.trainWindows()).isEqualTo(540 - 11);
    assertThat(trimmed.validationWindows()).isEqualTo(60 - 1);
    assertThat(c.windows()).isEqualTo(588);
    assertThat(trimmed.validationMetrics()).containsEntry("trimmed_windows", 12.0).containsEntry("threshold_windows",
        588.0);
    assertThat(trimmed.thresholdBasis()).isEqualTo("scores of all 588 kept windows of the training range (12 of 600"
        + " trimmed; 59 validation windows < 1000)");
    assertThat(plain.calibration().trimmed()).isZero();
    assertThat(plain.calibration().trimmedWindowStarts()).isEmpty();

    float[][] heldOut = world.benign(1000);
    float[][] attacks = world.benign(DIM);
    for (int f = 0; f < DIM; f++) {
      attacks[f][f] *= 3; // a tenth of the planted factor, on one feature
      attacks[f][(f + 5) % DIM] *= 3;
    }
    try (AnomalyModel plainModel = AnomalyModel.load(dir.resolve("plain"), SPEC);
        AnomalyModel trimmedModel = AnomalyModel.load(dir.resolve("trim"), SPEC)) {
      long missedUntrimmed = Arrays.stream(plainModel.score(attacks)).filter(s -> s.score() <= plain.threshold()).count();
      long missedTrimmed = Arrays.stream(trimmedModel.score(attacks)).filter(s -> s.score() <= trimmed.threshold())
          .count();
      long falseAlarms = Arrays.stream(trimmedModel.score(heldOut)).filter(s -> s.score() > trimmed.threshold()).count();
      assertThat(missedUntrimmed).as("held-out attacks under the untrimmed threshold").isGreaterThan(DIM / 2);
      assertThat(missedTrimmed).as("held-out attacks under the trimmed threshold").isZero();
      assertThat(falseAlarms).as("held-out quiet windows above the trimmed threshold").isLessThanOrEqualTo(50);
      assertThat(plain.threshold()).isGreaterThan(5 * trimmed.threshold());
    }
    // the same data and seed give the same two passes, byte for byte
    TrainingResult again = Trainer.train(range, DIM, untrimmed.withTrimFraction(0.02), dir.resolve("again"), p -> { });
    assertThat(Files.readAllBytes(again.paramsFile())).isEqualTo(Files.readAllBytes(trimmed.paramsFile()));
    assertThat(again.calibration()).isEqualTo(c);
    assertThat(dir.resolve("trim").toFile().list()).containsExactlyInAnyOrder("autoencoder-0000.params", "model.json");
  }

  @Test
  void theCalibrationRecordGoesIntoModelJsonAndTheDraftManifest() {
    // pot:1/day on 5-minute windows: the trainer infers the window length from the window starts
    Hyperparameters pot = SMALL.withThreshold(ThresholdMethod.parse("pot:1/day"));
    TrainingResult r = Trainer.train(benign(600, 10), DIM, pot, dir, p -> { });
    Calibration c = r.calibration();
    assertThat(c.method()).isEqualTo("pot:1.0/day,init=0.9,censor=0.01");
    assertThat(c.basis()).isEqualTo(Calibration.TRAINING_RANGE); // 60 validation windows < the 170 pot needs
    assertThat(c.windows()).isEqualTo(600);
    assertThat(c.parameters()).containsEntry("window_seconds", 300.0).containsEntry("risk_per_window", 300 / 86_400.0)
        .containsKeys("initial_threshold", "peaks", "censored", "outliers", "shape", "scale_log");
    assertThat(r.thresholdMethod()).isEqualTo(ThresholdMethod.parse("pot:1/day"));

    ModelMetadata meta = ModelMetadata.read(dir);
    assertThat(meta.calibration()).isEqualTo(c);
    assertThat(meta.withThreshold(1.0).calibration()).as("a threshold set by hand was not calibrated").isNull();
    ModelManifest draft = ModelManifest.draft("flow-ae", SPEC, meta, r.thresholdMethod().text() + " of "
        + r.thresholdBasis(), r.validationMetrics(), java.time.Instant.EPOCH, java.time.Instant.EPOCH.plusSeconds(3600),
        "dev");
    assertThat(draft.calibration()).isEqualTo(c);
    assertThat(draft.toJson()).contains("\"calibration\" : {").contains("\"method\" : \"pot:1.0/day,init=0.9,censor=0.01\"");
    assertThat(ModelManifest.fromJson(draft.published(1, java.time.Instant.EPOCH, java.util.Map.of("a.params",
        "0".repeat(64))).toJson(), "t").calibration()).isEqualTo(c);
  }

  @Test
  void aRangeTooShortForTheMethodIsRefusedBeforeTraining() {
    Hyperparameters mad = SMALL.withThreshold(ThresholdMethod.parse("mad:3"));
    assertThatThrownBy(() -> Trainer.train(benign(60, 11), DIM, mad, dir, p -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot calibrate threshold mad:3.0: it needs at least 100 scores, and the training range has 60"
            + " windows (train on a longer range, or choose a method that needs fewer)");
    assertThat(dir.toFile().list()).isEmpty();
  }

  @Test
  void theWindowLengthIsTheSmallestStepBetweenWindowStarts() {
    float[][] v = new float[5][DIM];
    long[] prefixes = {0, 0, 300_000_000L, 300_000_000L, 1_500_000_000L}; // two prefixes a window, then a gap
    InMemoryVectorSource source = new InMemoryVectorSource(prefixes, v);
    assertThat(Trainer.windowSeconds(source.slice(0, 3), source.slice(3, 5))).isEqualTo(300.0);
    assertThat(Trainer.windowSeconds(source.slice(0, 1), source.slice(1, 2))).isNaN();
  }

  @Test
  void autoencoderIsTheReferenceArchitecture() {
    SequentialBlock block = Autoencoder.build(64, List.of(20, 20));
    DjlRuntime.engine();
    try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(DjlRuntime.ENGINE_NAME)) {
      block.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 64));
      List<String> layers = new ArrayList<>();
      for (var child : block.getChildren().values()) {
        layers.add(child.getClass().getSimpleName());
      }
      assertThat(layers).containsExactly("Linear", "LambdaBlock", "Linear", "LambdaBlock", "Linear", "LambdaBlock",
          "Linear");
      List<String> weightShapes = block.getParameters().stream()
          .filter(p -> p.getKey().endsWith("weight")).map(p -> p.getValue().getArray().getShape().toString()).toList();
      assertThat(weightShapes).containsExactly("(20, 64)", "(20, 20)", "(20, 20)", "(64, 20)");
    }
  }

  private static List<Double> losses(TrainingResult r) {
    List<Double> out = new ArrayList<>();
    r.epochs().forEach(p -> {
      out.add(p.trainLoss());
      out.add(p.validationLoss());
    });
    return out;
  }

  @Test
  void aRangeShorterThanADayIsWarnedAbout() {
    long hour = 3_600_000_000L;
    String half = Trainer.partOfADay(0, 12 * hour - 300_000_000L, 300);
    assertThat(half).startsWith("the training range spans 12.0 h, less than a day")
        .contains("no time-of-day input");
    assertThat(Trainer.partOfADay(0, 24 * hour - 300_000_000L, 300)).isNull(); // 288 windows of 5 minutes
    assertThat(Trainer.partOfADay(5 * hour, 5 * hour, Double.NaN)).startsWith("the training range spans 0.0 h");
  }
}
