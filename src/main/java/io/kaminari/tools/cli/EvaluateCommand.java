package io.kaminari.tools.cli;

import io.kaminari.common.ConfigException;
import io.kaminari.common.Durations;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.tools.evaluate.EvaluateConfig;
import io.kaminari.tools.evaluate.EvaluateJob;
import io.kaminari.features.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.spark.sql.SparkSession;
import io.kaminari.cli.SparkCommand;
import io.kaminari.cli.Subcommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari evaluate}: the evaluation harness (fixed interface, other tooling depends on it). Runs the real
 * pipeline and the FastNetMon-style baseline on labelled flows in a private warehouse and model store under
 * {@code --out}, and writes scores.csv, baseline_scores.csv, metrics.json and report.html there.
 */
@Command(name = "evaluate",
    description = "Evaluate the autoencoder against a FastNetMon-style threshold baseline on labelled pmacct flows;"
        + " writes DIR/scores.csv, DIR/baseline_scores.csv, DIR/metrics.json and DIR/report.html (a private warehouse"
        + " and model store go to DIR/work).")
public final class EvaluateCommand extends SparkCommand implements Subcommand {
  @Option(names = "--flows", required = true, paramLabel = "PATH",
      description = "a pmacct JSON-lines file or a directory of them (.gz accepted)")
  Path flows;

  @Option(names = "--labels", required = true, paramLabel = "PATH",
      description = "CSV with a header and at least window_start (ISO-8601 UTC) and attack_flows (> 0 = attack)")
  Path labels;

  @Option(names = "--window", defaultValue = "1m", paramLabel = "1m|5m|...",
      description = "window length; default ${DEFAULT-VALUE}")
  String window;

  @Option(names = "--scope", defaultValue = "global", paramLabel = "global|dst-prefix",
      description = "scope of the vectors and scores; default ${DEFAULT-VALUE}")
  String scope;

  @Option(names = "--train-from", required = true, paramLabel = "T", description = "training range start, ISO-8601 UTC")
  Instant trainFrom;

  @Option(names = "--train-to", required = true, paramLabel = "T", description = "training range end (exclusive)")
  Instant trainTo;

  @Option(names = "--test-from", required = true, paramLabel = "T", description = "test range start, ISO-8601 UTC")
  Instant testFrom;

  @Option(names = "--test-to", required = true, paramLabel = "T", description = "test range end (exclusive)")
  Instant testTo;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
  Path out;

  @Option(names = "--baseline-margin", defaultValue = "" + EvaluateConfig.DEFAULT_BASELINE_MARGIN,
      description = "baseline thresholds = training maximum x this; default ${DEFAULT-VALUE}")
  double baselineMargin;

  /** The private state of the run: everything under DIR/work, whatever the config file or flags say. */
  @Override
  protected KaminariConfig configure(KaminariConfig config) {
    Path work = out.toAbsolutePath().normalize().resolve("work");
    return config.with(Settings.HOME, work.toString())
        .with(Settings.WAREHOUSE, work.resolve("warehouse").toString())
        .with(Settings.CHECKPOINTS, work.resolve("checkpoints").toString())
        .with(Settings.MODEL_STORE, work.resolve("models").toUri().toString())
        .with(Settings.METASTORE_URIS, "").with(Settings.EXTERNAL_LOCATION, "");
  }

  @Override
  protected Schema schema() {
    return Schema.OWN;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    Scope s = Scope.parse(scope);
    if (!Files.exists(flows)) throw new IllegalArgumentException("--flows " + flows + " does not exist");
    if (!Files.isRegularFile(labels)) throw new IllegalArgumentException("--labels " + labels + " is not a file");
    EvaluateConfig cfg = new EvaluateConfig(flows, labels, Durations.parse(window), s, trainFrom, trainTo, testFrom,
        testTo, out, baselineMargin);
    // Spark's Derby metastore and warehouse are fixed when a JVM's session is built: the private warehouse needs a
    // session of its own, so a JVM that already holds another one (a test suite, a notebook) cannot run this.
    SparkSession existing = SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
    if (existing != null && !config.get(Settings.WAREHOUSE).equals(existing.conf().get("spark.sql.warehouse.dir", ""))
        && !existing.conf().get("spark.sql.warehouse.dir", "").endsWith(config.get(Settings.WAREHOUSE))) {
      throw new ConfigException("evaluate runs in a private warehouse under " + out + " and needs a JVM of its own"
          + " (java -jar target/kaminari.jar evaluate ...); this one already has a Spark session on "
          + existing.conf().get("spark.sql.warehouse.dir", "?"));
    }
    return spark -> {
      new EvaluateJob(spark, cfg, config).run();
      return 0;
    };
  }
}
