package io.kaminari.tools.bench;

import io.kaminari.model.Hyperparameters;
import io.kaminari.model.Trainer;
import io.kaminari.model.TrainingResult;
import io.kaminari.model.VectorFile;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times autoencoder training on synthetic 64-dimensional vectors with the reference architecture (hidden [20, 20],
 * batch 256, Adam, lr 1e-3, no early stopping) and prints one line per epoch, ending with the fixed-format line
 * {@code BENCH train windows=<n> epochs=<e> seconds_per_epoch=<s> seconds_total=<t>}.
 *
 * <p>seconds_per_epoch is the mean epoch wall time (shuffle, batches, validation); seconds_total covers the whole
 * {@link Trainer#train} call, i.e. also normalisation, scratch files and threshold calibration, but not generating the
 * synthetic input nor the first load of the engine (a warm-up outside the timing, since it happens once per JVM).
 */
public final class TrainBench {
  /** The seed spec's vector length. */
  public static final int DIMENSION = 64;
  /** The vector file a run trains on, in its work directory (and which {@link PyTorchTrainBench} trains on again). */
  public static final String VECTORS = "bench-vectors.kvec";

  private TrainBench() {}

  public static final String NAME = "train";

  /** Runs the bench in {@code workDir} (created; holds the vector file and the model) and returns the result. */
  public static TrainingResult run(int windows, int epochs, Path workDir) {
    return run(windows, epochs, workDir, System.out);
  }

  /** As {@link #run(int, int, Path)}, printing to {@code out}. */
  public static TrainingResult run(int windows, int epochs, Path workDir, PrintStream out) {
    TrainingResult result = train(windows, epochs, workDir, out).result();
    out.printf(Locale.ROOT, "BENCH %s windows=%d epochs=%d seconds_per_epoch=%.3f seconds_total=%.3f%n", NAME,
        windows, result.epochs().size(), secondsPerEpoch(result), result.secondsTotal());
    return result;
  }

  /** The mean epoch wall time of a run. */
  static double secondsPerEpoch(TrainingResult result) {
    return result.epochs().stream().mapToDouble(p -> p.seconds()).average().orElse(Double.NaN);
  }

  /** A run's result and the process CPU seconds of its {@link Trainer#train} call. */
  record Measured(TrainingResult result, double cpuSeconds) {}

  /** As {@link #run(int, int, Path, PrintStream)} without the BENCH line. */
  static Measured train(int windows, int epochs, Path workDir, PrintStream out) {
    if (windows < 10 || epochs < 1) {
      throw new IllegalArgumentException("bench needs windows >= 10 and epochs >= 1, got " + windows + ", " + epochs);
    }
    try {
      Files.createDirectories(workDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + workDir, e);
    }
    Path vectors = workDir.resolve(VECTORS);
    writeSynthetic(vectors, windows);
    Hyperparameters hp = hyperparameters(epochs);
    warmUp(workDir.resolve("warm-up"));
    out.printf(Locale.ROOT, "training %d windows x %d features, %d epochs%n", windows, DIMENSION, epochs);
    TrainingResult result;
    long cpuStart = processCpuNanos();
    try (VectorFile source = VectorFile.open(vectors)) {
      result = Trainer.train(source, DIMENSION, hp, workDir.resolve("model"), p -> out.println(p.line()));
    }
    double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
    out.println("engine: " + result.engine());
    // Wall time suffers when other processes share the cores; CPU time shows what the run itself cost.
    out.printf(Locale.ROOT, "cpu_seconds_total=%.3f val_loss=%.6f threshold=%.6f%n", cpuSeconds,
        result.validationMetrics().get("val_loss"), result.threshold());
    return new Measured(result, cpuSeconds);
  }

  /** The bench's hyperparameters: the reference architecture, batch 256, Adam at 1e-3, seed 42, no early stopping. */
  static Hyperparameters hyperparameters(int epochs) {
    return new Hyperparameters(List.of(20, 20), epochs, 256, 1e-3, "adam", 42L, 0, 0.1,
        Hyperparameters.DEFAULTS.threshold());
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
  }

  /** Loads the engine and runs the code paths once, so the timed run measures training, not first-use costs. */
  private static void warmUp(Path dir) {
    Path file = dir.resolve("warm-up.kvec");
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + dir, e);
    }
    writeSynthetic(file, 512);
    try (VectorFile source = VectorFile.open(file)) {
      Trainer.train(source, DIMENSION, Hyperparameters.DEFAULTS.withEpochs(1, 0), dir.resolve("model"), p -> { });
    }
  }

  /**
   * Writes traffic-like vectors: non-negative, heavy-tailed, driven by a few latent "activity" factors (so the
   * autoencoder has structure to learn), five minutes apart.
   */
  private static void writeSynthetic(Path file, int windows) {
    SplittableRandom random = new SplittableRandom(7);
    int factors = 4;
    double[][] loadings = new double[factors][DIMENSION];
    for (double[] row : loadings) {
      for (int j = 0; j < DIMENSION; j++) {
        row[j] = random.nextDouble() * 2;
      }
    }
    float[] v = new float[DIMENSION];
    try (VectorFile.Writer writer = VectorFile.create(file, DIMENSION)) {
      for (int i = 0; i < windows; i++) {
        double[] z = new double[factors];
        for (int f = 0; f < factors; f++) {
          z[f] = random.nextDouble();
        }
        for (int j = 0; j < DIMENSION; j++) {
          double s = 0;
          for (int f = 0; f < factors; f++) {
            s += z[f] * loadings[f][j];
          }
          v[j] = (float) Math.expm1(s + 0.1 * random.nextDouble());
        }
        writer.append(i * 300_000_000L, v);
      }
    }
  }
}
