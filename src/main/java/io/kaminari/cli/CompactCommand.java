package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.ingest.CompactConfig;
import io.kaminari.ingest.CompactJob;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari compact}: compacts landing hours into kaminari.flows (one hour, or a backfill range). */
@Command(name = "compact", description = "Parse, dedup and compact landed records of an hour (or range) into kaminari.flows.")
final class CompactCommand extends SparkCommand {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Window window;

  static final class Window {
    @Option(names = "--hour", paramLabel = "yyyy-MM-ddTHH", required = true, description = "one landing hour, UTC")
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
  Task prepare(KaminariConfig config) {
    CompactConfig compact = CompactConfig.from(config);
    Instant from = CompactJob.parseHour(window.hour != null ? window.hour : window.range.from);
    Instant to = window.hour != null ? from.plus(1, ChronoUnit.HOURS) : CompactJob.parseHour(window.range.to);
    if (!from.isBefore(to)) throw new IllegalArgumentException("--from must be before --to");
    return spark -> {
      new CompactJob(spark, compact).compactRange(from, to);
      return 0;
    };
  }
}
