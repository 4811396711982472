package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour;
import io.kaminari.ingest.CompactJob;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.scoring.ScoreConfig;
import io.kaminari.scoring.ScoreJob;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari score}: scores the port vectors of a period, or of the event hours a compaction wrote, with a
 * registry model into anomaly_scores.
 */
@Command(name = "score", description = "Score port vectors of a period (or of the event hours the compaction of an"
    + " arrival hour wrote) with a model version (batch, backfills).")
final class ScoreCommand extends SparkCommand {
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
    @Option(names = "--from", required = true, paramLabel = "yyyy-MM-ddTHH", description = "first hour (UTC)")
    String from;

    @Option(names = "--to", required = true, paramLabel = "yyyy-MM-ddTHH", description = "end hour, exclusive (UTC)")
    String to;
  }

  @Option(names = "--model", defaultValue = "flow-ae@champion", description = "name@alias or name/version; default ${DEFAULT-VALUE}")
  String model;

  @Option(names = "--chunk-hours", defaultValue = "24", description = "hours per Spark pass (progress unit); default ${DEFAULT-VALUE}")
  int chunkHours;

  @Override
  protected Task prepare(KaminariConfig config) {
    ModelRef ref = ModelRef.parse(model);
    ModelRegistry registry = ModelRegistry.fromConfig(config);
    Hour arrival = window.afterCompact == null ? null : Hour.parse(window.afterCompact);
    // A range is checked before Spark starts; the hours after a compaction are read from job_runs.
    ScoreConfig ofRange = arrival != null ? null
        : new ScoreConfig(ref, EventHours.parse(window.range.from, window.range.to), chunkHours);
    return spark -> {
      ScoreConfig score = ofRange != null ? ofRange
          : new ScoreConfig(ref, CompactJob.eventHoursAfter(spark, arrival), chunkHours);
      new ScoreJob(spark, score, registry).run();
      return 0;
    };
  }
}
