package io.kaminari.tools.cli;

import io.kaminari.tools.bench.BenchSuite;
import io.kaminari.tools.bench.CompactBench;
import io.kaminari.tools.bench.DayBench;
import io.kaminari.tools.bench.FeaturesBench;
import io.kaminari.tools.bench.ParserFuzz;
import io.kaminari.tools.bench.PyTorchTrainBench;
import io.kaminari.tools.bench.ScoreBench;
import io.kaminari.tools.bench.ScaleOutBench;
import io.kaminari.tools.bench.ScorerBench;
import io.kaminari.tools.bench.TrainBench;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.SparkSessions;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import io.kaminari.cli.ConfigOptions;
import io.kaminari.cli.Subcommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kaminari bench NAME}: runs one benchmark in a scratch home ({@code ${home}/bench}) and ends its output with
 * the line {@code BENCH NAME key=value ...} (a fixed format that other tooling parses).
 *
 * <p>Defaults are the sizes the issues name: compact 5M flows, features 10M flows, train (and train-pytorch) 100k
 * windows x 50 epochs, score 1M windows, scorer 20M flows, scorer-scaleout 5M flows, day 10M flows. {@code all} runs its own sizes (see
 * {@link BenchSuite}), times {@code --scale}.
 */
@Command(name = "bench", description = "Run a benchmark (compact, features, train, train-pytorch, score, scorer, day,"
    + " scorer-scaleout, fuzz, or all); ends with one `BENCH NAME key=value ...` line.")
public final class BenchCommand implements Subcommand {
  @Mixin ConfigOptions options;

  @Parameters(index = "0", paramLabel = "NAME",
      description = "compact, features, train, train-pytorch (DJL against PyTorch from Python, see bench.python),"
          + " score (batch scoring in Spark), scorer (the streaming scorer), scorer-scaleout (the scale-out scorer on 1"
          + " and 2 cores), day (a day from Kafka to scores), fuzz"
          + " (the parser on mutated and adversarial input), or all (each in its own JVM; writes docs/benchmarks.md)")
  String name;

  @Option(names = "--flows",
      description = "flows (compact: 5000000, features: 10000000, day: 10000000, scorer: 20000000,"
          + " scorer-scaleout: 5000000)")
  Long flows;

  @Option(names = "--windows", description = "train, train-pytorch: windows (100000); score: vectors scored (1000000)")
  Integer windows;

  @Option(names = "--epochs", defaultValue = "50",
      description = "train, train-pytorch: epochs; default ${DEFAULT-VALUE}")
  int epochs;

  @Option(names = "--inputs", defaultValue = "" + ParserFuzz.DEFAULT_INPUTS,
      description = "fuzz: inputs; default ${DEFAULT-VALUE}")
  long inputs;

  @Option(names = "--seed", defaultValue = "1", description = "fuzz: the inputs' seed; default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--scale", defaultValue = "1", description = "all: multiply every size by this (e.g. 0.01 for a"
      + " smoke run of the suite; targets are then not judged); default ${DEFAULT-VALUE}")
  double scale;

  @Override
  public Integer call() throws Exception {
    KaminariConfig base = options.load();
    // A scratch home: the benchmarks drop and refill their tables, which must never be the real ones.
    String home = base.get(Settings.HOME) + "/bench";
    KaminariConfig config = base.with(Settings.HOME, home).with(Settings.WAREHOUSE, home + "/warehouse")
        .with(Settings.CHECKPOINTS, home + "/checkpoints").with(Settings.MODEL_STORE, home + "/models")
        .with(Settings.METASTORE_URIS, "").with(Settings.EXTERNAL_LOCATION, "");
    Path work = Path.of(home).toAbsolutePath();
    if (flows != null && flows <= 0) throw new IllegalArgumentException("--flows must be > 0");
    if (windows != null && windows <= 0) throw new IllegalArgumentException("--windows must be > 0");
    int trainWindows = windows == null ? 100_000 : windows;
    switch (name) {
      case CompactBench.NAME -> withSpark(config, spark -> CompactBench.run(spark, config, orDefault(5_000_000)));
      case FeaturesBench.NAME -> withSpark(config, spark -> FeaturesBench.run(spark, config, orDefault(10_000_000)));
      case DayBench.NAME -> withSpark(config, spark -> DayBench.run(spark, config, orDefault(10_000_000), System.out));
      case TrainBench.NAME -> TrainBench.run(trainWindows, epochs, work.resolve("train"));
      case PyTorchTrainBench.NAME -> PyTorchTrainBench.run(trainWindows, epochs, work.resolve("train-pytorch"),
          PyTorchTrainBench.python(config), System.out);
      case ScoreBench.NAME -> withSpark(config, spark -> ScoreBench.run(spark, config,
          windows == null ? 1_000_000 : windows, System.out));
      case ScorerBench.NAME -> ScorerBench.run(orDefault(20_000_000), work.resolve("scorer"),
          jar().resolveSibling("kaminari-scorer.jar"), System.out);
      case ScaleOutBench.NAME -> ScaleOutBench.run(orDefault(5_000_000), work.resolve("scorer-scaleout"),
          jar().resolveSibling("kaminari-scorer.jar"), System.out);
      case ParserFuzz.NAME -> {
        if (!ParserFuzz.run(inputs, seed, System.out)) {
          System.err.println("bench fuzz: the parser broke its contract (findings above)");
          return 1;
        }
      }
      case "all" -> {
        if (!BenchSuite.run(jar(), config, options.asArgs(), scale, Path.of("docs", "benchmarks.md"))) {
          System.err.println("bench all: some benchmarks failed (see docs/benchmarks.md)");
          return 1;
        }
      }
      default -> throw new IllegalArgumentException(
          "unknown benchmark '" + name + "' (known: compact, features, train, train-pytorch, score, scorer,"
              + " scorer-scaleout, day, fuzz, all)");
    }
    return 0;
  }

  private static Path jar() throws java.net.URISyntaxException {
    return Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private long orDefault(long def) {
    return flows == null ? def : flows;
  }

  @FunctionalInterface
  private interface SparkBench {
    void run(SparkSession spark) throws Exception;
  }

  private static void withSpark(KaminariConfig config, SparkBench bench) throws Exception {
    SparkSession spark = SparkSessions.getOrCreate(config);
    try {
      bench.run(spark);
    } finally {
      spark.stop();
    }
  }
}
