package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
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
}
