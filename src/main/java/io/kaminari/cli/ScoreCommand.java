package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.ingest.CompactJob;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.scoring.ScoreConfig;
import io.kaminari.scoring.ScoreJob;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari score}: scores the port vectors of a period with a registry model into anomaly_scores. */
@Command(name = "score", description = "Score port vectors of a period with a model version (batch, backfills).")
final class ScoreCommand extends SparkCommand {
  @Option(names = "--from", required = true, paramLabel = "yyyy-MM-ddTHH", description = "first hour (UTC)")
  String from;

  @Option(names = "--to", required = true, paramLabel = "yyyy-MM-ddTHH", description = "end hour, exclusive (UTC)")
  String to;

  @Option(names = "--model", defaultValue = "flow-ae@champion", description = "name@alias or name/version; default ${DEFAULT-VALUE}")
  String model;

  @Option(names = "--chunk-hours", defaultValue = "24", description = "hours per Spark pass (progress unit); default ${DEFAULT-VALUE}")
  int chunkHours;

  @Override
  Task prepare(KaminariConfig config) {
    ScoreConfig score = new ScoreConfig(ModelRef.parse(model), CompactJob.parseHour(from), CompactJob.parseHour(to),
        chunkHours);
    ModelRegistry registry = ModelRegistry.fromConfig(config);
    return spark -> {
      new ScoreJob(spark, score, registry).run();
      return 0;
    };
  }
}
