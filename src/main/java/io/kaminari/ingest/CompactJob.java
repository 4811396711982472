package io.kaminari.ingest;

import static io.kaminari.common.Columns.ARRIVAL_TIME;
import static io.kaminari.common.Columns.COMPACTED_AT;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.RAW;
import static io.kaminari.common.Columns.REASON;
import static io.kaminari.common.Columns.SOURCE;
import static io.kaminari.common.Columns.SOURCE_INDEX;
import static io.kaminari.common.Columns.SOURCE_OFFSET;
import static io.kaminari.common.Columns.SOURCE_PARTITION;
import static io.kaminari.common.Columns.VALUE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import io.kaminari.common.Flow;
import io.kaminari.common.JobRun;
import io.kaminari.common.JobRuns;
import io.kaminari.common.Warehouse;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Compacts one landing hour of {@code kaminari.flows_landing} into typed, deduplicated rows of {@code kaminari.flows},
 * partitioned by event hour, and quarantines what does not parse in {@code kaminari.flows_rejected}.
 *
 * <p>Contract: after {@code compactHour(H)} every JSON object landed (arrived) in hour H is in exactly one place: a row
 * of {@code flows} in the partition of its event hour, a row of {@code flows_rejected} in partition H, or the marker
 * count; objects whose coordinates are already in {@code flows} (replays, reruns) are counted as duplicates and not
 * written again. Records that arrive late (event hour before H) are merged into their event-hour partition: the touched
 * partitions are rewritten as the union of what they held and the new rows, deduplicated by source coordinates with the
 * existing row winning. The flows partitions are replaced by Spark's dynamic partition overwrite, so a run killed before
 * its commit leaves the table as it was, and rerunning any hour gives the same rows.
 */
public final class CompactJob {
  /** Kinds of parsed objects, in the {@code kind} column of {@link #PARSED}. */
  static final byte FLOW = 0;
  static final byte REJECT = 1;
  static final byte MARKER = 2;

  private static final String KIND = "kind";
  private static final String ORIGIN = "_origin";
  private static final String BUCKET = "_bucket";
  private static final String RANK = "_rank";
  private static final DateTimeFormatter HOUR_ARG = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");

