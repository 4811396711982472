package io.kaminari.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.kaminari.common.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the autoencoder on time-ordered vectors with DJL/PyTorch on the CPU and writes {@code autoencoder-0000.params}
 * (the best epoch's weights) and {@code model.json} (normalisation, threshold, hyperparameters) into a directory.
 *
 * <p>Loss: plain mean squared error over all features of the standardised vectors — DJL's {@code L2Loss} with weight
 * 1, not its default 1/2 — so training loss, validation loss and the anomaly score are the same quantity.
 *
 * <p>Memory: the vectors are streamed, never held. One pass fits the {@link Normalizer}; a second writes the
 * standardised vectors to scratch {@link VectorFile}s in the output directory (deleted at the end), which each epoch
 * then reads in shuffled order one batch at a time. The heap holds one batch, a 4-byte shuffle index per training
 * window (40 MB for 10 M windows) and the validation scores (8 bytes per validation window); the disk needs about
 * twice the size of the vectors. Standardising once up front also keeps {@code log1p} out of the epoch loop. Trimmed
 * retraining ({@link Hyperparameters#trimFraction()}) adds one score per window of the range while it ranks them (8
 * bytes) and keeps the chosen windows as an index (4 bytes per kept window) over the same source, never a copy.
 *
 * <p>Threshold: {@link Calibrator} scores the calibration windows with the kept weights and applies the
 * {@link ThresholdMethod}; see {@code models/flow-ae/MODEL_CARD.md}.
 *
 * <p>Determinism: the initial weights and the shuffle come from one {@link SplittableRandom} seeded with
 * {@link Hyperparameters#seed()}, never from libtorch's process-wide generator, and libtorch runs one thread (see
 * {@link DjlRuntime}), so the same data and seed give a byte-identical params file, with or without trimmed retraining
 * (its ranking breaks ties by time), and whatever else trains in the same JVM at the same time.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  /** Validation windows per libtorch call; no gradients, so larger batches only cost memory. */
  private static final int EVAL_BATCH = 4096;

  private Trainer() {}

  /**
   * Trains on {@code windows}, holding out the most recent {@link Hyperparameters#validationFraction()} (the tail,
   * since sources are time-ordered; at least one window) for early stopping and the threshold. Each epoch of the kept
   * model is reported to {@code progress} and nowhere else.
   */
  public static TrainingResult train(VectorSource windows, int inputDim, Hyperparameters hp, Path outDir,
      Consumer<EpochProgress> progress) {
    long total = windows.size();
    long validation = validationRows(total, hp.validationFraction());
    if (total - validation < 1) {
      throw new IllegalArgumentException("need at least 2 windows to train and validate, got " + total);
    }
    return train(windows.slice(0, total - validation), windows.slice(total - validation, total), inputDim, hp, outDir,
        progress);
  }

  /**
   * How many of a source's {@code rows} {@link #train(VectorSource, int, Hyperparameters, Path, Consumer)} holds out:
   * {@code validationFraction} of them, rounded, at least one. {@link HeldOut} keeps the same rows in the version.
   */
  public static long validationRows(long rows, double validationFraction) {
    return Math.max(1, Math.round(rows * validationFraction));
  }

  /**
   * Trains on {@code train}, validating on {@code validation} (which should be later in time than all of train). With
   * {@link Hyperparameters#trimFraction()} &gt; 0 it trains twice: the first model scores every window, the highest
   * {@code trim_fraction} of the training and of the validation windows are dropped as presumed anomalies, and the
   * second model trains (same seed) and calibrates on the kept windows only.
   *
   * @throws IllegalArgumentException before training, when the range is too short for a threshold method that refuses
   *     short samples (mad, pot); after training, when the method cannot calibrate on the scores it got
   */
  public static TrainingResult train(VectorSource train, VectorSource validation, int inputDim, Hyperparameters hp,
      Path outDir, Consumer<EpochProgress> progress) {
    checkInputs(train, validation, inputDim);
    checkRangeForThreshold(train.size() + validation.size(), hp.threshold());
    String partDay = partOfADay(train.windowStartMicros(0), validation.windowStartMicros(validation.size() - 1),
        windowSeconds(train, validation));
    if (partDay != null) LOG.warn(partDay);
    long started = System.nanoTime();
    try {
      Files.createDirectories(outDir);
      Trimming trimming = Trimming.NONE;
      if (hp.trimFraction() > 0) {
        trimming = firstPass(train, validation, hp, outDir);
      }
      VectorSource keptTrain = trimming.keptTrain(train);
      VectorSource keptValidation = trimming.keptValidation(validation);
      Fitted fitted = fitOnce(keptTrain, keptValidation, hp, outDir, progress);
      return Calibrator.calibrate(train, validation, fitted.normalizer(), hp, outDir, fitted.history(),
          fitted.best(), trimming, windowSeconds(train, validation), started);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot train into " + outDir, e);
    }
  }

  /** The normalisation, epoch history and kept epoch of one training pass, whose weights are saved in its directory. */
  private record Fitted(Normalizer normalizer, List<EpochProgress> history, EpochProgress best) {}

  /**
   * One training pass: fits the normaliser, standardises into scratch files, runs the epoch loop and saves the best
   * weights into {@code outDir}.
   */
  private static Fitted fitOnce(VectorSource train, VectorSource validation, Hyperparameters hp, Path outDir,
      Consumer<EpochProgress> progress) throws IOException {
    DjlRuntime.engine();
    Normalizer normalizer = Normalizer.fit(train.vectors(), train.dimension());
    Path scratch = Files.createTempDirectory(outDir, ".train-scratch-");
    try (VectorFile trainFile = standardise(train, normalizer, scratch.resolve("train.kvec"));
        VectorFile validationFile = standardise(validation, normalizer, scratch.resolve("validation.kvec"))) {
      LOG.info("training on {} windows, validating on {} ({}, hidden sizes {}, batch {}, {} lr {}, seed {})",
          train.size(), validation.size(), DjlRuntime.describe(), hp.hiddenSizes(), hp.batchSize(), hp.optimiser(),
          hp.learningRate(), hp.seed());
      List<EpochProgress> history = fit(trainFile, validationFile, hp, outDir, progress);
      EpochProgress best = history.stream().filter(EpochProgress::best).reduce((a, b) -> b)
          .orElseThrow(() -> new IllegalStateException("training diverged: the validation loss was never finite"
              + " (try a lower learning_rate)"));
      return new Fitted(normalizer, history, best);
    } finally {
      if (!FileTrees.deleteQuietly(scratch)) LOG.warn("could not delete scratch directory {}", scratch);
    }
  }

  /**
   * The first pass of trimmed retraining: trains into a scratch directory (its epochs go to the debug log only, so the
   * progress callback sees the model that is kept), scores every window with it and chooses the windows to keep.
   */
  private static Trimming firstPass(VectorSource train, VectorSource validation, Hyperparameters hp, Path outDir)
      throws IOException {
    Path first = Files.createTempDirectory(outDir, ".trim-pass-");
    try {
      LOG.info("trimmed retraining: first pass on all {} windows", train.size() + validation.size());
      // Debug: the epochs reported (once each) are the kept model's; the first pass's outcome is logged below.
      Fitted fitted = fitOnce(train, validation, hp, first, p -> LOG.debug("first pass {}", p.line()));
      try (AnomalyModel model = AnomalyModel.load(first, fitted.normalizer(), hp.hiddenSizes())) {
        Trimming trimming = Trimming.select(hp.trimFraction(), train, model.scores(train), validation,
            model.scores(validation));
        LOG.info("trimmed retraining: dropping {} of {} training and {} of {} validation windows (trim_fraction {})",
            trimming.trimmedTrain(), train.size(), trimming.trimmedValidation(), validation.size(),
            hp.trimFraction());
        return trimming;
      }
    } finally {
      if (!FileTrees.deleteQuietly(first)) LOG.warn("could not delete scratch directory {}", first);
    }
  }

  /**
   * The epoch loop: shuffled mini-batches, validation after each epoch, a copy of the weights on improvement, stop on
   * patience; finally restores the best weights and saves them. Keeping the copy on the heap (a few thousand floats)
   * rather than saving on every improvement keeps file writes out of the timed loop.
   */
  private static List<EpochProgress> fit(VectorFile train, VectorFile validation, Hyperparameters hp, Path outDir,
      Consumer<EpochProgress> progress) throws IOException {
    int dim = train.dimension();
    int n = Math.toIntExact(train.size());
    DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss("mse", 1f))
        .optOptimizer(optimiser(hp))
        .optDevices(new Device[] {Device.cpu()});
    List<EpochProgress> history = new ArrayList<>();
    try (Model model = Model.newInstance(Autoencoder.NAME, Device.cpu(), DjlRuntime.ENGINE_NAME)) {
      model.setBlock(Autoencoder.build(dim, hp.hiddenSizes()));
      // A fixed epoch number names the file autoencoder-0000.params; without it DJL numbers every save anew, and a
      // retrain into the same directory would leave an older, higher-numbered file that loading would prefer.
      model.setProperty("Epoch", "0");
      List<Parameter> parameters = model.getBlock().getParameters().values();
      float[][] bestWeights = new float[parameters.size()][];
      try (ai.djl.training.Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1, dim));
        // One generator for the initial weights, then the shuffles: the run follows from the seed alone.
        SplittableRandom random = new SplittableRandom(hp.seed());
        SharedJvmTraining.initialise(parameters, random);
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        float[] batch = new float[Math.min(hp.batchSize(), n) * dim];
        EarlyStopping stopping = new EarlyStopping(hp.patience());
        for (int epoch = 1; epoch <= hp.epochs(); epoch++) {
          long epochStart = System.nanoTime();
          shuffle(order, random);
          double lossSum = 0;
          for (int start = 0; start < n; start += hp.batchSize()) {
            int rows = Math.min(hp.batchSize(), n - start);
            for (int k = 0; k < rows; k++) {
              train.read(order[start + k], batch, k * dim);
            }
            lossSum += trainBatch(trainer, batch, rows, dim) * rows;
          }
          double validationLoss = validationLoss(trainer, validation);
          boolean improved = stopping.update(epoch, validationLoss);
          if (improved) {
            for (int i = 0; i < bestWeights.length; i++) {
              bestWeights[i] = parameters.get(i).getArray().toFloatArray();
            }
          }
          EpochProgress p = new EpochProgress(epoch, hp.epochs(), lossSum / n, validationLoss,
              (System.nanoTime() - epochStart) / 1e9, improved);
          history.add(p);
          // Reported once, to the caller: it decides where epochs go (logging them here as well printed each twice).
          progress.accept(p);
          if (stopping.shouldStop(epoch)) {
            LOG.info("early stop after epoch {}: no lower validation loss for {} epochs; keeping epoch {}", epoch,
                hp.patience(), stopping.bestEpoch());
            break;
          }
        }
        if (stopping.bestEpoch() > 0) {
          for (int i = 0; i < bestWeights.length; i++) {
            parameters.get(i).getArray().set(FloatBuffer.wrap(bestWeights[i]));
          }
          model.save(outDir, Autoencoder.NAME);
        }
      }
    }
    return history;
  }

  /** One optimiser step on the first {@code rows} rows of {@code batch}; returns the batch's mean squared error. */
  private static double trainBatch(ai.djl.training.Trainer trainer, float[] batch, int rows, int dim) {
    // A scope per batch frees the batch's native tensors at once instead of letting them pile up until the epoch ends.
    try (NDManager scope = trainer.getManager().newSubManager()) {
      NDList input = new NDList(scope.create(FloatBuffer.wrap(batch, 0, rows * dim), new Shape(rows, dim)));
      double loss;
      try (SharedJvmTraining.Gradients gradients = new SharedJvmTraining.Gradients()) {
        NDList reconstruction = trainer.forward(input);
        NDArray batchLoss = trainer.getLoss().evaluate(input, reconstruction);
        gradients.backward(batchLoss);
        loss = batchLoss.getFloat();
      }
      trainer.step();
      return loss;
    }
  }

  /** Mean squared error over every feature of every validation window, without gradients. */
  private static double validationLoss(ai.djl.training.Trainer trainer, VectorFile validation) {
    int dim = validation.dimension();
    int n = Math.toIntExact(validation.size());
    float[] batch = new float[Math.min(EVAL_BATCH, n) * dim];
    double sum = 0;
    for (int start = 0; start < n; start += EVAL_BATCH) {
      int rows = Math.min(EVAL_BATCH, n - start);
      for (int k = 0; k < rows; k++) {
        validation.read(start + k, batch, k * dim);
      }
      try (NDManager scope = trainer.getManager().newSubManager()) {
        NDArray x = scope.create(FloatBuffer.wrap(batch, 0, rows * dim), new Shape(rows, dim));
        NDArray reconstruction = trainer.evaluate(new NDList(x)).singletonOrThrow();
        sum += reconstruction.sub(x).square().sum().getFloat();
      }
    }
    return sum / ((double) n * dim);
  }

  private static Optimizer optimiser(Hyperparameters hp) {
    Tracker rate = Tracker.fixed((float) hp.learningRate());
    return switch (hp.optimiser()) {
      case "adam" -> Optimizer.adam().optLearningRateTracker(rate).build();
      case "sgd" -> Optimizer.sgd().setLearningRateTracker(rate).build();
      default -> throw new IllegalArgumentException("unknown optimiser " + hp.optimiser());
    };
  }

  /** Writes the standardised rows of {@code source} to {@code file}, so that epochs need no log1p. */
  private static VectorFile standardise(VectorSource source, Normalizer normalizer, Path file) {
    int dim = source.dimension();
    float[] raw = new float[dim];
    float[] standardised = new float[dim];
    try (VectorFile.Writer writer = VectorFile.create(file, dim)) {
      for (long i = 0; i < source.size(); i++) {
        source.read(i, raw, 0);
        normalizer.apply(raw, 0, standardised, 0);
        writer.append(source.windowStartMicros(i), standardised);
      }
    }
    return VectorFile.open(file);
  }

  /** Fisher–Yates with the run's generator, continued across epochs, so each epoch's order follows from the seed. */
  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /**
   * The window length in seconds: the smallest positive step between consecutive window starts (several rows may share
   * a start under a per-prefix scope); NaN when every row has the same start. A range of real traffic has adjacent
   * windows, so gaps elsewhere do not matter.
   */
  static double windowSeconds(VectorSource train, VectorSource validation) {
    long step = Long.MAX_VALUE;
    long previous = Long.MIN_VALUE;
    for (VectorSource part : List.of(train, validation)) {
      for (long i = 0; i < part.size(); i++) {
        long start = part.windowStartMicros(i);
        if (previous != Long.MIN_VALUE && start > previous) {
          step = Math.min(step, start - previous);
        }
        previous = start;
      }
    }
    return step == Long.MAX_VALUE ? Double.NaN : step / 1e6;
  }

  /**
   * A warning when the windows from {@code firstStartMicros} to the one starting at {@code lastStartMicros} (each
   * {@code windowSeconds} long; NaN = one window) span less than a day, else null. Nothing in the autoencoder's input
   * says the time of day, so windows of hours the range lacks score as the hours it saw did not: trained on one half of
   * a day and tested on the other, it flagged most windows of the evaluation's capture sets (docs/evaluation.md). Not
   * refused: tests and short experiments train on hours on purpose.
   */
  static String partOfADay(long firstStartMicros, long lastStartMicros, double windowSeconds) {
    double span = (lastStartMicros - firstStartMicros) / 1e6 + (Double.isNaN(windowSeconds) ? 0 : windowSeconds);
    if (span >= 86_400) return null;
    return String.format(java.util.Locale.ROOT, "the training range spans %.1f h, less than a day: the autoencoder has"
        + " no time-of-day input, so windows of the hours it did not see will score high (train on at least a whole"
        + " day; docs/evaluation.md)", span / 3600);
  }

  /** Refuses before any training when the whole range is too short for a method that refuses short samples. */
  private static void checkRangeForThreshold(long windows, ThresholdMethod method) {
    if (method.refusesFewer() && windows < method.minimumScores()) {
      throw new IllegalArgumentException("cannot calibrate threshold " + method.text() + ": it needs at least "
          + method.minimumScores() + " scores, and the training range has " + windows + " windows (train on a longer"
          + " range, or choose a method that needs fewer)");
    }
  }

  private static void checkInputs(VectorSource train, VectorSource validation, int inputDim) {
    if (train.dimension() != inputDim || validation.dimension() != inputDim) {
      throw new IllegalArgumentException("input dimension " + inputDim + " but the vectors have "
          + train.dimension() + " (train) and " + validation.dimension() + " (validation)");
    }
    if (train.size() < 1 || validation.size() < 1) {
      throw new IllegalArgumentException("need at least one training and one validation window, got "
          + train.size() + " and " + validation.size());
    }
    if (train.size() > Integer.MAX_VALUE || validation.size() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("at most " + Integer.MAX_VALUE + " windows per training run");
    }
  }
}
