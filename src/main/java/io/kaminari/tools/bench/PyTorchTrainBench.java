package io.kaminari.tools.bench;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.TrainingResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code kaminari bench train-pytorch}: the training comparison — {@link TrainBench} in DJL, then the same
 * architecture, data, epochs, batch size, learning rate and thread count in PyTorch from Python
 * ({@value #SCRIPT}, run on the very vector file the DJL run trained on); ends with
 * {@code BENCH train-pytorch windows=<n> epochs=<e> seconds_per_epoch=<pytorch> djl_seconds_per_epoch=<djl>
 * djl_to_pytorch=<djl / pytorch> cpu_seconds_per_epoch=<pytorch> djl_cpu_seconds_per_epoch=<djl> torch=<version>}.
 *
 * <p>Seconds per epoch are mean epoch wall times, timed alike on both sides (shuffle, mini-batch steps, validation).
 * CPU seconds per epoch are the process CPU time of the training divided by the epochs: for DJL that of the whole
 * {@code Trainer.train} call (so also normalisation, scratch files, calibration, and the JVM's JIT and GC threads), for
 * PyTorch that of the epoch loop.
 *
 * <p>The Python interpreter is {@link Settings#BENCH_PYTHON}, or by default {@value #DEFAULT_PYTHON} (the venv that
 * {@code src/bench/python/setup.sh} makes); the script and that venv are found relative to the working directory, i.e.
 * the benchmark runs from the checkout, as {@code bench all} does.
 */
public final class PyTorchTrainBench {
  public static final String NAME = "train-pytorch";
  /** The Python side, relative to the checkout. */
  public static final String SCRIPT = "src/bench/python/train_bench.py";
  /** The interpreter used when {@link Settings#BENCH_PYTHON} is empty. */
  public static final String DEFAULT_PYTHON = ".venv-bench/bin/python";
  /** How to get {@value #DEFAULT_PYTHON}; quoted in failures and in docs/benchmarks.md. */
  public static final String SETUP = "bash src/bench/python/setup.sh";

  private PyTorchTrainBench() {}

  /** The interpreter this configuration names (not checked). */
  public static Path python(KaminariConfig config) {
    String configured = config.get(Settings.BENCH_PYTHON).trim();
    return Path.of(configured.isEmpty() ? DEFAULT_PYTHON : configured);
  }

  /**
   * Why PyTorch cannot be benchmarked with {@code python}, or empty if it can: the script or the interpreter is
   * missing, or {@code import torch} fails (the reason then quotes the interpreter's last error line).
   */
  public static Optional<String> unavailable(Path python) {
    if (!Files.isRegularFile(Path.of(SCRIPT))) {
      return Optional.of(SCRIPT + " not found under " + Path.of("").toAbsolutePath() + " (run from the checkout)");
    }
    if (!Files.isExecutable(python)) {
      return Optional.of("no Python interpreter at " + python + " (run `" + SETUP + "`, or set "
          + Settings.BENCH_PYTHON.name() + ")");
    }
    Path log = null;
    try {
      // Output to a file, so that a hung interpreter is caught by the timeout rather than a blocked read.
      log = Files.createTempFile("kaminari-torch-check-", ".log");
      Process p = new ProcessBuilder(python.toString(), SCRIPT, "--check").redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return Optional.of(python + " did not answer `import torch` within 5 minutes");
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      if (p.exitValue() != 0 || !output.contains("torch ")) {
        String[] lines = output.strip().split("\n");
        return Optional.of("`import torch` fails with " + python + ": " + lines[lines.length - 1].strip());
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot start " + python + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while checking " + python);
    } finally {
      if (log != null) log.toFile().delete();
    }
  }

  /** Runs DJL, then PyTorch on the same {@code windows} vectors in {@code workDir}; prints the BENCH line last. */
  public static void run(int windows, int epochs, Path workDir, Path python, PrintStream out) throws Exception {
    Optional<String> problem = unavailable(python);
    if (problem.isPresent()) {
      throw new IllegalStateException("PyTorch cannot be benchmarked: " + problem.get());
    }
    out.println("== DJL");
    TrainBench.Measured measured = TrainBench.train(windows, epochs, workDir, out);
    TrainingResult djl = measured.result();
    double djlPerEpoch = TrainBench.secondsPerEpoch(djl);
    double djlCpuPerEpoch = measured.cpuSeconds() / djl.epochs().size();

    out.println("== PyTorch (" + python + ")");
    Hyperparameters hp = TrainBench.hyperparameters(epochs);
    List<String> cmd = new ArrayList<>(List.of(python.toString(), SCRIPT,
        "--vectors", workDir.resolve(TrainBench.VECTORS).toString(),
        "--epochs", Integer.toString(hp.epochs()),
        "--batch-size", Integer.toString(hp.batchSize()),
        "--learning-rate", Double.toString(hp.learningRate()),
        "--hidden", hp.hiddenSizes().stream().map(String::valueOf).collect(Collectors.joining(",")),
        "--validation-fraction", Double.toString(hp.validationFraction()),
        "--seed", Long.toString(hp.seed()),
        "--threads", "1")); // DjlRuntime runs libtorch with one intra-op and one inter-op thread
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BenchLine torch = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.println(line);
        if (line.startsWith("PYTORCH ")) torch = BenchLine.parse(line, "PYTORCH");
      }
    }
    int rc = p.waitFor();
    if (rc != 0 || torch == null) {
      throw new IllegalStateException("the PyTorch script failed (exit " + rc + "); its output is above");
    }
    double torchPerEpoch = torch.number("seconds_per_epoch");
    out.printf(Locale.ROOT, "%s: %.3f s/epoch, val_loss %.6f; PyTorch %s from Python: %.3f s/epoch, val_loss %s%n",
        djl.engine(), djlPerEpoch, djl.validationMetrics().get("val_loss"), torch.text("torch"), torchPerEpoch,
        torch.text("val_loss"));
    // CPU seconds beside wall seconds: on a shared machine the wall time of two runs made one after the other
    // depends on what else ran meanwhile, their CPU time much less.
    out.printf(Locale.ROOT, "BENCH %s windows=%d epochs=%d seconds_per_epoch=%.3f djl_seconds_per_epoch=%.3f"
        + " djl_to_pytorch=%.2f cpu_seconds_per_epoch=%.3f djl_cpu_seconds_per_epoch=%.3f torch=%s%n", NAME, windows,
        djl.epochs().size(), torchPerEpoch, djlPerEpoch, djlPerEpoch / torchPerEpoch,
        torch.number("cpu_seconds_per_epoch"), djlCpuPerEpoch, torch.text("torch"));
  }
}
