package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.ingest.CompactConfig;
import io.kaminari.ingest.CompactJob;
import org.apache.spark.sql.SparkSession;
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
  int run(KaminariConfig config, SparkSession spark) throws Exception {
    CompactJob job = new CompactJob(spark, CompactConfig.from(config));
    if (window.hour != null) {
      job.compactHour(CompactJob.parseHour(window.hour));
    } else {
      job.compactRange(CompactJob.parseHour(window.range.from), CompactJob.parseHour(window.range.to));
    }
    return 0;
  }
}
