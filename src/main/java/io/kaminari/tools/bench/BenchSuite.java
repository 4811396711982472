package io.kaminari.tools.bench;

import io.kaminari.common.KaminariConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kaminari bench all}: every benchmark, each run in its own JVM (so Spark, the Derby metastore and DJL never
 * share one), the scaled stages at three sizes each, at sizes that finish within about 20 minutes on 2 cores; writes
 * {@link BenchReport}'s Markdown (measures against targets, the scale table and projection, the machine, the exact
 * commands) to a file, keeping the hand-written part below {@link BenchReport#NOTES_MARKER}.
 *
 * <p>A failed run is recorded as failed in the report, the suite goes on with the next, and {@link #run} then returns
 * false; the PyTorch comparison is skipped, with the reason in the report, when no Python with torch is available.
 */
public final class BenchSuite {
  private BenchSuite() {}

  /** The smallest size any scaled run gets (the benches refuse, or measure only start-up, below that). */
  static final long MIN_SIZE = 100;

  /**
   * One benchmark of the suite: its name, the option that sets its size, the unit of that size, the sizes to run
   * (ascending; the last is the headline the targets are judged on) and its other arguments.
   */
  record Case(String name, String sizeOption, String unit, List<Long> sizes, List<String> fixedArgs) {
    /** The largest size. */
    long headline() {
      return sizes.get(sizes.size() - 1);
    }

    /** The arguments after {@code bench NAME} for one size. */
    List<String> args(long size) {
      List<String> args = new ArrayList<>(List.of(sizeOption, Long.toString(size)));
      args.addAll(fixedArgs);
      return args;
    }

    /** This case with every size multiplied by {@code scale} (at least {@link #MIN_SIZE}, duplicates dropped). */
    Case scaled(double scale) {
      List<Long> scaled = sizes.stream().map(s -> Math.max(MIN_SIZE, Math.round(s * scale))).distinct().toList();
      return new Case(name, sizeOption, unit, scaled, fixedArgs);
    }
  }

  /**
   * The suite at scale 1. Three sizes (¼, ½, 1 of the headline) for each stage of the scale table; the headline sizes
   * are the ones the targets name (compaction 5M flows, features a 10M-flow day, training 100k windows, the scorer 20M
   * flows), about 13 minutes in all on the 2-core machine, and the day from Kafka to scores (10M flows) about 8 more.
   * The PyTorch comparison, batch scoring (1M windows) and the day run once, at their headline size.
   */
  static final List<Case> CASES = List.of(
      new Case(CompactBench.NAME, "--flows", "flows", List.of(1_250_000L, 2_500_000L, 5_000_000L), List.of()),
      new Case(FeaturesBench.NAME, "--flows", "flows", List.of(2_500_000L, 5_000_000L, 10_000_000L), List.of()),
      new Case(TrainBench.NAME, "--windows", "windows", List.of(25_000L, 50_000L, 100_000L), List.of("--epochs", "50")),
      new Case(PyTorchTrainBench.NAME, "--windows", "windows", List.of(100_000L), List.of("--epochs", "50")),
      new Case(ScoreBench.NAME, "--windows", "windows", List.of(1_000_000L), List.of()),
      new Case(DayBench.NAME, "--flows", "flows", List.of(10_000_000L), List.of()),
      new Case(ScorerBench.NAME, "--flows", "flows", List.of(5_000_000L, 10_000_000L, 20_000_000L), List.of()),
      new Case(ScaleOutBench.NAME, "--flows", "flows", List.of(5_000_000L), List.of()));

  /**
   * One run of a case at one size: its command, the BENCH line it ended with (null if it failed), why it failed
   * (null if it did not) and the wall seconds of its whole JVM.
   */
  record Run(Case bench, long size, String command, BenchLine line, String failure, double seconds) {}

  /**
   * Runs every case with {@code jar} (passing {@code commonArgs} on to each), prints their output and writes the report
   * to {@code out}; returns false if any run failed (a skipped PyTorch comparison is not a failure).
   */
  public static boolean run(Path jar, KaminariConfig config, List<String> commonArgs, double scale, Path out)
      throws Exception {
    if (!(scale > 0) || Double.isInfinite(scale)) throw new IllegalArgumentException("--scale must be > 0");
    Instant started = Instant.now();
    String loadBefore = loadAverage();
    Map<String, String> skipped = new LinkedHashMap<>();
    Optional<String> noTorch = PyTorchTrainBench.unavailable(PyTorchTrainBench.python(config));
    noTorch.ifPresent(reason -> skipped.put(PyTorchTrainBench.NAME, reason));
    List<Run> runs = new ArrayList<>();
    for (Case c : CASES) {
      if (skipped.containsKey(c.name())) {
        System.out.println("== skipping bench " + c.name() + ": " + skipped.get(c.name()));
        continue;
      }
      for (long size : c.scaled(scale).sizes()) {
        runs.add(runOne(jar, c.scaled(scale), size, commonArgs));
      }
    }
    String command = "java -jar target/kaminari.jar bench all" + (scale == 1 ? "" : " --scale " + scale)
        + (commonArgs.isEmpty() ? "" : " " + String.join(" ", commonArgs));
    double minutes = ChronoUnit.MILLIS.between(started, Instant.now()) / 60_000.0;
    BenchReport.Suite suite = new BenchReport.Suite(runs, skipped, scale, command, machine(), started, minutes,
        loadBefore, loadAverage(), Runtime.getRuntime().availableProcessors());
    String notes = Files.isRegularFile(out) ? BenchReport.notes(Files.readString(out, StandardCharsets.UTF_8)) : "";
    Files.writeString(out, BenchReport.markdown(suite, notes), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
    return runs.stream().allMatch(r -> r.failure() == null);
  }

  private static Run runOne(Path jar, Case c, long size, List<String> commonArgs) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", jar.toString(), "bench", c.name()));
    cmd.addAll(c.args(size));
    cmd.addAll(commonArgs);
    String shown = "kaminari bench " + c.name() + " " + String.join(" ", c.args(size))
        + (commonArgs.isEmpty() ? "" : " " + String.join(" ", commonArgs));
    System.out.println("== " + shown);
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String last = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        System.out.println(line);
        if (line.startsWith("BENCH ")) last = line;
      }
    }
    int rc = p.waitFor();
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "== %s took %.1f s (exit %d)%n", shown, seconds, rc);
    if (rc != 0 || last == null) {
      return new Run(c, size, shown, null, "exit " + rc + (last == null ? ", no BENCH line" : ""), seconds);
    }
    try {
      BenchLine line = BenchLine.parse(last);
      if (!line.name().equals(c.name())) throw new IllegalArgumentException("expected BENCH " + c.name());
      return new Run(c, size, shown, line, null, seconds);
    } catch (IllegalArgumentException e) {
      return new Run(c, size, shown, null, "unreadable BENCH line: " + e.getMessage(), seconds);
    }
  }

  /** Cores, memory, CPU, OS and JVM, in one line. */
  static String machine() {
    String memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.round(os.getTotalMemorySize() / (double) (1L << 30)) + " GiB" : "? GiB";
    String cpu = "unknown CPU";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(cpu);
    } catch (IOException e) {
      // not Linux: the CPU model is a nicety
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memory + " memory, "
        + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", "
        + System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
  }

  /** The 1/5/15-minute load averages, or "?" where /proc/loadavg does not exist. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
