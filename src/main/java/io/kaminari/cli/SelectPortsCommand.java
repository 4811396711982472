package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.Hour;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.features.spark.SelectPortsConfig;
import io.kaminari.features.spark.SelectPortsJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari select-ports}: writes a new feature spec with the top ports by packets of a reference period. */
@Command(name = "select-ports",
    description = "Choose the top source and destination ports by packets over [--from, --to) of kaminari.flows and"
        + " write a new feature spec (model store specs/<id>.json, or --out); prints its path and id.")
final class SelectPortsCommand extends SparkCommand {
  @Option(names = "--from", paramLabel = "yyyy-MM-ddTHH[:mm]", required = true, description = "period start, UTC")
  String from;

  @Option(names = "--to", paramLabel = "yyyy-MM-ddTHH[:mm]", required = true, description = "period end (exclusive), UTC")
  String to;

  @Option(names = "--src", paramLabel = "N", defaultValue = "15", description = "source ports to select (default ${DEFAULT-VALUE})")
  int src;

  @Option(names = "--dst", paramLabel = "N", defaultValue = "15", description = "destination ports to select (default ${DEFAULT-VALUE})")
  int dst;

  @Option(names = "--scope", paramLabel = "global|dst-prefix", defaultValue = "global",
      description = "scope of the new spec (default ${DEFAULT-VALUE})")
  String scope;

  @Option(names = "--window-seconds", paramLabel = "S", defaultValue = "" + FeatureSpec.DEFAULT_WINDOW_SECONDS,
      description = "window length of the new spec (default ${DEFAULT-VALUE})")
  int windowSeconds;

  @Option(names = "--name", paramLabel = "NAME", description = "name of the new spec (documentation only)")
  String name;

  @Option(names = "--out", paramLabel = "FILE", description = "write the spec here (e.g. models/specs/x.json) instead of the model store")
  String out;

  @Override
  protected Task prepare(KaminariConfig config) {
    Scope s = Scope.parse(scope);
    SelectPortsConfig select = SelectPortsConfig.of(config, Hour.parseTime(from), Hour.parseTime(to),
        src, dst, s, windowSeconds, name, out);
    return spark -> {
      new SelectPortsJob(spark, select).run();
      return 0;
    };
  }
}
