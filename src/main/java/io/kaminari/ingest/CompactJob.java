package io.kaminari.ingest;

import io.kaminari.flow.PmacctParser;
import static io.kaminari.common.Columns.ARRIVAL_TIME;
import static io.kaminari.common.Columns.COMPACTED_AT;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.RAW;
import static io.kaminari.common.Columns.REASON;
import static io.kaminari.common.Columns.SOURCE;
import static io.kaminari.common.Columns.SOURCE_OFFSET;
import static io.kaminari.common.Columns.SOURCE_PARTITION;
import static io.kaminari.common.Columns.VALUE;
import static io.kaminari.ingest.SparkFlowSchema.TABLE_COLUMNS;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import io.kaminari.flow.FlowSchema;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.AccumulatorV2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Compacts one landing hour of {@code kaminari.flows_landing} into typed, deduplicated rows of {@code kaminari.flows},
 * partitioned by event hour, and quarantines what does not parse in {@code kaminari.flows_rejected}.
 *
 * <p>Contract: after {@code compactHour(H)} every JSON object landed (arrived) in hour H is in exactly one place: a row
 * of {@code flows} in the partition of its event hour, a row of {@code flows_rejected} in partition H, or the marker
 * count; objects whose coordinates are already in {@code flows} (replays, reruns) are counted as duplicates and not
 * written again. Records that arrive late (event hour before H) are merged into their event-hour partition: the touched
 * partitions are rewritten as the union of what they held and the new rows, deduplicated by source coordinates with the
 * existing row winning. The flows partitions are replaced by Spark's dynamic partition overwrite, new hours in one commit
 * and merged hours in a second, so a killed run never leaves a partition half written, and rerunning any hour gives the
 * same rows.
 *
 * <p>How (docs/ingest.md): copies of a record share their coordinates and so their event hour, which makes the dedup
 * local to an hour. A scan of the landing coordinates alone (no parsing) tells whether the range holds a record twice
 * (a replay). Without one, a single parse writes every flow whose hour has no partition yet straight into the table,
 * with no shuffle, and counts objects by kind and flows by event hour on the way (an accumulator); the hours that
 * already exist (late records, reruns) are then rewritten by the shuffle-and-dedup merge with their existing rows.
 * After a replay every touched hour goes through the merge. Parsing builds Spark's internal rows directly.
 */
public final class CompactJob {
  private static final String ORIGIN = "_origin";
  private static final String BUCKET = "_bucket";
  private static final String RANK = "_rank";
  private static final String ROWS = "rows";
  private static final long MICROS_PER_HOUR = 3_600_000_000L;
  private static final int SPLITS_PER_CORE = 4;
  private static final DateTimeFormatter HOUR_ARG = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");

  /** The landing columns compaction reads, in this order (the ordinals below index them). */
  private static final String[] LANDING = {SOURCE, SOURCE_PARTITION, SOURCE_OFFSET, ARRIVAL_TIME, VALUE, DT, HOUR};
  private static final int L_SOURCE = 0;
  private static final int L_PARTITION = 1;
  private static final int L_OFFSET = 2;
  private static final int L_ARRIVAL = 3;
  private static final int L_VALUE = 4;
  private static final int L_DT = 5;
  private static final int L_HOUR = 6;

  /** The row type of {@code kaminari.flows_rejected}, in table order. */
  static final StructType REJECT_ROW = new StructType(SparkFlowSchema.COORDINATES.fields())
      .add(ARRIVAL_TIME, DataTypes.TimestampType, true)
      .add(RAW, DataTypes.StringType, true)
      .add(REASON, DataTypes.StringType, true)
      .add(COMPACTED_AT, DataTypes.TimestampType, true)
      .add(DT, DataTypes.StringType, false)
      .add(HOUR, DataTypes.IntegerType, false);

  private final SparkSession spark;
  private final CompactConfig config;

  public CompactJob(SparkSession spark, CompactConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /** Parses {@code 2024-05-01T10} (an hour, UTC) into its start instant, with a clear error otherwise. */
  public static Instant parseHour(String s) {
    try {
      return LocalDateTime.parse(s, HOUR_ARG).toInstant(ZoneOffset.UTC);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + s + "' is not an hour of the form 2024-05-01T10 (UTC)");
    }
  }

