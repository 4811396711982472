package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureSpecs;
import io.kaminari.features.spark.FeaturesConfig;
import io.kaminari.features.spark.FeaturesJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari features}: builds (or rebuilds) the port vectors of one spec for a range of windows. */
@Command(name = "features",
    description = "Build kaminari.port_vectors of a feature spec from kaminari.flows for [--from, --to); reruns replace"
        + " that spec's vectors of the range (whole UTC hours).")
final class FeaturesCommand extends SparkCommand {
  @Option(names = "--from", paramLabel = "yyyy-MM-ddTHH[:mm]", required = true,
      description = "first window start, UTC, aligned to the spec's window")
  String from;

  @Option(names = "--to", paramLabel = "yyyy-MM-ddTHH[:mm]", required = true, description = "end (exclusive), UTC")
  String to;

  @Option(names = "--spec", paramLabel = "FILE|NAME", required = true,
      description = "spec file, a generated spec id in the model store, or a bundled spec (seed-global, seed-dst-prefix)")
  String spec;

  @Override
  Task prepare(KaminariConfig config) {
    FeatureSpec featureSpec = FeatureSpecs.resolve(spec, config.get(Settings.MODEL_STORE).toString());
    FeaturesConfig features = FeaturesConfig.of(config, featureSpec, FeaturesConfig.parseTime(from),
        FeaturesConfig.parseTime(to));
    return spark -> {
      new FeaturesJob(spark, features).run();
      return 0;
    };
  }
}
