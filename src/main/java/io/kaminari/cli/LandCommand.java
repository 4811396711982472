package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.ingest.LandConfig;
import io.kaminari.ingest.LandJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari land}: lands everything new from Kafka (or a directory of JSON-lines files), exactly once. */
@Command(name = "land", description = "Land new pmacct records from Kafka (or --from-files DIR) into kaminari.flows_landing.")
final class LandCommand extends SparkCommand {
  @Option(names = "--from-files", paramLabel = "DIR",
      description = "land the JSON-lines files (optionally .gz) of DIR instead of Kafka; each file once")
  String filesDir;

  @Override
  protected Task prepare(KaminariConfig config) {
    LandConfig land = filesDir == null ? LandConfig.kafka(config) : LandConfig.files(config, filesDir);
    return spark -> {
      new LandJob(spark, land).run();
      return 0;
    };
  }
}