  /** Compacts the landing partition of the hour starting at {@code hourStart}. */
  public JobRun compactHour(Instant hourStart) throws Exception {
    Instant start = hourStart.truncatedTo(ChronoUnit.HOURS);
    return compactRange(start, start.plus(1, ChronoUnit.HOURS));
  }

  /**
   * Compacts every landing hour in {@code [from, to)} (hours, UTC) in one pass and records one job run; a backfill
   * over months is one wide range.
   */
  public JobRun compactRange(Instant from, Instant to) throws Exception {
    Instant start = from.truncatedTo(ChronoUnit.HOURS);
    if (!start.isBefore(to)) throw new IllegalArgumentException("--from must be before --to");
    Warehouse.ensure(spark);
    return JobRuns.run(spark, "compact", start, to, runId -> withSettings(readSettings(), () -> compact(
        spark.table(Warehouse.FLOWS_LANDING).where(hourRange(start, to)).select(columns(LANDING)), start, to)));
  }

  /**
   * Splits the landing scan into at least {@value #SPLITS_PER_CORE} tasks per core. Spark's default (a split per core,
   * up to 128 MB each) gives a small cluster a handful of uneven tasks, and the cores whose tasks end first then idle
   * while the last one runs: on 2 cores, a tenth of compaction's time.
   */
  private Map<String, String> readSettings() {
    return Map.of("spark.sql.files.minPartitionNum",
        String.valueOf(SPLITS_PER_CORE * spark.sparkContext().defaultParallelism()));
  }

  /**
   * A filter on the dt/hour partition columns selecting the hours of {@code [from, to)}, in a form the metastore can
   * prune partitions with (dt is yyyy-MM-dd, so string order is time order).
   */
  public static Column hourRange(Instant from, Instant to) {
    Instant last = to.minusNanos(1).truncatedTo(ChronoUnit.HOURS);
    String fromDt = from.toString().substring(0, 10);
    String lastDt = last.toString().substring(0, 10);
    int fromHour = from.atZone(ZoneOffset.UTC).getHour();
    int lastHour = last.atZone(ZoneOffset.UTC).getHour();
    Column afterStart = col(DT).gt(fromDt).or(col(DT).equalTo(fromDt).and(col(HOUR).geq(fromHour)));
    Column beforeEnd = col(DT).lt(lastDt).or(col(DT).equalTo(lastDt).and(col(HOUR).leq(lastHour)));
    return afterStart.and(beforeEnd);
  }

  private JobRun compact(Dataset<Row> landing, Instant from, Instant to) throws Exception {
    Coordinates coordinates = coordinates(landing);
    boolean replays = coordinates.replays();
    Set<Long> present = flowsHours();
    Tally tally = new Tally();
    spark.sparkContext().register(tally);
    if (replays) {
      parsed(landing, HourSelection.NONE, 0L, tally).foreach(row -> { }); // only counts
    } else {
      // Hours with no partition yet cannot hold a copy of these records: written straight from the parse.
      HourSelection fresh = new HourSelection(present, false);
      withSettings(directWriteSettings(), () -> {
        insert(flows(landing, fresh, tally));
        return null;
      });
    }
    long rejected = quarantine(landing, tally, replays, from, to);

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
      Dataset<Row> old = spark.table(Warehouse.FLOWS).where(hoursFilter(existing)).select(columns(TABLE_COLUMNS));
      existingRows = existing.isEmpty() ? 0 : old.count();
      long maxRows = merged.stream().mapToLong(flowsByHour::get).max().orElse(0) + existingRows;
      files = (int) Math.max(1, Math.min(1000, (maxRows + config.rowsPerFile() - 1) / config.rowsPerFile()));
      int tasks = Math.max(1, Math.min(4000, merged.size() * files));
      mergedRows = insertMerged(merge(flows(landing, new HourSelection(merged, true), null), old, files, tasks),
          !existing.isEmpty(), from, to);
    }

