package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour;
import io.kaminari.incidents.spark.IncidentsConfig;
import io.kaminari.incidents.spark.IncidentsJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari incidents}: recomputes the incidents of a period from a model's scores into kaminari.incidents,
 * replacing the ones it recomputes.
 */
@Command(name = "incidents", description = "Group a period's anomalous windows into incidents (victim, vector, peaks,"
    + " sources) and write them to kaminari.incidents, replacing the period's incidents (idempotent).")
final class IncidentsCommand extends SparkCommand {
  @Option(names = "--from", required = true, paramLabel = "yyyy-MM-ddTHH", description = "first hour (UTC)")
  String from;

  @Option(names = "--to", required = true, paramLabel = "yyyy-MM-ddTHH", description = "end hour, exclusive (UTC)")
  String to;

  @Option(names = "--model", defaultValue = "flow-ae", description = "model name; default ${DEFAULT-VALUE}")
  String model;

  @Option(names = "--model-version", paramLabel = "N",
      description = "version whose scores are grouped; default: the newest version that scored the period")
  Integer version;

  @Override
  protected Task prepare(KaminariConfig config) {
    IncidentsConfig incidents = new IncidentsConfig(model, version, Hour.parse(from).start(), Hour.parse(to).start(),
        config.get(Settings.INCIDENT_QUIET_WINDOWS), config.get(Settings.INCIDENT_LOOKBACK));
    return spark -> {
      new IncidentsJob(spark, incidents).run();
      return 0;
    };
  }
}
