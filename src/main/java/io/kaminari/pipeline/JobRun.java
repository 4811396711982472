package io.kaminari.pipeline;

import io.kaminari.common.time.Hour.EventHours;
import java.time.Instant;

/**
 * One row of {@code kaminari.job_runs}: what a job run did, with counts that reconcile.
 *
 * <p>Counts not meaningful for a job are 0. For compaction, {@code inputObjects = outputRows + duplicates + rejected +
 * markers}.
 *
 * @param eventHours the event hours whose partitions the run wrote: for {@code compact} those of {@code kaminari.flows}
 *     it wrote or merged into (the hours {@code features} and {@code score} must then redo, see docs/ingest.md), for
 *     {@code features} and {@code score} those they rebuilt; null for a job that writes no event-hour partition
 */
public record JobRun(
    String runId,
    String job,
    Instant windowStart,
    Instant windowEnd,
    Instant started,
    Instant finished,
    String status,
    long inputRecords,
    long inputObjects,
    long outputRows,
    long duplicates,
    long rejected,
    long markers,
    String message,
    EventHours eventHours) {

  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";

  /** This run with {@code hours} as the event hours it wrote. */
  public JobRun withEventHours(EventHours hours) {
    return new JobRun(runId, job, windowStart, windowEnd, started, finished, status, inputRecords, inputObjects,
        outputRows, duplicates, rejected, markers, message, hours);
  }

  /** One human-readable line, as the CLI prints it. */
  public String summary() {
    return String.format("%s %s [%s, %s) %s: input_records=%d input_objects=%d output_rows=%d duplicates=%d"
            + " rejected=%d markers=%d%s%s",
        job, runId, windowStart, windowEnd, status, inputRecords, inputObjects, outputRows, duplicates, rejected,
        markers, eventHours == null ? "" : " event_hours=" + eventHours,
        message == null || message.isEmpty() ? "" : " (" + message + ")");
  }
}
