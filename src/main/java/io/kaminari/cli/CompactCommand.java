package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.ingest.CompactConfig;
import io.kaminari.ingest.CompactJob;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari compact}: compacts landing (arrival) hours into kaminari.flows (one hour, or a backfill range). */
@Command(name = "compact", description = "Parse, dedup and compact landed records of an hour (or range) into kaminari.flows.")
final class CompactCommand extends SparkCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Window window;

  static final class Window {
    @Option(names = "--hour", paramLabel = "yyyy-MM-ddTHH", required = true,
        description = "one landing (arrival) hour, UTC")
    String hour;

    @ArgGroup(exclusive = false)
    Range range;
  }

  static final class Range {
    @Option(names = "--from", paramLabel = "yyyy-MM-ddTHH", required = true, description = "first landing hour (inclusive)")
    String from;

    @Option(names = "--to", paramLabel = "yyyy-MM-ddTHH", required = true, description = "end hour (exclusive)")
    String to;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    CompactConfig compact = CompactConfig.from(config);
    ArrivalHours hours = window.hour != null ? ArrivalHours.of(Hour.parse(window.hour))
        : new ArrivalHours(HourRange.parse(window.range.from, window.range.to));
    return spark -> {
      new CompactJob(spark, compact).compact(hours);
      return 0;
    };
  }
}
