package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.common.time.Hour;
import io.kaminari.features.FeatureSpecs;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.spark.TrainConfig;
import io.kaminari.model.spark.TrainJob;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari train}: trains the autoencoder on a period's vectors, publishes a version, runs the gate. */
@Command(name = "train", description = "Train the autoencoder on port vectors and publish a new model version.")
final class TrainCommand extends SparkCommand {
  @Option(names = "--from", required = true, paramLabel = "yyyy-MM-ddTHH", description = "first hour of training data (UTC)")
  String from;

  @Option(names = "--to", required = true, paramLabel = "yyyy-MM-ddTHH", description = "end hour, exclusive (UTC)")
  String to;

  @Option(names = "--spec", required = true, description = "feature spec: a bundled name (seed-global), a file, or an id")
  String spec;

  @Option(names = "--name", defaultValue = "flow-ae", description = "registry model name; default ${DEFAULT-VALUE}")
  String name;

  @Option(names = "--hyperparameters", paramLabel = "FILE", description = "JSON like models/flow-ae/definition.json")
  Path hyperparameters;

  @Option(names = "--epochs", description = "override epochs") Integer epochs;
  @Option(names = "--batch-size", description = "override batch size") Integer batchSize;
  @Option(names = "--learning-rate", description = "override learning rate") Double learningRate;
  @Option(names = "--seed", description = "override seed") Long seed;
  @Option(names = "--hidden", split = ",", description = "override hidden sizes, e.g. 20,20") List<Integer> hidden;
  @Option(names = "--threshold",
      description = "override threshold method: quantile:Q, sigma:K, mad:K, pot:R/day or pot:Q") String threshold;
  @Option(names = "--trim-fraction",
      description = "override trimmed retraining: share of windows to drop as presumed anomalies, 0 = off")
  Double trimFraction;

  @Option(names = "--promote", defaultValue = "champion",
      description = "alias to offer the new version to through the gate; 'none' to only publish; default ${DEFAULT-VALUE}")
  String promote;

  @Option(names = "--force", description = "promote even if the gate refuses")
  boolean force;

  @Override
  protected Task prepare(KaminariConfig config) {
    Instant f = Hour.parse(from).start();
    Instant t = Hour.parse(to).start();
    FeatureSpec featureSpec = FeatureSpecs.resolve(spec, config.get(Settings.MODEL_STORE).toString());
    Hyperparameters hp = hyperparameters == null ? Hyperparameters.DEFAULTS : Hyperparameters.read(hyperparameters);
    hp = new Hyperparameters(hidden == null ? hp.hiddenSizes() : hidden, epochs == null ? hp.epochs() : epochs,
        batchSize == null ? hp.batchSize() : batchSize, learningRate == null ? hp.learningRate() : learningRate,
        hp.optimiser(), seed == null ? hp.seed() : seed, hp.patience(), hp.validationFraction(),
        threshold == null ? hp.threshold() : ThresholdMethod.parse(threshold),
        trimFraction == null ? hp.trimFraction() : trimFraction);
    TrainConfig train = new TrainConfig(name, featureSpec, f, t, hp, "none".equals(promote) ? null : promote, force,
        config.get(Settings.PROMOTION_MARGIN), Path.of(config.get(Settings.HOME)).resolve("tmp"));
    ModelRegistry registry = ModelRegistry.fromConfig(config);
    return spark -> {
      new TrainJob(spark, train, registry).run();
      return 0;
    };
  }
}
