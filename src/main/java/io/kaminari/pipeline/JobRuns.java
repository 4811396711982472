package io.kaminari.pipeline;

import static io.kaminari.common.Columns.FINISHED;
import static io.kaminari.common.Columns.JOB;
import static io.kaminari.common.Columns.STATUS;
import static io.kaminari.common.Columns.WINDOW_END;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Records every job run in {@code kaminari.job_runs}, successful or failed.
 *
 * <p>{@link #run} is the one way jobs are executed: it times the body, logs its progress while it runs
 * ({@link RunProgress}), appends the row, prints the summary to stdout, and on failure appends a FAILED row and
 * rethrows, so a failure is never reported as success.
 */
public final class JobRuns {
  private JobRuns() {}

  /** The body of a job run: does the work and returns its counts (runId, job, times and status are filled in). */
  @FunctionalInterface
  public interface Body {
    JobRun execute(String runId) throws Exception;
  }

  /** Runs {@code body} for {@code job} over {@code [windowStart, windowEnd)} and records the outcome. */
  public static JobRun run(SparkSession spark, String job, Instant windowStart, Instant windowEnd, Body body)
      throws Exception {
    String runId = UUID.randomUUID().toString();
    Instant started = Instant.now();
    String group = job.toUpperCase() + " " + runId;
    spark.sparkContext().setJobGroup(group, job + " " + windowStart, false);
    RunProgress progress = RunProgress.start(spark, group, job + " " + runId.substring(0, 8));
    try {
      JobRun counts = body.execute(runId);
      JobRun done = new JobRun(runId, job, windowStart, windowEnd, started, Instant.now(), JobRun.SUCCEEDED,
          counts.inputRecords(), counts.inputObjects(), counts.outputRows(), counts.duplicates(), counts.rejected(),
          counts.markers(), counts.message(), counts.eventHours());
      append(spark, done);
      System.out.println(done.summary());
      return done;
    } catch (Exception | Error e) {
      JobRun failed = new JobRun(runId, job, windowStart, windowEnd, started, Instant.now(), JobRun.FAILED,
          0, 0, 0, 0, 0, 0, String.valueOf(e), null);
      try {
        append(spark, failed);
      } catch (RuntimeException logFailure) {
        e.addSuppressed(logFailure);
      }
      throw e;
    } finally {
      if (progress != null) progress.close();
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * Counts only; the other fields are filled in by {@link #run} (a job that writes event-hour partitions adds them with
   * {@link JobRun#withEventHours}).
   */
  public static JobRun counts(long inputRecords, long inputObjects, long outputRows, long duplicates, long rejected,
      long markers, String message) {
    return new JobRun(null, null, null, null, null, null, null, inputRecords, inputObjects, outputRows, duplicates,
        rejected, markers, message, null);
  }

  /**
   * The latest successful run of {@code job} whose window holds {@code hour} (the one that finished last), if any:
   * with {@code job_runs} as the record of what each run wrote, what a later step must redo.
   */
  public static Optional<JobRun> lastSucceeded(SparkSession spark, String job, Hour hour) {
    List<Row> rows = spark.table(Warehouse.JOB_RUNS)
        .where(col(JOB).equalTo(job).and(col(STATUS).equalTo(JobRun.SUCCEEDED))
            .and(col(WINDOW_START).leq(lit(hour.start()))).and(col(WINDOW_END).gt(lit(hour.start()))))
        .orderBy(col(FINISHED).desc()).limit(1).collectAsList();
    return rows.stream().findFirst().map(JobRuns::fromRow);
  }

  /** Every successful run of {@code job} whose window overlaps {@code [from, to)}, in no particular order. */
  public static List<JobRun> succeeded(SparkSession spark, String job, Instant from, Instant to) {
    return spark.table(Warehouse.JOB_RUNS)
        .where(col(JOB).equalTo(job).and(col(STATUS).equalTo(JobRun.SUCCEEDED))
            .and(col(WINDOW_START).lt(lit(to))).and(col(WINDOW_END).gt(lit(from))))
        .collectAsList().stream().map(JobRuns::fromRow).toList();
  }

  /** Every successful run of {@code job} that finished in {@code [from, to)} (runs without a window: {@code land}). */
  public static List<JobRun> finished(SparkSession spark, String job, Instant from, Instant to) {
    return spark.table(Warehouse.JOB_RUNS)
        .where(col(JOB).equalTo(job).and(col(STATUS).equalTo(JobRun.SUCCEEDED))
            .and(col(FINISHED).geq(lit(from))).and(col(FINISHED).lt(lit(to))))
        .orderBy(col(FINISHED)).collectAsList().stream().map(JobRuns::fromRow).toList();
  }

  /** A row of {@code job_runs}, its columns in table order as {@link #append} writes them. */
  private static JobRun fromRow(Row r) {
    return new JobRun(r.getString(0), r.getString(1), r.getAs(2), r.getAs(3), r.getAs(4), r.getAs(5), r.getString(6),
        r.getLong(7), r.getLong(8), r.getLong(9), r.getLong(10), r.getLong(11), r.getLong(12), r.getString(13),
        r.isNullAt(14) ? null : EventHours.ofStrings(r.getList(14)));
  }

  private static void append(SparkSession spark, JobRun r) {
    Row row = RowFactory.create(r.runId(), r.job(), r.windowStart(), r.windowEnd(), r.started(), r.finished(),
        r.status(), r.inputRecords(), r.inputObjects(), r.outputRows(), r.duplicates(), r.rejected(), r.markers(),
        r.message(), r.eventHours() == null ? null : r.eventHours().strings());
    spark.createDataFrame(List.of(row), spark.table(Warehouse.JOB_RUNS).schema())
        .coalesce(1).write().insertInto(Warehouse.JOB_RUNS);
  }
}
