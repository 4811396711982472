package io.kaminari.tools.bench;

import static io.kaminari.tools.bench.BenchFormat.count;
import static io.kaminari.tools.bench.BenchFormat.counted;
import static io.kaminari.tools.bench.BenchFormat.num;
import static io.kaminari.tools.bench.BenchFormat.pct;
import static io.kaminari.tools.bench.BenchFormat.ratio;
import static io.kaminari.tools.bench.BenchFormat.seconds;

import io.kaminari.model.ScopeGroups;
import io.kaminari.tools.bench.BenchSuite.Run;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Writes {@code docs/benchmarks.md} from the runs of {@link BenchSuite}: every measure against its target with the
 * side-by-side figure, the DJL/PyTorch comparison, the cost per million flows at three sizes with its fitted growth,
 * and a projection to a 10× and a 1000× larger network computed from those figures. Pure: the same runs give the same
 * text, so it is unit-tested on made-up BENCH lines.
 *
 * <p>One Markdown document, section after section, each a few string-building lines over the same runs, in the page's
 * order; the first section, the measures against their targets, is {@link BenchMeasures}'s.
 */
final class BenchReport {
  /** The line after which {@code bench all} keeps the existing file's text: the hand-written notes. */
  static final String NOTES_MARKER = "<!-- Everything below this line is hand-written; `kaminari bench all` keeps it."
      + " -->";

  // The projection's assumptions, printed with it.
  /** The reference network: the "10M-flow day" the features target is set for. */
  static final long REFERENCE_FLOWS_PER_DAY = 10_000_000;
  /** Network sizes projected, as multiples of the reference. */
  static final List<Integer> FACTORS = List.of(1, 10, 1000);
  /** Busiest hour (and second) over the day's mean. */
  static final double PEAK_TO_MEAN = 3;
  /** An hour's compaction and features should be done this soon after the hour closes. */
  static final double BATCH_DEADLINE_SECONDS = 600;
  /** Cores per Spark executor pod. */
  static final int EXECUTOR_CORES = 4;
  /** Days of windows a model trains on: the retrain DAG's default {@code train_days}. */
  static final int TRAIN_DAYS = 7;
  /** The retrain DAG's task timeout, which one training run must fit in. */
  static final double TRAIN_TIMEOUT_HOURS = 3;
  /** Windows of the global scope per day: the seed specs' 5-minute windows. */
  static final int GLOBAL_WINDOWS_PER_DAY = 288;

  /** The stages of the scale table, in pipeline order. */
  static final List<String> SCALED = List.of(CompactBench.NAME, FeaturesBench.NAME, TrainBench.NAME, ScorerBench.NAME);

  private BenchReport() {}

  /** Everything a report is written from. */
  record Suite(List<Run> runs, Map<String, String> skipped, double scale, String command, String machine,
      Instant started, double minutes, String loadBefore, String loadAfter, int cores) {}

  /** The hand-written tail of an existing report, from {@link #NOTES_MARKER} on, or "" if it has none. */
  static String notes(String existing) {
    int at = existing.indexOf(NOTES_MARKER);
    return at < 0 ? "" : existing.substring(at);
  }

