package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.ingest.Reconciliation;
import io.kaminari.ingest.VerifyConfig;
import io.kaminari.ingest.VerifyJob;
import io.kaminari.pipeline.JobRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari verify}: names the landing hours whose records compaction did not all account for, and exits 1 if
 * any is left (after {@code --repair}, which re-compacts them).
 */
@Command(name = "verify",
    description = "Reconcile landing hours with what compaction accounted for; exit 1 if any does not (--repair: re-compact them).")
final class VerifyCommand extends SparkCommand {
  @Option(names = "--from", paramLabel = "yyyy-MM-ddTHH", required = true, description = "first landing hour (inclusive)")
  String from;

  @Option(names = "--to", paramLabel = "yyyy-MM-ddTHH", required = true, description = "end hour (exclusive)")
  String to;

  @Option(names = "--repair", description = "re-compact, in one run, from the first hour that does not reconcile to --to")
  boolean repair;

  @Option(names = "--rows", description = "also look every landing record up in flows and flows_rejected by its"
      + " coordinates (finds rows lost after their compaction; reads every flows partition the hours' compactions"
      + " wrote), and name the land runs that finished in the hours and recorded a data loss")
  boolean rows;

  @Override
  protected Task prepare(KaminariConfig config) {
    VerifyConfig verify = VerifyConfig.from(config, new ArrivalHours(HourRange.parse(from, to)), repair, rows);
    return spark -> {
      VerifyJob.Verification v = new VerifyJob(spark, verify).run();
      for (Reconciliation.Gap g : v.found()) System.out.println("verify: does not reconcile: " + g.describe());
      v.repair().ifPresent(r -> System.out.println("verify: repaired by " + r.summary()));
      for (Reconciliation.Gap g : v.remaining()) System.out.println("verify: still does not reconcile: " + g.describe());
      for (JobRun r : v.losses()) {
        System.out.println("verify: DATA LOSS: land run " + r.runId() + " (finished " + r.finished() + ") skipped "
            + r.rejected() + " record(s) Kafka had deleted: " + r.message());
      }
      System.out.println("verify: " + verify.hours() + ": " + (v.reconciles() ? "every hour reconciles"
          : v.remaining().size() + " hour(s) do not reconcile, " + v.losses().size() + " land run(s) lost records"));
      return v.reconciles() ? 0 : 1;
    };
  }
}
