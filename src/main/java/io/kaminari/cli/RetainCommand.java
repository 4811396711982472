package io.kaminari.cli;

import io.kaminari.common.Durations;
import io.kaminari.common.KaminariConfig;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.retention.RetainConfig;
import io.kaminari.retention.RetainJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari retain}: drops the partitions older than a retention period. */
@Command(name = "retain", description = "Drop the partitions of the warehouse's time-partitioned tables that lie wholly"
    + " before now minus --older-than (files of managed tables go with them); records a job run.")
final class RetainCommand extends SparkCommand {
  @Option(names = "--older-than", required = true, paramLabel = "DURATION",
      description = "retention period, e.g. 90d or 36h: partitions ending at or before now minus it are dropped")
  String olderThan;

  @Option(names = "--table", paramLabel = "TABLE", description = "a table to apply it to (repeatable); default all"
      + " time-partitioned tables: ${COMPLETION-CANDIDATES}", completionCandidates = Tables.class)
  List<String> tables;

  @Option(names = "--dry-run", description = "list what would be dropped, drop nothing")
  boolean dryRun;

  /** The tables {@code --table} may name. */
  static final class Tables implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Warehouse.PARTITIONED_TABLES.iterator();
    }
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    Duration period = Durations.parse(olderThan);
    List<String> chosen = tables == null || tables.isEmpty() ? Warehouse.PARTITIONED_TABLES : tables;
    for (String t : chosen) {
      if (!Warehouse.PARTITIONED_TABLES.contains(t)) {
        throw new IllegalArgumentException("--table " + t + " is not one of " + Warehouse.PARTITIONED_TABLES);
      }
    }
    RetainConfig retain = new RetainConfig(Instant.now().minus(period), chosen, dryRun);
    return spark -> {
      new RetainJob(spark, retain).run();
      return 0;
    };
  }
}
