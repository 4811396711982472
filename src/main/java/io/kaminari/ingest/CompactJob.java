package io.kaminari.ingest;

import static io.kaminari.ingest.SparkFlowSchema.TABLE_COLUMNS;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.Micros;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Partitions;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * Compacts landing hours ({@link ArrivalHours}) of {@code kaminari.flows_landing} into typed, deduplicated rows of
 * {@code kaminari.flows}, partitioned by event hour, and quarantines what does not parse in
 * {@code kaminari.flows_rejected}; the run returns (and records in {@code kaminari.job_runs}) the event hours it wrote.
 *
 * <p>Contract: after {@code compact(H)} every JSON object landed (arrived) in hour H is in exactly one place: a row of
 * {@code flows} in the partition of its event hour, a row of {@code flows_rejected} in partition H, or the marker
 * count; objects whose coordinates are already in {@code flows} (replays, reruns) are counted as duplicates and not
 * written again. Records that arrive late (event hour before H) are merged into their event-hour partition: the touched
 * partitions are rewritten as the union of what they held and the new rows, deduplicated by source coordinates with the
 * existing row winning. The flows partitions are replaced by Spark's dynamic partition overwrite, new hours in one commit
 * and merged hours in a second, so a killed run never leaves a partition half written, and rerunning any hour gives the
 * same rows. The event hours written ({@link JobRun#eventHours()}) are those whose features and scores are then stale:
 * {@link #eventHoursAfter} is what {@code features} and {@code score} redo after compacting H.
 *
 * <p>How (docs/ingest.md): copies of a record share their coordinates and so their event hour, which makes the dedup
 * local to an hour. A scan of the landing coordinates alone ({@link LandingCoordinates}, no parsing) tells whether the
 * range holds a record twice (a replay). Without one, a single parse ({@link LandingParser}) writes every flow whose
 * hour has no partition yet straight into the table, with no shuffle, and counts objects by kind and flows by event
 * hour on the way (a {@link Tally}); the hours that already exist (late records, reruns) are then rewritten by the
 * shuffle-and-dedup {@link #merge} with their existing rows. After a replay every touched hour goes through the merge.
 */
public final class CompactJob {
  public static final String JOB = "compact";

  private static final String ORIGIN = "_origin";
  private static final String BUCKET = "_bucket";
  private static final String RANK = "_rank";
  private static final int SPLITS_PER_CORE = 4;

  private final SparkSession spark;
  private final CompactConfig config;
  private final LandingParser parser;
  private Faults faults = Faults.NONE;

  /**
   * Points of a compaction where a test makes it fail (or wait), as a killed driver would; production runs have none.
   */
  interface Faults {
    Faults NONE = point -> { };
    /** This compaction waits for the lock another one holds. */
    String LOCK_WAIT = "lock-wait";
    /** The partitions that exist are listed: what is written directly and what is merged is decided. */
    String PLANNED = "planned";
    /** The merged rows are in their new directories; no partition points at them yet. */
    String SWAP_WRITTEN = "swap-written";
    /** One more partition points at its new directory. */
    String SWAP_MOVED_ONE = "swap-moved-one";
    /** Every merged partition points at its new directory; the old ones are not deleted yet. */
    String SWAP_MOVED = "swap-moved";

    void at(String point) throws Exception;
  }

  public CompactJob(SparkSession spark, CompactConfig config) {
    this.spark = spark;
    this.config = config;
    this.parser = new LandingParser(spark, config.collectorZone(), config.eventTimes());
  }

  /** This job with {@code faults} injected (tests). */
  CompactJob withFaults(Faults faults) {
    this.faults = faults;
    return this;
  }

  /**
   * Compacts every landing hour of {@code hours} in one pass and records one job run; a backfill over months is one
   * wide range. The run's {@link JobRun#eventHours()} are the flows partitions it wrote or merged into.
   */
  public JobRun compact(ArrivalHours hours) throws Exception {
    return JobRuns.run(spark, JOB, hours.start(), hours.end(), runId -> {
      try (LeaseLock lock = LeaseLock.acquire(lockDir(), spark.sparkContext().hadoopConfiguration(), config.lockTtl(),
          config.lockWait(), this::lockWaited)) {
        return withSettings(readSettings(), () -> compact(
            spark.table(Warehouse.FLOWS_LANDING).where(hours.where()).select(columns(LandingParser.COLUMNS)), hours,
            runId, lock));
      }
    });
  }

  /**
   * The directory of the lock that lets one compaction at a time change {@code kaminari.flows} (and the quarantine):
   * each decides from the partitions listed when it starts which hours it writes whole and which it merges into, so
   * two at once could both write an event hour they share, and the later commit would drop the other's rows.
   */
  private Path lockDir() {
    return config.lockDir().isEmpty() ? new Path(Warehouse.location(spark, Warehouse.FLOWS), "_lock")
        : new Path(config.lockDir());
  }

  private void lockWaited() {
    try {
      faults.at(Faults.LOCK_WAIT);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The event hours whose vectors and scores are stale once arrival hour {@code arrival} is compacted, which
   * {@code features} and {@code score --after-compact H} rebuild: the flows partitions that the latest successful
   * compaction covering H wrote or merged into (its {@code job_runs} row), and event hour H itself, so that an hour
   * with no traffic still gets its (all-zero) global vectors and their scores.
   *
   * @throws IllegalStateException if no successful compaction covers H, or it recorded no event hours
   */
  public static EventHours eventHoursAfter(SparkSession spark, Hour arrival) {
    JobRun run = JobRuns.lastSucceeded(spark, JOB, arrival).orElseThrow(() -> new IllegalStateException(
        "arrival hour " + arrival + " has no successful compaction in " + Warehouse.JOB_RUNS + ": run `kaminari "
            + JOB + " --hour " + arrival + "` first"));
    if (run.eventHours() == null) {
      throw new IllegalStateException("the compaction " + run.runId() + " of arrival hour " + arrival
          + " recorded no event hours (it ran before job_runs had them): run `kaminari " + JOB + " --hour " + arrival
          + "` again");
    }
    return run.eventHours().with(arrival);
  }

  /**
   * The settings of the whole run. The landing scan is split into at least {@value #SPLITS_PER_CORE} tasks per core:
   * Spark's default (a split per core, up to 128 MB each) gives a small cluster a handful of uneven tasks, and the
   * cores whose tasks end first then idle while the last one runs (on 2 cores, a tenth of compaction's time).
   * Timestamps are written as they are, proleptic Gregorian like every time Kaminari computes: Spark's default refuses
   * to write one before 1582 (its rebase mode EXCEPTION), and one such {@code timestamp_end} failed its hour forever.
   */
  private Map<String, String> readSettings() {
    return Map.of("spark.sql.files.minPartitionNum",
        String.valueOf(SPLITS_PER_CORE * spark.sparkContext().defaultParallelism()),
        "spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED");
  }

  private JobRun compact(Dataset<Row> landing, ArrivalHours hours, String runId, LeaseLock lock) throws Exception {
    PartitionSwap swap = new PartitionSwap(spark, Warehouse.FLOWS, faults);
    swap.recover();
    LandingCoordinates coordinates = LandingCoordinates.scan(landing);
    boolean replays = coordinates.replays();
    // Epoch hours (Hour.index), as the parse and its tally count them.
    Set<Long> present = Partitions.hours(spark, Warehouse.FLOWS).stream().map(Hour::index)
        .collect(Collectors.toUnmodifiableSet());
    faults.at(Faults.PLANNED);
    Tally tally = new Tally();
    spark.sparkContext().register(tally);
    if (replays) {
      parser.count(landing, tally);
    } else {
      // Hours with no partition yet cannot hold a copy of these records: written straight from the parse.
      HourSelection fresh = new HourSelection(present, false);
      lock.check();
      withSettings(directWriteSettings(), () -> {
        insert(parser.flows(landing, fresh, tally));
        return null;
      });
    }
    lock.check();
    long rejected = quarantine(landing, tally, replays, hours);

    Map<Long, Long> flowsByHour = tally.flowsByHour();
    Set<Long> touched = flowsByHour.keySet();
    Set<Long> existing = touched.stream().filter(present::contains).collect(Collectors.toUnmodifiableSet());
    // The direct write took every flow of the hours with no partition. They are counted in the parse, not by an
    // observation on the write: that would split the scan and the write into two generated stages, each copying every
    // row, and its per-row aggregate with them cost about 7% of compaction.
    long direct = replays ? 0 : flowsByHour.entrySet().stream().filter(e -> !present.contains(e.getKey()))
        .mapToLong(Map.Entry::getValue).sum();
    // Hours whose rows must be deduplicated: those with rows already in the table, or all of them after a replay.
    Set<Long> merged = replays ? touched : existing;
    long existingRows = 0;
    long mergedRows = 0;
    int files = 1;
    if (!merged.isEmpty()) {
      Dataset<Row> old = spark.table(Warehouse.FLOWS).where(eventHours(existing).where())
          .select(columns(TABLE_COLUMNS));
      existingRows = existing.isEmpty() ? 0 : old.count();
      long maxRows = merged.stream().mapToLong(flowsByHour::get).max().orElse(0) + existingRows;
      files = (int) Math.max(1, Math.min(1000, (maxRows + config.rowsPerFile() - 1) / config.rowsPerFile()));
      int tasks = Math.max(1, Math.min(4000, merged.size() * files));
      mergedRows = swap.replace(merge(parser.flows(landing, new HourSelection(merged, true), null), old, files, tasks),
          eventHours(merged).hours(), runId, lock::check);
    }

    long outputRows = direct + mergedRows - existingRows;
    long duplicates = (tally.flows() - outputRows) + (tally.rejects() - rejected);
    if (duplicates < 0 || (duplicates > 0 && !replays && existing.isEmpty())) {
      throw new IllegalStateException("counts do not reconcile: objects=" + tally.objects() + " output=" + outputRows
          + " duplicates=" + duplicates + " rejected=" + rejected + " markers=" + tally.markers()
          + " (replays: " + replays + ", existing partitions: " + existing.size() + ")");
    }
    EventHours written = eventHours(touched);
    List<String> partitions = written.hours().stream().map(h -> String.format("%s/%02d", h.dt(), h.hourOfDay()))
        .toList();
    String where = partitions.isEmpty() ? "no flows"
        : partitions.size() + " flows partition(s) " + partitions.get(0) + " .. " + partitions.get(partitions.size() - 1)
            + (merged.isEmpty() ? ", all new"
                : ", " + merged.size() + " merged (existing rows or replays) into at most " + files + " file(s) each");
    return JobRuns.counts(coordinates.records(), tally.objects(), outputRows, duplicates, rejected, tally.markers(),
        where).withEventHours(written);
  }

  /**
   * Replaces the quarantine of the range's landing hours (so a rerun with fewer rejects also clears) and returns the
   * rejects written.
   */
  private long quarantine(Dataset<Row> landing, Tally tally, boolean replays, ArrivalHours hours) {
    Partitions.drop(spark, Warehouse.FLOWS_REJECTED,
        Partitions.hours(spark, Warehouse.FLOWS_REJECTED).stream().filter(hours::contains).toList(), null);
    if (tally.rejects() == 0) return 0;
    Dataset<Row> rejects = parser.rejects(landing, Micros.of(Instant.now()));
    if (replays) rejects = rejects.dropDuplicates(SparkFlowSchema.COORDINATE_NAMES);
    rejects.write().mode("overwrite").insertInto(Warehouse.FLOWS_REJECTED);
    return spark.table(Warehouse.FLOWS_REJECTED).where(hours.where()).count();
  }

  /** Inserts {@code rows} into {@code kaminari.flows}, overwriting the partitions they hold. */
  private void insert(Dataset<Row> rows) {
    rows.write().mode("overwrite").insertInto(Warehouse.FLOWS);
  }

  /**
   * The settings of the direct write: at most {@code compact.rows-per-file} rows per file, and 4 concurrent file
   * writers per task instead of Spark's sort by partition before every dynamic-partition write. A read task holds the
   * event hours of its few landing files; past 4 open files Spark sorts the rest of the task's rows. More writers
   * (8, 64) measured no faster: each open file keeps its own dictionaries and buffers.
   */
  private Map<String, String> directWriteSettings() {
    return Map.of(
        "spark.sql.files.maxRecordsPerFile", String.valueOf(config.rowsPerFile()),
        "spark.sql.optimizer.plannedWrite.enabled", "false",
        "spark.sql.maxConcurrentOutputFileWriters", "4");
  }

  /** Runs {@code action} with the session's SQL settings changed to {@code settings}, and restores them after. */
  private <T> T withSettings(Map<String, String> settings, Callable<T> action) throws Exception {
    Map<String, String> before = new HashMap<>();
    settings.forEach((k, v) -> {
      before.put(k, spark.conf().get(k, null));
      spark.conf().set(k, v);
    });
    try {
      return action.call();
    } finally {
      before.forEach((k, v) -> {
        if (v == null) spark.conf().unset(k);
        else spark.conf().set(k, v);
      });
    }
  }

  /** The event hours of epoch hours (as the tally counts them). */
  private static EventHours eventHours(Collection<Long> hours) {
    return EventHours.of(hours.stream().map(Hour::new).toList());
  }

  private static Column[] columns(String... names) {
    return Arrays.stream(names).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
  }

  private static Column[] columns(List<String> names) {
    return columns(names.toArray(String[]::new));
  }

  /**
   * The rows of {@code existing} plus those of {@code fresh} whose coordinates are not in {@code existing}, each
   * coordinate once. Rows are spread over {@code tasks} tasks by (dt, hour, one of {@code files} coordinate buckets),
   * so each hour partition gets at most {@code files} files. Both inputs have the table's columns.
   */
  static Dataset<Row> merge(Dataset<Row> fresh, Dataset<Row> existing, int files, int tasks) {
    Column[] coords = columns(SparkFlowSchema.COORDINATE_NAMES);
    // Copies of a record share their coordinates and so their event hour: they meet in one task. Clustering the window
    // by (dt, hour, bucket, coordinates) is satisfied by the repartition, so the dedup needs no second shuffle.
    Column[] cluster = new Column[coords.length + 3];
    cluster[0] = col(Columns.DT);
    cluster[1] = col(Columns.HOUR);
    cluster[2] = col(BUCKET);
    System.arraycopy(coords, 0, cluster, 3, coords.length);
    return existing.withColumn(ORIGIN, lit(0)).unionByName(fresh.withColumn(ORIGIN, lit(1)))
        .withColumn(BUCKET, pmod(xxhash64(coords), lit(files)))
        .repartition(tasks, col(Columns.DT), col(Columns.HOUR), col(BUCKET))
        .withColumn(RANK, row_number().over(Window.partitionBy(cluster).orderBy(col(ORIGIN))))
        .where(col(RANK).equalTo(1))
        .select(columns(TABLE_COLUMNS));
  }
}
