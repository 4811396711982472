package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureSpecs;
import io.kaminari.features.spark.FeaturesConfig;
import io.kaminari.features.spark.FeaturesJob;
import io.kaminari.ingest.CompactJob;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari features}: builds (or rebuilds) the port vectors of one spec for a range of windows, or for the event
 * hours a compaction wrote.
 */
@Command(name = "features",
    description = "Build kaminari.port_vectors of a feature spec from kaminari.flows for [--from, --to), or for the"
        + " event hours the compaction of an arrival hour wrote (--after-compact); reruns replace that spec's vectors"
        + " of those (whole UTC) event hours.")
final class FeaturesCommand extends SparkCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  EventWindow window;

  static final class EventWindow {
    @ArgGroup(exclusive = false)
    Range range;

    @Option(names = "--after-compact", paramLabel = "yyyy-MM-ddTHH", required = true,
        description = "the event hours that `compact --hour` of this arrival hour wrote (read from kaminari.job_runs),"
            + " and this hour itself")
    String afterCompact;
  }

  static final class Range {
    @Option(names = "--from", paramLabel = "yyyy-MM-ddTHH[:mm]", required = true,
        description = "first window start, UTC, aligned to the spec's window")
    String from;

    @Option(names = "--to", paramLabel = "yyyy-MM-ddTHH[:mm]", required = true, description = "end (exclusive), UTC")
    String to;
  }

  @Option(names = "--spec", paramLabel = "FILE|NAME", required = true,
      description = "spec file, a generated spec id in the model store, or a bundled spec (seed-global, seed-dst-prefix)")
  String spec;

  @Override
  protected Task prepare(KaminariConfig config) {
    FeatureSpec featureSpec = FeatureSpecs.resolve(spec, config.get(Settings.MODEL_STORE).toString());
    if (window.afterCompact != null) {
      Hour arrival = Hour.parse(window.afterCompact);
      return spark -> {
        FeaturesConfig features = FeaturesConfig.of(config, featureSpec, CompactJob.eventHoursAfter(spark, arrival));
        new FeaturesJob(spark, features).run();
        return 0;
      };
    }
    FeaturesConfig features = FeaturesConfig.of(config, featureSpec, Hour.parseTime(window.range.from),
        Hour.parseTime(window.range.to));
    return spark -> {
      new FeaturesJob(spark, features).run();
      return 0;
    };
  }
}