  /** The whole report, ending with {@code notes} (see {@link #notes}), or with an empty marker if there are none. */
  static String markdown(Suite s, String notes) {
    StringBuilder sb = new StringBuilder("# Benchmarks\n\n");
    sb.append(String.format(Locale.ROOT, "Written by `%s` on %s in %.1f minutes; the part above the hand-written"
        + " notes is rewritten by every run.%n%n", s.command(), s.started().truncatedTo(ChronoUnit.SECONDS),
        s.minutes()));
    if (s.scale() != 1) {
      sb.append(String.format(Locale.ROOT, "**Smoke run at scale %s: every size is %s × the suite's, so these are"
          + " not the benchmarks' figures and no target is judged.**%n%n", s.scale(), s.scale()));
    }
    sb.append("Machine: ").append(s.machine()).append(". Load average (1/5/15 min) ").append(s.loadBefore())
        .append(" before, ").append(s.loadAfter()).append(" after; the machine may be shared with other work, which"
            + " lowers wall-clock figures more than per-core ones.\n\n");
    BenchMeasures.write(sb, s);
    pytorch(sb, s);
    scale(sb, s);
    projection(sb, s);
    runs(sb, s);
    sb.append('\n').append(notes.isEmpty() ? NOTES_MARKER + "\n" : notes);
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------- PyTorch

  private static void pytorch(StringBuilder sb, Suite s) {
    sb.append("## Training: DJL against PyTorch\n\n`kaminari bench ").append(PyTorchTrainBench.NAME)
        .append("` trains the reference autoencoder (Linear(64,20)-Sigmoid-Linear(20,20)-Sigmoid |"
            + " Linear(20,20)-Sigmoid-Linear(20,64), MSE, Adam lr 1e-3, batch 256, the last 10% held out) with DJL,"
            + " then runs `").append(PyTorchTrainBench.SCRIPT).append("` on the very vector file DJL trained on, with"
            + " the same epochs and one intra-op and one inter-op thread on both sides. An epoch is timed alike:"
            + " shuffle, every mini-batch step, the validation loss.\n\n");
    String skip = s.skipped().get(PyTorchTrainBench.NAME);
    Optional<Run> run = headline(s, PyTorchTrainBench.NAME);
    if (skip != null) {
      sb.append("**Not measured in this run:** ").append(skip).append(".\n\n");
    } else if (run.isPresent() && run.get().line() != null) {
      BenchLine l = run.get().line();
      sb.append(String.format(Locale.ROOT, "Measured: %s windows × %s epochs, DJL %s s/epoch, PyTorch %s %s s/epoch:"
          + " DJL takes %s× PyTorch's wall time per epoch, and %s× its CPU time (%s against %s CPU-seconds per"
          + " epoch; DJL's includes its normalisation, calibration and the JVM's JIT and GC threads).%n%n",
          count(l.number("windows")), l.text("epochs"), l.text("djl_seconds_per_epoch"), l.text("torch"),
          l.text("seconds_per_epoch"), l.text("djl_to_pytorch"),
          ratio(l.number("djl_cpu_seconds_per_epoch") / l.number("cpu_seconds_per_epoch")),
          l.text("djl_cpu_seconds_per_epoch"), l.text("cpu_seconds_per_epoch")));
    } else {
      sb.append("**The run failed:** ").append(run.map(Run::failure).orElse("not run")).append(".\n\n");
    }
    sb.append("Python: the config key `bench.python`, else `").append(PyTorchTrainBench.DEFAULT_PYTHON)
        .append("` under the checkout, made once (about 5 GB) by\n\n```\n").append(PyTorchTrainBench.SETUP)
        .append("\n```\n\nwhich installs `src/bench/python/requirements.txt` from PyPI: `torch==2.7.1` (the libtorch"
            + " that DJL runs, from its `pytorch-native-cpu` jar) and numpy. PyPI's Linux x86_64 torch wheel (821 MB)"
            + " cannot run without its `nvidia-*-cu12` wheels even on a CPU: with `pip install --no-deps torch`,"
            + " `import torch` fails with `OSError: libcudart.so.12: cannot open shared object file`, then"
            + " `ValueError: libcublas.so.*[0-9] not found in the system path` (`torch/__init__.py` loads"
            + " `libtorch_cuda.so`, which links the CUDA runtime). PyTorch's CPU-only wheels are on its own index, not"
            + " on PyPI. So the venv holds the CUDA wheels (about 3.3 GB) that no run uses. Not part of CI: `.ci/run`"
            + " runs no benchmark.\n\n");
  }

  // ---------------------------------------------------------------------------------------------- scale

  /** A successful run's cost: units (flows or windows), wall seconds of the timed part (NaN if unknown), core-s. */
  record Cost(double units, double wallSeconds, double coreSeconds) {
    double perMillion() {
      return coreSeconds / units * 1e6;
    }
  }

  /**
   * The cost of a run from its BENCH line. Core-seconds: compaction and the scorer report flows per CPU-second (per
   * core); features reports wall seconds, so core-seconds = wall × all cores (Spark local[*]: an upper bound);
   * training runs one libtorch thread, so core-seconds = its wall seconds.
   */
  static Cost cost(Run r, int cores) {
    BenchLine l = r.line();
    return switch (r.bench().name()) {
      case CompactBench.NAME -> {
        double flows = l.number("flows");
        double core = flows / l.number("flows_per_s_per_core");
        yield new Cost(flows, core / cores, core);
      }
      case FeaturesBench.NAME -> new Cost(l.number("flows"), l.number("seconds"), l.number("seconds") * cores);
      case TrainBench.NAME -> new Cost(l.number("windows"), l.number("seconds_total"), l.number("seconds_total"));
      case ScorerBench.NAME -> new Cost(l.number("flows"), Double.NaN,
          l.number("flows") / l.number("flows_per_s_per_core"));
      default -> throw new IllegalArgumentException("no cost model for bench " + r.bench().name());
    };
  }

  /** The slope of log(core-seconds) over log(units): 1 = linear; NaN with fewer than two distinct sizes. */
  static double exponent(List<Cost> costs) {
    List<Cost> ok = costs.stream().filter(c -> c.units() > 0 && c.coreSeconds() > 0).toList();
    if (ok.stream().map(Cost::units).distinct().count() < 2) return Double.NaN;
    double mx = ok.stream().mapToDouble(c -> Math.log(c.units())).average().orElseThrow();
    double my = ok.stream().mapToDouble(c -> Math.log(c.coreSeconds())).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    for (Cost c : ok) {
      double dx = Math.log(c.units()) - mx;
      sxy += dx * (Math.log(c.coreSeconds()) - my);
      sxx += dx * dx;
    }
    return sxy / sxx;
  }

  /** One stage's scaling: its costs by size (ascending) and their fitted exponent; empty if no run succeeded. */
  record Stage(String name, String unit, List<Cost> costs, double exponent) {
    Cost largest() {
      return costs.get(costs.size() - 1);
    }

    /**
     * Projected core-seconds for {@code units}: the largest run's cost per unit times units (fixed costs amortised, so
     * linear), and where the fitted growth is superlinear, times (units / largest)^(exponent − 1) on top.
     */
    double coreSeconds(double units) {
      double linear = largest().perMillion() * units / 1e6;
      return exponent > 1 ? linear * Math.pow(units / largest().units(), exponent - 1) : linear;
    }
  }

  static Optional<Stage> stage(Suite s, String name) {
    List<Run> ok = s.runs().stream().filter(r -> r.bench().name().equals(name) && r.line() != null)
        .sorted(Comparator.comparingLong(Run::size)).toList();
    if (ok.isEmpty()) return Optional.empty();
    List<Cost> costs = ok.stream().map(r -> cost(r, s.cores())).toList();
    return Optional.of(new Stage(name, ok.get(0).bench().unit(), costs, exponent(costs)));
  }

  private static void scale(StringBuilder sb, Suite s) {
    sb.append("## Scale: cost per million flows at three sizes\n\n"
        + "Core-seconds = CPU time the stage needs (compaction and scorer: flows ÷ their flows/s per core; features:"
        + " wall × ").append(s.cores()).append(" cores, an upper bound; training: wall × 1 libtorch thread,"
            + " 50 epochs, per million *windows*). Growth = slope of log(core-seconds) over log(size), fitted over"
            + " the three sizes: 1 is linear, below 1 means fixed costs (job planning, start-up inside the timed"
            + " part) are still being amortised, above 1 means the cost per flow rises with size.\n\n"
            + "| stage | size | timed wall s | core-seconds | core-s per million | growth |\n"
            + "|---|---|---|---|---|---|\n");
    for (String name : SCALED) {
      Optional<Stage> st = stage(s, name);
      List<Run> all = s.runs().stream().filter(r -> r.bench().name().equals(name))
          .sorted(Comparator.comparingLong(Run::size)).toList();
      if (all.isEmpty()) {
        sb.append("| ").append(name).append(" | — | — | — | — | not run |\n");
        continue;
      }
      boolean first = true;
      for (Run r : all) {
        sb.append("| ").append(name).append(" | ").append(count(r.size())).append(' ').append(r.bench().unit())
            .append(" | ");
        if (r.line() == null) {
          sb.append("— | — | — | **failed**: ").append(r.failure()).append(" |\n");
          continue;
        }
        Cost c = cost(r, s.cores());
        sb.append(Double.isNaN(c.wallSeconds()) ? "—" : num(c.wallSeconds(), 1)).append(" | ")
            .append(num(c.coreSeconds(), 1)).append(" | ").append(num(c.perMillion(), 1)).append(" | ")
            .append(first && st.isPresent() && !Double.isNaN(st.get().exponent()) ? num(st.get().exponent(), 2) : "")
            .append(" |\n");
        first = false;
      }
    }
    sb.append('\n');
  }

  // ---------------------------------------------------------------------------------------------- projection

  private static void projection(StringBuilder sb, Suite s) {
    sb.append("## Projection: a 10× and a 1000× larger network on Spark on Kubernetes\n\n");
    Optional<Stage> compact = stage(s, CompactBench.NAME);
    Optional<Stage> features = stage(s, FeaturesBench.NAME);
    Optional<Stage> train = stage(s, TrainBench.NAME);
    Optional<Stage> scorer = stage(s, ScorerBench.NAME);
    Optional<BenchLine> featuresLine = headline(s, FeaturesBench.NAME).map(Run::line);
    List<String> missing = new ArrayList<>();
    if (compact.isEmpty()) missing.add(CompactBench.NAME);
    if (features.isEmpty() || featuresLine.isEmpty()) missing.add(FeaturesBench.NAME);
    if (train.isEmpty()) missing.add(TrainBench.NAME);
    if (scorer.isEmpty()) missing.add(ScorerBench.NAME);
    if (!missing.isEmpty()) {
      sb.append("Not computed: no successful run of ").append(String.join(", ", missing)).append(".\n\n");
      return;
    }
    double vectorsPerDay = featuresLine.get().number("vectors");
    double scorerCapacity = scorer.get().largest().units() / scorer.get().largest().coreSeconds();
    sb.append(String.format(Locale.ROOT, "Computed from the figures above (the largest run of each stage, its cost"
        + " per million scaled linearly, and by the fitted growth on top where that is above 1). Assumptions: the"
        + " reference network sends %s flows a day (the features target's day); the busiest hour and second carry"
        + " %s× the day's mean; an hour's compaction and features must finish within %s minutes; executors have %d"
        + " cores and Spark scales linearly with partitions (tasks are independent, `shuffle.partitions` is raised"
        + " with the cores, pod start-up and object-store latency are not counted); the dst-prefix model trains on"
        + " %d days of windows and the number of active prefixes grows with the network (%s vectors per day in the"
        + " features run, both scopes); the streaming scorer's ceiling is its measured %s flows per CPU-second.%n%n",
        count(REFERENCE_FLOWS_PER_DAY), num(PEAK_TO_MEAN, 0), num(BATCH_DEADLINE_SECONDS / 60, 0), EXECUTOR_CORES,
        TRAIN_DAYS, count(vectorsPerDay), count(scorerCapacity)));

    sb.append("| |");
    FACTORS.forEach(f -> sb.append(' ').append(f == 1 ? "reference" : f + "×").append(" |"));
    sb.append("\n|---|");
    FACTORS.forEach(f -> sb.append("---|"));
    sb.append('\n');
    List<double[]> values = new ArrayList<>();
    for (int f : FACTORS) {
      double day = (double) REFERENCE_FLOWS_PER_DAY * f;
      double peakHour = day / 24 * PEAK_TO_MEAN;
      double compactHour = compact.get().coreSeconds(peakHour);
      double featuresHour = features.get().coreSeconds(peakHour);
      double cores = Math.max(1, Math.ceil((compactHour + featuresHour) / BATCH_DEADLINE_SECONDS));
      double dayCoreHours = (compact.get().coreSeconds(day) + features.get().coreSeconds(day)) / 3600;
      double prefixWindows = TRAIN_DAYS * vectorsPerDay * f;
      double trainHours = train.get().coreSeconds(prefixWindows) / 3600;
      double peakPerSecond = day / 86_400 * PEAK_TO_MEAN;
      values.add(new double[] {day, peakHour, compactHour, featuresHour, cores, Math.ceil(cores / EXECUTOR_CORES),
          dayCoreHours, prefixWindows, trainHours, trainHours / ScopeGroups.MAX_GROUPS, peakPerSecond,
          peakPerSecond / scorerCapacity});
    }
    String[] rows = {"flows per day", "flows in the peak hour", "compaction core-s for the peak hour",
        "features core-s for the peak hour", "executor cores to finish the peak hour in time",
        "executors of " + EXECUTOR_CORES + " cores", "compaction + features core-hours per day",
        "dst-prefix training windows (" + TRAIN_DAYS + " days)", "dst-prefix training, hours on one driver thread",
        "dst-prefix training, hours with its " + ScopeGroups.MAX_GROUPS + " groups in parallel tasks",
        "peak flows/s into the streaming scorer", "scorer load: peak ÷ one consumer's ceiling"};
    for (int i = 0; i < rows.length; i++) {
      sb.append("| ").append(rows[i]).append(" |");
      for (double[] v : values) {
        double x = v[i];
        sb.append(' ').append(i == 8 || i == 9 || i == 6 ? num(x, x < 10 ? 2 : 0) : i == 11 ? num(x, 2) + "×"
            : count(x)).append(" |");
      }
      sb.append('\n');
    }
    double[] big = values.get(values.size() - 1);
    double[] mid = values.get(1);
    double globalTrainSeconds = train.get().coreSeconds(TRAIN_DAYS * GLOBAL_WINDOWS_PER_DAY);
    sb.append(String.format(Locale.ROOT, "%n- **Compaction and features scale out.** Both are Spark jobs over hour"
        + " partitions: at 10× the peak hour needs %s (%s), at 1000× %s (%s)"
        + " to finish within %s minutes. The measured growth (compaction %s, features %s) is what decides whether"
        + " that holds; above 1 the table already charges it. The driver only plans and commits, but one partition"
        + " per hour means the files per partition (`compact.rows-per-file`) and `shuffle.partitions` must grow with"
        + " the volume.%n", counted(mid[4], "executor core"), counted(mid[5], "executor"),
        counted(big[4], "executor core"), counted(big[5], "executor"),
        num(BATCH_DEADLINE_SECONDS / 60, 0), growth(compact.get()), growth(features.get())));
    sb.append(String.format(Locale.ROOT, "- **Training scales out only as far as the traffic groups.** The global"
        + " model trains on the driver on one libtorch thread: its %d days × %d windows take %s s whatever the"
        + " network's size. The dst-prefix model's windows grow with the active prefixes; its traffic groups (at most"
        + " %d) train in parallel Spark tasks (`GroupTraining`), so its hours divide by up to %d: %s hours at 10×, %s"
        + " hours at 1000× for 50 epochs%s%n",
        TRAIN_DAYS, GLOBAL_WINDOWS_PER_DAY, num(globalTrainSeconds, 1), ScopeGroups.MAX_GROUPS,
        ScopeGroups.MAX_GROUPS, num(mid[9], 2), num(big[9], 1),
        big[9] > TRAIN_TIMEOUT_HOURS ? String.format(Locale.ROOT, ", beyond the retrain DAG's %s-hour task timeout:"
            + " at that size the prefix model has to train on a sample of prefixes or fewer epochs (early stopping"
            + " usually stops sooner), or as more groups than %d.", num(TRAIN_TIMEOUT_HOURS, 0),
            ScopeGroups.MAX_GROUPS) : ", within the retrain DAG's task timeout."));
    sb.append(String.format(Locale.ROOT, "- **The single streaming scorer is one consumer thread per group** (the"
        + " global scope must see every flow). At the reference peak it uses %s of its measured ceiling, at 10× %s, at"
        + " 1000× %s%s%n", pct(values.get(0)[11]), pct(mid[11]), pct(big[11]),
        big[11] > 1 ? String.format(Locale.ROOT, ": %s× what one thread can do. A network that size needs the"
            + " scale-out scorer (`scorer.mode=scale-out`, docs/scorer.md), whose instances share the input partitions:"
            + " its parsing and featurising, the cost, spread over up to one instance per partition, and only the"
            + " per-window partials meet; `bench scorer-scaleout` above measures one instance against the single"
            + " scorer and two against one.", num(big[11], 1)) : "."));
    sb.append("- **Not projected here:** landing (Kafka to the landing table: one Spark task per Kafka partition, so"
        + " it scales with partitions) and batch scoring (`kaminari score`: one model copy per task, vectors scored in"
        + " batches); `bench day` and `bench score` measure them above, at one size each.\n\n");
  }

  private static String growth(Stage st) {
    return Double.isNaN(st.exponent()) ? "not fitted" : num(st.exponent(), 2);
  }

  // ---------------------------------------------------------------------------------------------- runs

  private static void runs(StringBuilder sb, Suite s) {
    sb.append("## Runs\n\nEach in its own JVM, in this order. Seconds are the whole JVM's (data generation, Spark"
        + " start-up and warm-up included).\n\n| command | seconds | BENCH line |\n|---|---|---|\n");
    for (Run r : s.runs()) {
      sb.append("| `").append(r.command()).append("` | ").append(num(r.seconds(), 1)).append(" | ")
          .append(r.line() == null ? "**failed**: " + r.failure() : "`" + r.line().text() + "`").append(" |\n");
    }
    s.skipped().forEach((name, why) -> sb.append("| `kaminari bench ").append(name).append("` | — | skipped: ")
        .append(why).append(" |\n"));
  }

  // ---------------------------------------------------------------------------------------------- helpers

  /** The run of {@code bench} with the largest size, if any. */
  static Optional<Run> headline(Suite s, String bench) {
    return s.runs().stream().filter(r -> r.bench().name().equals(bench)).max(Comparator.comparingLong(Run::size));
  }
}
