package io.kaminari.features;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.VECTOR_FLOWS;
import static io.kaminari.common.Columns.VECTOR_PACKETS;
import static io.kaminari.common.Columns.WINDOW_END;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.unix_micros;

import io.kaminari.common.FlowSchema;
import io.kaminari.common.JobRun;
import io.kaminari.common.JobRuns;
import io.kaminari.common.Warehouse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Builds {@code port_vectors} of one spec for a range of windows from {@code flows}, with the shared plain-Java
 * {@link WindowAccumulator}, and replaces exactly that spec's vectors of the range.
 *
 * <p>How: only the {@code flows} partitions (dt, hour) covering the range are read, and only the columns the spec
 * needs; rows are hash-partitioned by window start (a window never spans two tasks) and each task feeds a
 * {@code HashMap<WindowKey, WindowAccumulator>} through {@link Featurizer#windowStartMicros} and
 * {@link Featurizer#scopeKey}, the very functions the streaming scorer and {@link Featurizer#vectors} use, so parity
 * holds by construction. Under {@link Scope#GLOBAL} one marker row per window of the range joins the flows, so an
 * empty window yields the all-zero vector of an empty accumulator.
 *
 * <p>Idempotence: the unit of replacement is the hour, so a range is widened to whole UTC hours. The table is
 * partitioned by (dt, hour, spec_id): the job overwrites the (dt, hour, this spec) partitions it produces by dynamic
 * partition overwrite and drops this spec's partitions of range hours that had no flows (dst-prefix only; global
 * hours always get rows), so a rerun gives the same rows and other specs' vectors are never touched.
 *
 * <p>Refusals (before anything is written): the spec registered under the same id in {@code feature_specs} has
 * another layout, or existing vectors of the id have another length than {@link FeatureSpec#dimension()}.
 */
public final class FeaturesJob {
  public static final String JOB = "features";

  private static final String EVENT_MICROS = "_event_micros";
  private static final String EMPTY_WINDOW = "_empty_window";
  private static final String WINDOW_START_MICROS = "_window_start_micros";
  private static final long HOUR_MICROS = 3_600_000_000L;

  /** The columns fed to the accumulators, in this order (see {@link AccumulatingIterator}). */
  private static final StructType ACCUMULATED = new StructType()
      .add(WINDOW_START_MICROS, DataTypes.LongType, false)
      .add(SCOPE_KEY, DataTypes.StringType, false)
      .add(VECTOR, DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add(VECTOR_FLOWS, DataTypes.LongType, false)
      .add(VECTOR_PACKETS, DataTypes.LongType, false)
      .add(DT, DataTypes.StringType, false)
      .add(HOUR, DataTypes.IntegerType, false);

  private final SparkSession spark;
  private final FeaturesConfig config;

  public FeaturesJob(SparkSession spark, FeaturesConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /** Builds and writes the vectors of the configured range (widened to whole hours); returns the run's counts. */
  public JobRun run() throws Exception {
    Warehouse.ensure(spark);
    // Kaminari sessions are built this way already; a static overwrite here would wipe every other partition.
    spark.conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
    FeatureSpec spec = config.spec();
    Instant from = config.from().truncatedTo(ChronoUnit.HOURS);
    Instant to = ceilHour(config.to());
    return JobRuns.run(spark, JOB, from, to, runId -> {
      checkCompatible(spark, config.vectorsTable(), config.specsTable(), spec);
      Dataset<Row> flows = readFlows(spark, config.flowsTable(), from, to);
      Set<String> hoursWithFlows = flows.select(DT, HOUR).distinct().collectAsList().stream()
          .map(r -> r.getString(0) + "/" + r.getInt(1)).collect(Collectors.toSet());
      FeatureSpecs.register(spark, config.specsTable(), spec);

      Observation in = new Observation("features-in-" + runId);
      Observation out = new Observation("features-out-" + runId);
      Dataset<Row> vectors = vectors(flows.observe(in, count(lit(1)).as("n")), spec, from, to, config.partitions())
          .observe(out, count(lit(1)).as("n"));
      // One file per (dt, hour, spec) partition, as compaction does for flows.
      vectors.repartition(col(DT), col(HOUR)).write().mode("overwrite").insertInto(config.vectorsTable());

      int dropped = 0;
      if (spec.scope() != Scope.GLOBAL) {
        dropped = dropEmptyHours(spec, from, to, hoursWithFlows);
      }
      long read = ((Number) in.getAsJava().get("n")).longValue();
      long written = ((Number) out.getAsJava().get("n")).longValue();
      return JobRuns.counts(read, 0, written, 0, 0, 0, "spec " + spec.id() + " (" + spec.name() + ", "
          + spec.scope().jsonName() + ", dimension " + spec.dimension() + "): " + written + " vectors over "
          + ChronoUnit.HOURS.between(from, to) + " hour(s), " + dropped + " stale hour partition(s) dropped");
    });
  }

  /**
   * Refuses (with {@link IllegalStateException}) a spec whose id is registered with another layout, or whose id
   * already labels vectors of another length in {@code vectorsTable} (checked on one sample row: the job writes one
   * length per id, so any row tells).
   */
  static void checkCompatible(SparkSession spark, String vectorsTable, String specsTable, FeatureSpec spec) {
    Optional<FeatureSpec> registered = FeatureSpecs.registered(spark, specsTable, spec.id());
    if (registered.isPresent() && !registered.get().canonicalLayout().equals(spec.canonicalLayout())) {
      throw new IllegalStateException("refusing to write: spec id " + spec.id() + " is registered in " + specsTable
          + " with another layout " + registered.get().canonicalLayout() + ", not " + spec.canonicalLayout());
    }
    List<Row> sample = spark.table(vectorsTable).where(col(SPEC_ID).equalTo(spec.id()))
        .select(size(col(VECTOR))).limit(1).collectAsList();
    if (!sample.isEmpty() && sample.get(0).getInt(0) != spec.dimension()) {
      throw new IllegalStateException("refusing to write: " + vectorsTable + " holds vectors of length "
          + sample.get(0).getInt(0) + " for spec id " + spec.id() + ", but the spec '" + spec.name()
          + "' has dimension " + spec.dimension() + "; nothing was written");
    }
  }

  /**
   * The flows with event time in {@code [from, to)}, reading only the (dt, hour) partitions of those hours: the
   * partition filter is on the partition columns alone, so Spark prunes before listing files.
   */
  public static Dataset<Row> readFlows(SparkSession spark, String flowsTable, Instant from, Instant to) {
    Instant last = ceilHour(to).minus(1, ChronoUnit.HOURS);
    LocalDateTime first = LocalDateTime.ofInstant(from.truncatedTo(ChronoUnit.HOURS), ZoneOffset.UTC);
    LocalDateTime end = LocalDateTime.ofInstant(last, ZoneOffset.UTC);
    Column partitions = lit(false);
    for (LocalDate day = first.toLocalDate(); !day.isAfter(end.toLocalDate()); day = day.plusDays(1)) {
      int lo = day.equals(first.toLocalDate()) ? first.getHour() : 0;
      int hi = day.equals(end.toLocalDate()) ? end.getHour() : 23;
      partitions = partitions.or(col(DT).equalTo(day.toString()).and(col(HOUR).between(lo, hi)));
    }
    Column time = col(FlowSchema.EVENT_TIME);
    return spark.table(flowsTable).where(partitions).where(time.geq(lit(from)).and(time.lt(lit(to))));
  }

  /**
   * The vectors of {@code spec} for the windows of {@code [from, to)} from rows with the flow columns (others are
   * ignored; flows outside the range too), as {@code port_vectors} rows: window_start, window_end, scope, scope_key,
   * vector, flows, packets, dt, hour, spec_id. Equal, row for row, to {@link Featurizer#vectors} on the same flows.
   *
   * @param partitions tasks that accumulate (windows are hashed onto them)
   */
  public static Dataset<Row> vectors(Dataset<Row> flows, FeatureSpec spec, Instant from, Instant to, int partitions) {
    long fromMicros = FeaturesConfig.micros(from);
    long toMicros = FeaturesConfig.micros(to);
    long w = spec.windowMicros();
    if (fromMicros % w != 0 || toMicros % w != 0 || fromMicros >= toMicros) {
      throw new IllegalArgumentException("need window-aligned bounds with from < to, got [" + from + ", " + to + ")");
    }
    boolean needsSrcIp = spec.features().contains(PortFeature.DISTINCT_SRC_IPS);
    boolean needsDstIp = spec.scope() == Scope.DST_PREFIX || spec.features().contains(PortFeature.DISTINCT_DST_IPS);
    Column time = col(FlowSchema.EVENT_TIME);
    Dataset<Row> narrow = flows.where(time.geq(lit(from)).and(time.lt(lit(to)))).select(
        unix_micros(time).as(EVENT_MICROS),
        col(FlowSchema.PORT_SRC), col(FlowSchema.PORT_DST), col(FlowSchema.IP_PROTO),
        col(FlowSchema.PACKETS), col(FlowSchema.BYTES), col(FlowSchema.SAMPLING_RATE),
        // Addresses are the widest columns: read them only when the spec looks at them.
        needsSrcIp ? col(FlowSchema.IP_SRC) : lit(null).cast(DataTypes.StringType).as(FlowSchema.IP_SRC),
        needsDstIp ? col(FlowSchema.IP_DST) : lit(null).cast(DataTypes.StringType).as(FlowSchema.IP_DST),
        lit(false).as(EMPTY_WINDOW));
    if (spec.scope() == Scope.GLOBAL) {
      Dataset<Row> markers = flows.sparkSession().range(0, (toMicros - fromMicros) / w).select(
          col("id").multiply(w).plus(fromMicros).as(EVENT_MICROS),
          lit(null).cast(DataTypes.IntegerType), lit(null).cast(DataTypes.IntegerType),
          lit(null).cast(DataTypes.IntegerType), lit(null).cast(DataTypes.LongType),
          lit(null).cast(DataTypes.LongType), lit(null).cast(DataTypes.LongType),
          lit(null).cast(DataTypes.StringType), lit(null).cast(DataTypes.StringType), lit(true));
      narrow = narrow.union(markers);
    }
    Column windowStart = col(EVENT_MICROS).minus(pmod(col(EVENT_MICROS), lit(w)));
    return narrow.repartition(partitions, windowStart)
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new AccumulatingIterator(rows, spec),
            Encoders.row(ACCUMULATED))
        .select(
            timestamp_micros(col(WINDOW_START_MICROS)).as(WINDOW_START),
            timestamp_micros(col(WINDOW_START_MICROS).plus(w)).as(WINDOW_END),
            lit(spec.scope().jsonName()).as(SCOPE),
            col(SCOPE_KEY), col(VECTOR), col(VECTOR_FLOWS), col(VECTOR_PACKETS), col(DT), col(HOUR),
            lit(spec.id()).as(SPEC_ID));
  }

  private int dropEmptyHours(FeatureSpec spec, Instant from, Instant to, Set<String> hoursWithFlows) {
    List<String> stale = new ArrayList<>();
    for (Row r : spark.sql("SHOW PARTITIONS " + config.vectorsTable()).collectAsList()) {
      Map<String, String> kv = new HashMap<>();
      for (String part : r.getString(0).split("/")) {
        int eq = part.indexOf('=');
        kv.put(part.substring(0, eq), part.substring(eq + 1));
      }
      if (!spec.id().equals(kv.get(SPEC_ID))) continue;
      Instant hourStart = LocalDate.parse(kv.get(DT)).atStartOfDay(ZoneOffset.UTC).toInstant()
          .plus(Integer.parseInt(kv.get(HOUR)), ChronoUnit.HOURS);
      if (!hourStart.isBefore(from) && hourStart.isBefore(to)
          && !hoursWithFlows.contains(kv.get(DT) + "/" + Integer.parseInt(kv.get(HOUR)))) {
        stale.add(DT + "='" + kv.get(DT) + "', " + HOUR + "=" + kv.get(HOUR) + ", " + SPEC_ID + "='" + spec.id() + "'");
      }
    }
    for (String p : stale) {
      spark.sql("ALTER TABLE " + config.vectorsTable() + " DROP IF EXISTS PARTITION (" + p + ")");
    }
    return stale.size();
  }

  private static Instant ceilHour(Instant t) {
    Instant floor = t.truncatedTo(ChronoUnit.HOURS);
    return floor.equals(t) ? t : floor.plus(1, ChronoUnit.HOURS);
  }

  /**
   * Drains one task's rows into accumulators keyed by window and scope key, then emits one row per accumulator. Rows
   * come in the narrow column order of {@link #vectors}; empty-window markers only create an accumulator.
   */
  private static final class AccumulatingIterator implements Iterator<Row> {
    private final FeatureSpec spec;
    private final Iterator<Row> in;
    private Iterator<Map.Entry<WindowKey, WindowAccumulator>> out;
    private long cachedHour = Long.MIN_VALUE;
    private String cachedDt;
    private int cachedHourOfDay;

    AccumulatingIterator(Iterator<Row> in, FeatureSpec spec) {
      this.in = in;
      this.spec = spec;
    }

    private void drain() {
      Map<WindowKey, WindowAccumulator> accumulators = new HashMap<>();
      while (in.hasNext()) {
        Row r = in.next();
        long windowStart = Featurizer.windowStartMicros(r.getLong(0), spec);
        if (r.getBoolean(9)) {
          accumulators.computeIfAbsent(new WindowKey(windowStart, Featurizer.GLOBAL_KEY),
              k -> new WindowAccumulator(spec));
          continue;
        }
        String ipSrc = r.getString(7);
        String ipDst = r.getString(8);
        WindowKey key = new WindowKey(windowStart, Featurizer.scopeKey(ipDst, spec));
        WindowAccumulator acc = accumulators.get(key);
        if (acc == null) {
          acc = new WindowAccumulator(spec);
          accumulators.put(key, acc);
        }
        acc.add(r.getInt(1), r.getInt(2), r.getInt(3), r.getLong(4), r.getLong(5), r.isNullAt(6) ? 0 : r.getLong(6),
            ipSrc, ipDst);
      }
      out = accumulators.entrySet().iterator();
    }

    @Override
    public boolean hasNext() {
      if (out == null) drain();
      return out.hasNext();
    }

    @Override
    public Row next() {
      if (out == null) drain();
      Map.Entry<WindowKey, WindowAccumulator> e = out.next();
      long start = e.getKey().windowStartMicros();
      long hour = Math.floorDiv(start, HOUR_MICROS);
      if (hour != cachedHour) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(hour * 3600, 0, ZoneOffset.UTC);
        cachedHour = hour;
        cachedDt = t.toLocalDate().toString();
        cachedHourOfDay = t.getHour();
      }
      WindowAccumulator acc = e.getValue();
      return RowFactory.create(start, e.getKey().scopeKey(), acc.toVector(), acc.flowCount(), acc.packetCount(),
          cachedDt, cachedHourOfDay);
    }
  }
}
