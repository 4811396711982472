package io.kaminari.pipeline;

import java.time.Instant;

/**
 * One row of {@code kaminari.job_runs}: what a job run did, with counts that reconcile.
 *
 * <p>Counts not meaningful for a job are 0. For compaction, {@code inputObjects = outputRows + duplicates + rejected +
 * markers}.
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
    String message) {

  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";

  /** One human-readable line, as the CLI prints it. */
  public String summary() {
    return String.format("%s %s [%s, %s) %s: input_records=%d input_objects=%d output_rows=%d duplicates=%d"
            + " rejected=%d markers=%d%s",
        job, runId, windowStart, windowEnd, status, inputRecords, inputObjects, outputRows, duplicates, rejected,
        markers, message == null || message.isEmpty() ? "" : " (" + message + ")");
  }
}