  /** Schema of {@link #parse}'s output: kind, the flow columns, coordinates, arrival, raw, reason, dt, hour. */
  static final StructType PARSED = parsedSchema();

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
    return JobRuns.run(spark, "compact", start, to, runId -> {
      Dataset<Row> landing = spark.table(Warehouse.FLOWS_LANDING).where(hourRange(start, to));
      Dataset<Row> parsed = parse(landing, config).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        return compact(landing, parsed, start, to);
      } finally {
        parsed.unpersist();
      }
    });
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

  private JobRun compact(Dataset<Row> landing, Dataset<Row> parsed, Instant from, Instant to) throws Exception {
    long inputRecords = landing.count();
    Map<Byte, Long> byKind = parsed.groupBy(KIND).count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getByte(0), r -> r.getLong(1)));
    long objects = byKind.values().stream().mapToLong(Long::longValue).sum();
    long markers = byKind.getOrDefault(MARKER, 0L);

    // Rejects replace the quarantine of the range's landing hours, so a rerun with fewer rejects also clears.
    List<String> staleRejects = spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS_REJECTED).collectAsList().stream()
        .map(r -> r.getString(0)).filter(spec -> inRange(spec, from, to)).toList();
    if (!staleRejects.isEmpty()) {
      spark.sql("ALTER TABLE " + Warehouse.FLOWS_REJECTED + " DROP IF EXISTS "
          + staleRejects.stream().map(CompactJob::partitionClause).collect(Collectors.joining(", ")));
    }
    Instant compactedAt = Instant.now();
    parsed.where(col(KIND).equalTo(REJECT)).dropDuplicates(SparkFlowSchema.COORDINATE_NAMES)
        .select(col(SOURCE), col(SOURCE_PARTITION), col(SOURCE_OFFSET), col(SOURCE_INDEX), col(ARRIVAL_TIME),
            col(RAW), col(REASON), lit(compactedAt).as(COMPACTED_AT), col(DT), col(HOUR))
        .write().mode("overwrite").insertInto(Warehouse.FLOWS_REJECTED);
    long rejected = spark.table(Warehouse.FLOWS_REJECTED).where(hourRange(from, to)).count();

    Dataset<Row> newFlows = parsed.where(col(KIND).equalTo(FLOW)).select(tableColumns());
    List<Row> touched = newFlows.groupBy(DT, HOUR).count().collectAsList();
    long newFlowObjects = byKind.getOrDefault(FLOW, 0L);
    List<String> existingSpecs = existingPartitions(touched);
    Dataset<Row> existing = spark.table(Warehouse.FLOWS).where(partitionFilter(existingSpecs)).select(tableColumns());
    long existingRows = existingSpecs.isEmpty() ? 0 : existing.count();

    long maxRows = touched.stream().mapToLong(r -> r.getLong(2)).max().orElse(0) + existingRows;
    int files = (int) Math.max(1, Math.min(1000, (maxRows + config.rowsPerFile() - 1) / config.rowsPerFile()));
    int tasks = Math.max(1, Math.min(4000, touched.size() * files));
    Observation written = new Observation("compact-" + from + "-" + to);
    Dataset<Row> merged = merge(newFlows, existing, files, tasks)
        .observe(written, count(lit(1)).as("rows"));
    if (existingSpecs.isEmpty()) {
      merged.write().mode("overwrite").insertInto(Warehouse.FLOWS);
    } else {
      // Spark refuses to overwrite partitions the same query reads, so the merge is staged first.
      Path staging = new Path(Warehouse.location(spark, Warehouse.FLOWS), "_staging/compact-" + from.getEpochSecond() + "-" + to.getEpochSecond());
      FileSystem fs = staging.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.delete(staging, true);
      merged.write().parquet(staging.toString());
      spark.read().parquet(staging.toString()).select(tableColumns())
          .write().mode("overwrite").insertInto(Warehouse.FLOWS);
      fs.delete(staging, true);
    }
    long total = ((Number) written.getAsJava().get("rows")).longValue();
    long outputRows = total - existingRows;
    long duplicates = (newFlowObjects - outputRows) + (byKind.getOrDefault(REJECT, 0L) - rejected);
    if (objects != outputRows + duplicates + rejected + markers) {
      throw new IllegalStateException("counts do not reconcile: objects=" + objects + " output=" + outputRows
          + " duplicates=" + duplicates + " rejected=" + rejected + " markers=" + markers);
    }
    List<String> partitions = touched.stream().map(r -> String.format("%s/%02d", r.getString(0), r.getInt(1)))
        .sorted().toList();
    String where = partitions.isEmpty() ? "no flows"
        : partitions.size() + " flows partition(s) " + partitions.get(0) + " .. " + partitions.get(partitions.size() - 1)
            + ", at most " + files + " file(s) each";
    return JobRuns.counts(inputRecords, objects, outputRows, duplicates, rejected, markers, where);
  }

  /** Whether a partition spec {@code dt=2024-05-01/hour=10} names an hour of {@code [from, to)}. */
  private static boolean inRange(String spec, Instant from, Instant to) {
    String[] kv = spec.split("/");
    Instant h = Instant.parse(kv[0].substring(DT.length() + 1) + "T00:00:00Z")
        .plus(Integer.parseInt(kv[1].substring(HOUR.length() + 1)), ChronoUnit.HOURS);
    return !h.isBefore(from) && h.isBefore(to);
  }

  /** {@code dt=2024-05-01/hour=10} as {@code PARTITION (dt='2024-05-01', hour=10)}. */
  private static String partitionClause(String spec) {
    String[] kv = spec.split("/");
    return "PARTITION (" + DT + "='" + kv[0].substring(DT.length() + 1) + "', " + HOUR + "="
        + kv[1].substring(HOUR.length() + 1) + ")";
  }

  private List<String> existingPartitions(List<Row> touched) {
    if (touched.isEmpty()) return List.of();
    List<String> present = spark.sql("SHOW PARTITIONS " + Warehouse.FLOWS).collectAsList().stream()
        .map(r -> r.getString(0)).toList();
    return touched.stream().map(r -> DT + "=" + r.getString(0) + "/" + HOUR + "=" + r.getInt(1))
        .filter(present::contains).toList();
  }

  private static Column partitionFilter(List<String> specs) {
    Column c = lit(false);
    for (String s : specs) {
      String[] kv = s.split("/");
      c = c.or(col(DT).equalTo(kv[0].substring(DT.length() + 1))
          .and(col(HOUR).equalTo(Integer.parseInt(kv[1].substring(HOUR.length() + 1)))));
    }
    return c;
  }

  private static Column[] tableColumns() {
    return SparkFlowSchema.TABLE_COLUMNS.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
  }

  /**
   * The rows of {@code existing} plus those of {@code fresh} whose coordinates are not in {@code existing}, each
   * coordinate once. Rows are spread over {@code tasks} tasks by (dt, hour, one of {@code files} coordinate buckets),
   * so each hour partition gets at most {@code files} files. Both inputs have the table's columns.
   */
  static Dataset<Row> merge(Dataset<Row> fresh, Dataset<Row> existing, int files, int tasks) {
    Column[] coords = Arrays.stream(SparkFlowSchema.COORDINATE_NAMES).map(c -> col(c)).toArray(Column[]::new);
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
        .select(tableColumns());
  }

  /**
   * Parses landing rows (source, source_partition, source_offset, arrival_time, value, dt, hour) into {@link #PARSED} rows:
   * one per JSON object, flows with the dt/hour of their event time, rejects and markers with the landing partition's
   * {@code dt}/{@code hour}. The Kafka record (or file) time is the event time of records that carry no timestamp.
   */
  static Dataset<Row> parse(Dataset<Row> landing, CompactConfig config) {
    String zone = config.collectorZone().getId();
    return landing.select(col(SOURCE), col(SOURCE_PARTITION), col(SOURCE_OFFSET), col(ARRIVAL_TIME), col(VALUE),
            col(DT), col(HOUR))
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new ParsingIterator(rows,
            new PmacctParser(java.time.ZoneId.of(zone))), Encoders.row(PARSED));
  }

  private static StructType parsedSchema() {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(KIND, DataTypes.ByteType, false));
    for (StructField s : SparkFlowSchema.FLOW.fields()) {
      f.add(DataTypes.createStructField(s.name(), s.dataType(), true)); // null in reject/marker rows
    }
    f.addAll(Arrays.asList(SparkFlowSchema.COORDINATES.fields()));
    f.add(DataTypes.createStructField(ARRIVAL_TIME, DataTypes.TimestampType, true));
    f.add(DataTypes.createStructField(RAW, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(REASON, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(DT, DataTypes.StringType, false));
    f.add(DataTypes.createStructField(HOUR, DataTypes.IntegerType, false));
    return DataTypes.createStructType(f);
  }

  /** Turns landing rows into parsed rows lazily, one landing record (possibly several objects) at a time. */
  private static final class ParsingIterator implements Iterator<Row>, PmacctParser.Sink {
    private static final int FLOW_FROM = 1;
    private static final int COORD_FROM = FLOW_FROM + SparkFlowSchema.FLOW.size();
    private static final int TAIL_FROM = COORD_FROM + SparkFlowSchema.COORDINATES.size();

    private final Iterator<Row> in;
    private final PmacctParser parser;
    private final ArrayDeque<Row> out = new ArrayDeque<>();
    private Row current;
    private long cachedHourStart = Long.MIN_VALUE;
    private String cachedDt;
    private int cachedHour;

    ParsingIterator(Iterator<Row> in, PmacctParser parser) {
      this.in = in;
      this.parser = parser;
    }

    @Override
    public boolean hasNext() {
      while (out.isEmpty() && in.hasNext()) {
        current = in.next();
        Instant arrival = current.getAs(3);
        long fallback = arrival == null ? Long.MIN_VALUE
            : Math.multiplyExact(arrival.getEpochSecond(), 1_000_000L) + arrival.getNano() / 1000;
        byte[] value = current.isNullAt(4) ? new byte[0] : (byte[]) current.get(4);
        parser.parse(value, fallback, this);
      }
      return !out.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) throw new NoSuchElementException();
      return out.poll();
    }

    private Object[] row(byte kind, int index) {
      Object[] v = new Object[PARSED.size()];
      v[0] = kind;
      v[COORD_FROM] = current.getString(0);
      v[COORD_FROM + 1] = current.getInt(1);
      v[COORD_FROM + 2] = current.getLong(2);
      v[COORD_FROM + 3] = index;
      v[TAIL_FROM] = current.get(3);
      v[TAIL_FROM + 3] = current.getString(5);
      v[TAIL_FROM + 4] = current.getInt(6);
      return v;
    }

    @Override
    public void flow(int index, Flow flow) {
      Object[] v = row(FLOW, index);
      SparkFlowSchema.toValues(flow, v, FLOW_FROM);
      long hourStart = Math.floorDiv(flow.eventTimeMicros(), 3_600_000_000L);
      if (hourStart != cachedHourStart) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(hourStart * 3600, 0, ZoneOffset.UTC);
        cachedHourStart = hourStart;
        cachedDt = t.toLocalDate().toString();
        cachedHour = t.getHour();
      }
      v[TAIL_FROM + 3] = cachedDt;
      v[TAIL_FROM + 4] = cachedHour;
      out.add(RowFactory.create(v));
    }

    @Override
    public void marker(int index, String eventType) {
      out.add(RowFactory.create(row(MARKER, index)));
    }

    @Override
    public void reject(int index, String rawObject, String reason) {
      Object[] v = row(REJECT, index);
      v[TAIL_FROM + 1] = rawObject;
      v[TAIL_FROM + 2] = reason;
      out.add(RowFactory.create(v));
    }
  }
}