    long outputRows = direct + mergedRows - existingRows;
    long duplicates = (tally.flows() - outputRows) + (tally.rejects() - rejected);
    if (duplicates < 0 || (duplicates > 0 && !replays && existing.isEmpty())) {
      throw new IllegalStateException("counts do not reconcile: objects=" + tally.objects() + " output=" + outputRows
          + " duplicates=" + duplicates + " rejected=" + rejected + " markers=" + tally.markers()
          + " (replays: " + replays + ", existing partitions: " + existing.size() + ")");
    }
    List<String> partitions = touched.stream().sorted().map(h -> String.format("%s/%02d", dt(h), hourOfDay(h)))
        .toList();
    String where = partitions.isEmpty() ? "no flows"
        : partitions.size() + " flows partition(s) " + partitions.get(0) + " .. " + partitions.get(partitions.size() - 1)
            + (merged.isEmpty() ? ", all new"
                : ", " + merged.size() + " merged (existing rows or replays) into at most " + files + " file(s) each");
    return JobRuns.counts(coordinates.records(), tally.objects(), outputRows, duplicates, rejected, tally.markers(),
        where);
  }

  /** How many landing records a range holds, and whether any of them is there twice. */
  record Coordinates(long records, boolean replays) {}

  /** A run of consecutive offsets of one source partition in one task, and whether an offset in it repeats. */
  record Span(String source, int partition, long min, long max, long count, boolean repeats) implements Serializable {}

  /**
   * Counts the landing records and detects replays (a source offset landed twice) from the coordinate columns alone.
   * Each task sorts its offsets per source partition and reports them as runs of consecutive offsets, which cover
   * exactly the offsets it holds: an offset repeated within a task, or two runs that overlap, is a replay. A run
   * breaks at every gap, so a topic with gaps (transaction markers) yields more runs, never a wrong answer.
   */
  static Coordinates coordinates(Dataset<Row> landing) {
    List<Span> spans = internalRows(landing.select(SOURCE, SOURCE_PARTITION, SOURCE_OFFSET))
        .mapPartitions((FlatMapFunction<Iterator<InternalRow>, Span>) rows -> {
          Map<String, Map<Integer, LongList>> offsets = new HashMap<>();
          UTF8String lastSource = null;
          int lastPartition = 0;
          LongList run = null;
          while (rows.hasNext()) {
            InternalRow r = rows.next();
            UTF8String source = r.getUTF8String(0);
            int partition = r.getInt(1);
            // Runs of records share their source partition: look the list up once per run, not per record.
            if (run == null || partition != lastPartition || !source.equals(lastSource)) {
              lastSource = source.clone();
              lastPartition = partition;
              run = offsets.computeIfAbsent(lastSource.toString(), k -> new HashMap<>())
                  .computeIfAbsent(partition, k -> new LongList());
            }
            run.add(r.getLong(2));
          }
          List<Span> out = new ArrayList<>();
          offsets.forEach((source, byPartition) -> byPartition.forEach((partition, list) -> {
            long[] sorted = list.sorted();
            int from = 0;
            boolean repeats = false;
            for (int i = 1; i <= sorted.length; i++) {
              if (i < sorted.length && sorted[i] == sorted[i - 1]) repeats = true;
              if (i == sorted.length || sorted[i] > sorted[i - 1] + 1) {
                out.add(new Span(source, partition, sorted[from], sorted[i - 1], i - from, repeats));
                from = i;
                repeats = false;
              }
            }
          }));
          return out.iterator();
        }).collect();
    long records = spans.stream().mapToLong(Span::count).sum();
    boolean replays = spans.stream().anyMatch(Span::repeats);
    for (List<Span> runs : spans.stream().collect(Collectors.groupingBy(s -> List.of(s.source(), s.partition())))
        .values()) {
      runs.sort(java.util.Comparator.comparingLong(Span::min));
      long end = Long.MIN_VALUE;
      for (Span run : runs) {
        replays |= run.min() <= end;
        end = Math.max(end, run.max());
      }
    }
    return new Coordinates(records, replays);
  }

  /** A growable array of primitive longs (offsets), without boxing. */
  private static final class LongList {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) values = Arrays.copyOf(values, size * 2);
      values[size++] = v;
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(values, size);
      Arrays.sort(out);
      return out;
    }
  }

  /**
   * Replaces the quarantine of the range's landing hours (so a rerun with fewer rejects also clears) and returns the
   * rejects written.
   */
  private long quarantine(Dataset<Row> landing, Tally tally, boolean replays, Instant from, Instant to) {
    List<String> stale = spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS_REJECTED).collectAsList().stream()
        .map(r -> r.getString(0)).filter(spec -> {
          long h = hourOf(spec);
          return h >= hourIndex(from) && h < hourIndex(to);
        }).toList();
    if (!stale.isEmpty()) {
      spark.sql("ALTER TABLE " + Warehouse.FLOWS_REJECTED + " DROP IF EXISTS "
          + stale.stream().map(CompactJob::partitionClause).collect(Collectors.joining(", ")));
    }
    if (tally.rejects() == 0) return 0;
    Dataset<Row> rejects = rejects(landing, micros(Instant.now()));
    if (replays) rejects = rejects.dropDuplicates(SparkFlowSchema.COORDINATE_NAMES);
    rejects.write().mode("overwrite").insertInto(Warehouse.FLOWS_REJECTED);
    return spark.table(Warehouse.FLOWS_REJECTED).where(hourRange(from, to)).count();
  }

  /** Inserts {@code rows} into {@code kaminari.flows}, overwriting the partitions they hold. */
  private void insert(Dataset<Row> rows) {
    rows.write().mode("overwrite").insertInto(Warehouse.FLOWS);
  }

  /** Inserts {@code rows} as {@link #insert} does and returns how many were written. */
  private long insertCounted(Dataset<Row> rows) throws InterruptedException {
    Observation written = new Observation("compact-merge-" + System.nanoTime());
    insert(rows.observe(written, count(lit(1)).as(ROWS)));
    return ((Number) written.getAsJava().get(ROWS)).longValue();
  }

  /**
   * Inserts the merge; when it reads partitions it also overwrites, it is staged first (Spark refuses to overwrite
   * partitions the same query reads).
   */
  private long insertMerged(Dataset<Row> merged, boolean readsTable, Instant from, Instant to) throws Exception {
    if (!readsTable) return insertCounted(merged);
    Path staging = new Path(Warehouse.location(spark, Warehouse.FLOWS),
        "_staging/compact-" + from.getEpochSecond() + "-" + to.getEpochSecond());
    FileSystem fs = staging.getFileSystem(spark.sparkContext().hadoopConfiguration());
    fs.delete(staging, true);
    merged.write().parquet(staging.toString());
    long rows = insertCounted(spark.read().parquet(staging.toString()).select(columns(TABLE_COLUMNS)));
    fs.delete(staging, true);
    return rows;
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
  private <T> T withSettings(Map<String, String> settings, java.util.concurrent.Callable<T> action) throws Exception {
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

  /** {@code dt=2024-05-01/hour=10} as {@code PARTITION (dt='2024-05-01', hour=10)}. */
  private static String partitionClause(String spec) {
    long h = hourOf(spec);
    return "PARTITION (" + DT + "='" + dt(h) + "', " + HOUR + "=" + hourOfDay(h) + ")";
  }

  /** The epoch hours that have a partition in {@code kaminari.flows}. */
  private Set<Long> flowsHours() {
    return spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS).collectAsList().stream()
        .map(r -> hourOf(r.getString(0))).collect(Collectors.toUnmodifiableSet());
  }

  /** A partition filter selecting {@code hours}: one term per date, so a wide backfill stays a small expression. */
  private static Column hoursFilter(Set<Long> hours) {
    Map<String, List<Integer>> byDate = hours.stream().collect(Collectors.groupingBy(CompactJob::dt, TreeMap::new,
        Collectors.mapping(CompactJob::hourOfDay, Collectors.toList())));
    Column c = lit(false);
    for (Map.Entry<String, List<Integer>> e : byDate.entrySet()) {
      c = c.or(col(DT).equalTo(e.getKey()).and(col(HOUR).isin(e.getValue().toArray())));
    }
    return c;
  }

  /** Epoch hour of a partition spec {@code dt=2024-05-01/hour=10}. */
  static long hourOf(String spec) {
    String[] kv = spec.split("/");
    return LocalDate.parse(kv[0].substring(DT.length() + 1)).toEpochDay() * 24
        + Integer.parseInt(kv[1].substring(HOUR.length() + 1));
  }

  private static long hourIndex(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), 3600L);
  }

  static String dt(long hour) {
    return LocalDate.ofEpochDay(Math.floorDiv(hour, 24)).toString();
  }

  static int hourOfDay(long hour) {
    return (int) Math.floorMod(hour, 24);
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
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
    cluster[0] = col(DT);
    cluster[1] = col(HOUR);
    cluster[2] = col(BUCKET);
    System.arraycopy(coords, 0, cluster, 3, coords.length);
    return existing.withColumn(ORIGIN, lit(0)).unionByName(fresh.withColumn(ORIGIN, lit(1)))
        .withColumn(BUCKET, pmod(xxhash64(coords), lit(files)))
        .repartition(tasks, col(DT), col(HOUR), col(BUCKET))
        .withColumn(RANK, row_number().over(Window.partitionBy(cluster).orderBy(col(ORIGIN))))
        .where(col(RANK).equalTo(1))
        .select(columns(TABLE_COLUMNS));
  }

  /**
   * What a parse of the landing rows held: objects by kind and flows by event hour (epoch hours). An accumulator: each
   * task counts into its own copy and Spark adds up the copies of the tasks that succeeded, once each (it is only
   * updated in result tasks: writes and {@code foreach}).
   */
  static final class Tally extends AccumulatorV2<Tally, Tally> {
    private long flows;
    private long rejects;
    private long markers;
    private final HashMap<Long, long[]> byHour = new HashMap<>();
    private transient long lastHour = Long.MIN_VALUE;
    private transient long[] lastCell;

    void flow(long hour) {
      flows++;
      if (hour != lastHour || lastCell == null) {
        lastHour = hour;
        lastCell = byHour.computeIfAbsent(hour, h -> new long[1]);
      }
      lastCell[0]++;
    }

    void reject() {
      rejects++;
    }

    void marker() {
      markers++;
    }

    long flows() {
      return flows;
    }

    long rejects() {
      return rejects;
    }

    long markers() {
      return markers;
    }

    long objects() {
      return flows + rejects + markers;
    }

    /** Flows per epoch hour. */
    Map<Long, Long> flowsByHour() {
      Map<Long, Long> out = new HashMap<>();
      byHour.forEach((h, n) -> out.put(h, n[0]));
      return out;
    }

    @Override
    public boolean isZero() {
      return objects() == 0 && byHour.isEmpty();
    }

    @Override
    public Tally copy() {
      Tally t = new Tally();
      t.add(this);
      return t;
    }

    @Override
    public void reset() {
      flows = rejects = markers = 0;
      byHour.clear();
      lastCell = null;
    }

    @Override
    public void add(Tally o) {
      flows += o.flows;
      rejects += o.rejects;
      markers += o.markers;
      o.byHour.forEach((h, n) -> byHour.computeIfAbsent(h, k -> new long[1])[0] += n[0]);
      lastCell = null;
    }

    @Override
    public void merge(AccumulatorV2<Tally, Tally> other) {
      add(other.value());
    }

    @Override
    public Tally value() {
      return this;
    }

    @Override
    public String toString() {
      // AccumulatorV2's own toString prints value(), which is this.
      return "Tally(flows=" + flows + ", rejects=" + rejects + ", markers=" + markers + ", hours=" + byHour.size() + ")";
    }
  }

  /** Which flows a parse emits: those whose epoch hour is in {@code hours} ({@code inside}) or not in it. */
  record HourSelection(Set<Long> hours, boolean inside) implements Serializable {
    /** Emits no flow. */
    static final HourSelection NONE = new HourSelection(Set.of(), true);

    HourSelection {
      hours = Set.copyOf(hours); // serializable, whatever view was given
    }

    boolean accepts(long hour) {
      return hours.contains(hour) == inside;
    }
  }

  /**
   * The flows of {@code landing} whose event hour {@code selection} accepts, as {@code kaminari.flows} rows; every
   * object parsed is counted in {@code tally} if there is one.
   */
  Dataset<Row> flows(Dataset<Row> landing, HourSelection selection, Tally tally) {
    return spark.internalCreateDataFrame(parsed(landing, selection, 0L, tally).rdd(), SparkFlowSchema.TABLE, false);
  }

  /** The rejected objects of {@code landing} as {@code kaminari.flows_rejected} rows stamped {@code compactedAt}. */
  Dataset<Row> rejects(Dataset<Row> landing, long compactedAt) {
    return spark.internalCreateDataFrame(parsed(landing, null, compactedAt, null).rdd(), REJECT_ROW, false);
  }

  /**
   * Parses the landing rows into internal rows: flows that {@code selection} accepts, or rejects if it is null. Built
   * on the landing scan's internal rows and turned into a frame with {@code internalCreateDataFrame} (private[sql] in
   * Scala, public in the bytecode), so no row goes through the external-row encoder.
   */
  private JavaRDD<InternalRow> parsed(Dataset<Row> landing, HourSelection selection, long compactedAt, Tally tally) {
    ZoneId zone = config.collectorZone();
    return internalRows(landing).mapPartitions(
        (FlatMapFunction<Iterator<InternalRow>, InternalRow>) rows ->
            new ParsingIterator(rows, new PmacctParser(zone), selection, compactedAt, tally));
  }

  /**
   * The internal rows of {@code frame}, in its column order. When its plan is a columnar file scan whose leading
   * columns are the frame's (Parquet's vectorized reader; a projection may drop the scan's trailing partition columns)
   * they are views of the scan's batches, so that values are read where the reader put them: converting the batches
   * to rows copied every landing value once more, a twentieth of compaction's time. Any other plan is executed as it is.
   */
  private static JavaRDD<InternalRow> internalRows(Dataset<Row> frame) {
    SparkPlan plan = frame.queryExecution().executedPlan();
    if (plan instanceof WholeStageCodegenExec stage) plan = stage.child();
    List<Attribute> columns = CollectionConverters.asJava(plan.output());
    if (plan instanceof ProjectExec project) {
      if (!project.projectList().forall(e -> e instanceof AttributeReference)) return rowsOf(frame);
      plan = project.child();
    }
    SparkPlan source = plan instanceof ColumnarToRowExec toRows ? toRows.child() : null;
    if (source instanceof InputAdapter input) source = input.child(); // in a generated stage
    if (source instanceof FileSourceScanExec scan && scan.supportsColumnar()
        && isPrefix(columns, CollectionConverters.asJava(scan.output()))) {
      return scan.executeColumnar().toJavaRDD().mapPartitions(
          (FlatMapFunction<Iterator<ColumnarBatch>, InternalRow>) batches -> new Iterator<>() {
            private Iterator<InternalRow> rows = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
              while (!rows.hasNext() && batches.hasNext()) rows = batches.next().rowIterator();
              return rows.hasNext();
            }

            @Override
            public InternalRow next() {
              if (!hasNext()) throw new NoSuchElementException();
              return rows.next();
            }
          });
    }
    return rowsOf(frame);
  }

  private static JavaRDD<InternalRow> rowsOf(Dataset<Row> frame) {
    return frame.queryExecution().toRdd().toJavaRDD();
  }

  /** Whether {@code columns} are the leading attributes of {@code output} (the same attributes, not just names). */
  private static boolean isPrefix(List<Attribute> columns, List<Attribute> output) {
    if (columns.size() > output.size()) return false;
    for (int i = 0; i < columns.size(); i++) {
      if (!columns.get(i).exprId().equals(output.get(i).exprId())) return false;
    }
    return true;
  }

  /** The arrival time, the event time of records without a timestamp. */
  private static long fallbackMicros(InternalRow r) {
    return r.isNullAt(L_ARRIVAL) ? Long.MIN_VALUE : r.getLong(L_ARRIVAL);
  }

  /**
   * Turns landing rows into internal rows lazily, one landing record (possibly several objects) at a time: flows
   * ({@code kaminari.flows} rows, those {@code selection} accepts) or, with no selection, rejects
   * ({@code kaminari.flows_rejected} rows). Rows are emitted before the next landing row is read, and strings that
   * point into the (reused) landing row are copied. A flow row is valid only until the next landing row is read, which
   * suits the one consumer: the scan that turns these rows into a frame copies each row as it takes it.
   */
  private static final class ParsingIterator implements Iterator<InternalRow>, PmacctParser.Sink {
    private static final int COORD_FROM = SparkFlowSchema.FLOW.size();
    private static final int EVENT_TIME = FlowSchema.ordinal(FlowSchema.EVENT_TIME);

    private final Iterator<InternalRow> in;
    private final PmacctParser parser;
    private final HourSelection selection;
    private final long compactedAt;
    private final Tally tally;
    private final ArrayDeque<InternalRow> out = new ArrayDeque<>();
    /**
     * One row buffer per flow of the landing record being emitted: its rows are queued until the scan has taken (and
     * copied) them all, so each needs its own buffer until the next record, and none needs a copy.
     */
    private final List<UnsafeRowWriter> rowWriters = new ArrayList<>();
    private int rowsOfRecord;
    private InternalRow current;
    private UTF8String source;
    private long cachedHour = Long.MIN_VALUE;
    private UTF8String cachedDt;
    private int cachedHourOfDay;

    ParsingIterator(Iterator<InternalRow> in, PmacctParser parser, HourSelection selection, long compactedAt,
        Tally tally) {
      this.in = in;
      this.parser = parser;
      this.selection = selection;
      this.compactedAt = compactedAt;
      this.tally = tally;
    }

    @Override
    public boolean hasNext() {
      while (out.isEmpty() && in.hasNext()) {
        current = in.next();
        rowsOfRecord = 0;
        UTF8String s = current.getUTF8String(L_SOURCE);
        if (!s.equals(source)) source = s.clone();
        if (current.isNullAt(L_VALUE)) continue; // a tombstone holds no object
        // A view of the value where the scan holds it (a copy only where that is not a heap array).
        UTF8String value = current.getUTF8String(L_VALUE);
        if (value.getBaseObject() instanceof byte[] bytes) {
          parser.parse(bytes, (int) (value.getBaseOffset() - Platform.BYTE_ARRAY_OFFSET), value.numBytes(),
              fallbackMicros(current), this);
        } else {
          parser.parse(value.getBytes(), fallbackMicros(current), this);
        }
      }
      return !out.isEmpty();
    }

    @Override
    public InternalRow next() {
      if (!hasNext()) throw new NoSuchElementException();
      return out.poll();
    }

    @Override
    public void flow(int index, PmacctParser.Fields flow) {
      long hour = Math.floorDiv(flow.number(EVENT_TIME), MICROS_PER_HOUR);
      if (tally != null) tally.flow(hour);
      if (selection == null || !selection.accepts(hour)) return;
      if (hour != cachedHour) {
        cachedHour = hour;
        cachedDt = UTF8String.fromString(dt(hour));
        cachedHourOfDay = hourOfDay(hour);
      }
      if (rowsOfRecord == rowWriters.size()) {
        rowWriters.add(new UnsafeRowWriter(SparkFlowSchema.TABLE.size(), 512));
      }
      UnsafeRowWriter row = rowWriters.get(rowsOfRecord++);
      row.reset();
      row.zeroOutNullBytes();
      SparkFlowSchema.write(flow, row);
      int i = COORD_FROM;
      row.write(i++, source);
      row.write(i++, current.getInt(L_PARTITION));
      row.write(i++, current.getLong(L_OFFSET));
      row.write(i++, index);
      row.write(i++, cachedDt);
      row.write(i, cachedHourOfDay);
      out.add(row.getRow());
    }

    @Override
    public void marker(int index, String eventType) {
      if (tally != null) tally.marker(); // markers are counted, not stored
    }

    @Override
    public void reject(int index, String rawObject, String reason) {
      if (tally != null) tally.reject();
      if (selection != null) return;
      out.add(new GenericInternalRow(new Object[] {source, current.getInt(L_PARTITION), current.getLong(L_OFFSET),
          index, current.isNullAt(L_ARRIVAL) ? null : current.getLong(L_ARRIVAL), SparkFlowSchema.utf8(rawObject),
          SparkFlowSchema.utf8(reason), compactedAt, current.getUTF8String(L_DT).clone(), current.getInt(L_HOUR)}));
    }
  }
}
