package io.kaminari.pipeline;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.spark.Success$;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress of one job run while it executes, as log lines: a long {@code compact} or {@code features} run over
 * days of traffic says how far it is, rather than nothing until its summary.
 *
 * <p>It counts the Spark stages and tasks of the run's job group ({@link JobRuns#run} sets one per run, so concurrent
 * runs in one session, and the session's other jobs, are not mixed in) and the records they read and wrote. Every
 * interval after the start it writes one line, e.g.
 * {@code compact 1f0c2a9e: 90 s, 312/400 tasks of 5 stages done, 41,200,000 records read, 40,100,000 written}, and
 * nothing before the run's first stage or when no task ended since the last line. A run shorter than the interval
 * writes none. The planned tasks are those of the stages submitted so far: a later stage adds its tasks when it
 * starts, and stages that Spark skips (their shuffle output already exists) never count.
 *
 * <p>Not counted: jobs that Spark runs on threads of its own under another group, i.e. the micro-batches of a
 * Structured Streaming query ({@code land}); such a run writes no line rather than "0/0 tasks".
 *
 * <p>The interval is {@code progress.interval} ({@code Settings.PROGRESS_INTERVAL}), which {@link SparkSessions} puts
 * into the session as {@value #CONF}; 0 turns it off.
 */
final class RunProgress extends SparkListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunProgress.class);
  /** The session setting that carries {@code progress.interval} to {@link JobRuns}, in milliseconds. */
  static final String CONF = "spark.kaminari.progress-interval-ms";
  private static final String JOB_GROUP = "spark.jobGroup.id";

  private final SparkSession spark;
  private final String group;
  private final String label;
  private final Consumer<String> sink;
  private final long startedNanos = System.nanoTime();
  private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
  private final AtomicLong planned = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong read = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final ScheduledExecutorService timer;
  private long reported = -1;

  private RunProgress(SparkSession spark, String group, String label, Duration interval, Consumer<String> sink) {
    this.spark = spark;
    this.group = group;
    this.label = label;
    this.sink = sink;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kaminari-progress");
      t.setDaemon(true);
      return t;
    });
    long ms = interval.toMillis();
    timer.scheduleAtFixedRate(this::report, ms, ms, TimeUnit.MILLISECONDS);
    spark.sparkContext().addSparkListener(this);
  }

  /**
   * Starts reporting the jobs of Spark job group {@code group} as {@code label} to the log, at the session's interval
   * ({@value #CONF}, 30 s when unset); returns null when the interval is 0.
   */
  static RunProgress start(SparkSession spark, String group, String label) {
    long ms = Long.parseLong(spark.conf().get(CONF, "30000"));
    return ms <= 0 ? null : start(spark, group, label, Duration.ofMillis(ms), LOG::info);
  }

  /** As {@link #start(SparkSession, String, String)} with an explicit interval (> 0) and sink of the lines. */
  static RunProgress start(SparkSession spark, String group, String label, Duration interval,
      Consumer<String> sink) {
    if (!(interval.toMillis() > 0)) {
      throw new IllegalArgumentException("progress interval must be > 0, got " + interval);
    }
    return new RunProgress(spark, group, label, interval, sink);
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    if (event.properties() != null && group.equals(event.properties().getProperty(JOB_GROUP))) {
      // A retried stage attempt is submitted again: count its tasks once.
      if (stages.add(event.stageInfo().stageId())) planned.addAndGet(event.stageInfo().numTasks());
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    if (!stages.contains(event.stageId()) || event.reason() != Success$.MODULE$) return;
    done.incrementAndGet();
    TaskMetrics m = event.taskMetrics();
    if (m != null) {
      read.addAndGet(m.inputMetrics().recordsRead());
      written.addAndGet(m.outputMetrics().recordsWritten());
    }
  }

  /** Tasks of the run's stages that ended successfully so far. */
  long tasksDone() {
    return done.get();
  }

  /** Tasks of the run's stages submitted so far. */
  long tasksPlanned() {
    return planned.get();
  }

  private synchronized void report() {
    long tasks = done.get();
    if (stages.isEmpty() || tasks == reported) return;
    reported = tasks;
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    sink.accept(String.format(Locale.ROOT, "%s: %d s, %d/%d tasks of %d stages done, %,d records read, %,d written",
        label, seconds, tasks, planned.get(), stages.size(), read.get(), written.get()));
  }

  /** Stops the timer and detaches the listener; no line follows. */
  @Override
  public void close() {
    timer.shutdownNow();
    spark.sparkContext().removeSparkListener(this);
  }
}
