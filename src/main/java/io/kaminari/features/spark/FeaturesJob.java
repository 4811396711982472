package io.kaminari.features.spark;

import static io.kaminari.common.Columns.BUSIEST_DST_FLOWS;
import static io.kaminari.common.Columns.BUSIEST_PAIR_FLOWS;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.ESTIMATED_COUNTS;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SERVICE_PORTS;
import static io.kaminari.common.Columns.SOURCES;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.TOP_DST_PORTS;
import static io.kaminari.common.Columns.TOP_DST_PREFIXES;
import static io.kaminari.common.Columns.TOP_SOURCES;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.VECTOR_FLOWS;
import static io.kaminari.common.Columns.VECTOR_PACKETS;
import static io.kaminari.common.Columns.WINDOW_END;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.unix_micros;

import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.features.WindowGroup;
import io.kaminari.flow.FlowSchema;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Partitions;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;
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
 * Builds {@code port_vectors} of one spec for a set of event hours from {@code flows}, with the shared plain-Java
 * {@link WindowAccumulator}, and replaces exactly that spec's vectors of those hours.
 *
 * <p>How: {@code flows} is partitioned by UTC hour and no window straddles an hour, so the job reads each hour
 * partition on its own ({@code dt}/{@code hour} filter, only the columns the spec needs), coalesces it
 * into one task, and unions the hours: each task then holds whole windows, and feeds them through the
 * {@link Featurizer}, the very grouping loop of the streaming scorer and of {@link Featurizer#vectors}, so parity
 * holds by construction, with no shuffle of flows nor of vectors (each task writes one output partition). Under
 * {@link Scope#GLOBAL} one marker row per window joins the flows, so an empty window yields the all-zero vector of an
 * empty accumulator.
 *
 * <p>Idempotence: the unit of replacement is the event hour ({@link FeaturesConfig#hours()}). The table is
 * partitioned by (dt, hour, spec_id): the job overwrites the (dt, hour, this spec) partitions it produces by dynamic
 * partition overwrite and drops this spec's partitions of its hours that had no flows (dst-prefix only; global hours
 * always get rows), so a rerun gives the same rows and other specs' vectors are never touched. The hours need not be
 * consecutive: after a compaction they are the event hours it wrote ({@code features --after-compact H}).
 *
 * <p>Refusals (before anything is written): the spec registered under the same id in {@code feature_specs} has
 * another layout, or existing vectors of the id have another length than {@link FeatureSpec#dimension()}.
 */
public final class FeaturesJob {
  public static final String JOB = "features";

  private static final String EVENT_MICROS = "_event_micros";
  private static final String EMPTY_WINDOW = "_empty_window";
  private static final String WINDOW_START_MICROS = "_window_start_micros";

  private static final org.apache.spark.sql.types.DataType TALKERS =
      DataTypes.createArrayType(DataTypes.StringType, false);

  /** The columns fed to the accumulators, in this order (see {@link AccumulatingIterator}). */
  private static final StructType ACCUMULATED = new StructType()
      .add(WINDOW_START_MICROS, DataTypes.LongType, false)
      .add(SCOPE_KEY, DataTypes.StringType, false)
      .add(VECTOR, DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add(VECTOR_FLOWS, DataTypes.LongType, false)
      .add(VECTOR_PACKETS, DataTypes.LongType, false)
      .add(SOURCES, DataTypes.LongType, false)
      .add(TOP_DST_PREFIXES, TALKERS, false)
      .add(TOP_SOURCES, TALKERS, false)
      .add(TOP_DST_PORTS, TALKERS, false)
      .add(ESTIMATED_COUNTS, DataTypes.IntegerType, false)
      .add(BUSIEST_DST_FLOWS, DataTypes.LongType, false)
      .add(BUSIEST_PAIR_FLOWS, DataTypes.LongType, false)
      .add(SERVICE_PORTS, DataTypes.createArrayType(DataTypes.IntegerType, false), true)
      .add(DT, DataTypes.StringType, false)
      .add(HOUR, DataTypes.IntegerType, false);

  /** The rows of {@link #vectors}: the columns of {@code port_vectors}, in table order. */
  static final StructType OUTPUT = new StructType()
      .add(WINDOW_START, DataTypes.TimestampType, false)
      .add(WINDOW_END, DataTypes.TimestampType, false)
      .add(SCOPE, DataTypes.StringType, false)
      .add(SCOPE_KEY, DataTypes.StringType, false)
      .add(VECTOR, DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add(VECTOR_FLOWS, DataTypes.LongType, false)
      .add(VECTOR_PACKETS, DataTypes.LongType, false)
      .add(SOURCES, DataTypes.LongType, false)
      .add(TOP_DST_PREFIXES, TALKERS, false)
      .add(TOP_SOURCES, TALKERS, false)
      .add(TOP_DST_PORTS, TALKERS, false)
      .add(ESTIMATED_COUNTS, DataTypes.IntegerType, false)
      .add(BUSIEST_DST_FLOWS, DataTypes.LongType, false)
      .add(BUSIEST_PAIR_FLOWS, DataTypes.LongType, false)
      .add(SERVICE_PORTS, DataTypes.createArrayType(DataTypes.IntegerType, false), true)
      .add(DT, DataTypes.StringType, false)
      .add(HOUR, DataTypes.IntegerType, false)
      .add(SPEC_ID, DataTypes.StringType, false);

  private final SparkSession spark;
  private final FeaturesConfig config;

  public FeaturesJob(SparkSession spark, FeaturesConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /**
   * Builds and writes the vectors of the configured event hours; returns the run's counts, with those hours as its
   * {@link JobRun#eventHours()}.
   */
  public JobRun run() throws Exception {
    // Kaminari sessions are built this way already; a static overwrite here would wipe every other partition.
    spark.conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
    FeatureSpec spec = config.spec();
    EventHours hours = config.hours();
    HourRange span = hours.span();
    return JobRuns.run(spark, JOB, span.start(), span.end(), runId -> {
      SpecRegistry.checkCompatible(spark, config.vectorsTable(), config.specsTable(), spec);
      // The metastore's partition list says which hours have flows: no scan needed to know what to read or drop.
      Set<Hour> hoursWithFlows = Partitions.hours(spark, config.flowsTable());
      SpecRegistry.register(spark, config.specsTable(), spec);

      // Observed on the output: the vectors' flow totals are exactly the flows of the range that were read.
      Observation out = new Observation("features-" + runId);
      String flowsTable = config.flowsTable();
      boolean anyInput = spec.scope() == Scope.GLOBAL || hours.hours().stream().anyMatch(hoursWithFlows::contains);
      long read = 0;
      long written = 0;
      long estimated = 0;
      if (anyInput) {
        vectorsByHour(spark, hour -> hoursWithFlows.contains(hour) ? readHour(spark, flowsTable, hour) : null, spec,
            hours)
            .observe(out, count(lit(1)).as("n"), sum(col(VECTOR_FLOWS)).as("flows"),
                sum(col(ESTIMATED_COUNTS)).as("estimated"))
            .write().mode("overwrite").insertInto(config.vectorsTable());
        written = observed(out, "n");
        read = observed(out, "flows");
        estimated = observed(out, "estimated");
      }
      int dropped = 0;
      if (spec.scope() != Scope.GLOBAL) {
        dropped = dropEmptyHours(spec, hours, hoursWithFlows);
      }
      return JobRuns.counts(read, 0, written, 0, 0, 0, "spec " + spec.id() + " (" + spec.name() + ", "
          + spec.scope().jsonName() + ", dimension " + spec.dimension() + "): " + written + " vectors over "
          + hours.size() + " hour(s), " + estimated + " distinct count(s) or top list(s) past their exact cap and"
          + " estimated, " + dropped + " stale hour partition(s) dropped").withEventHours(hours);
    });
  }

  /**
   * The flows with event time in {@code [from, to)}, reading only the (dt, hour) partitions of those hours: the
   * partition filter is on the partition columns alone, so Spark prunes before listing files.
   */
  public static Dataset<Row> readFlows(SparkSession spark, String flowsTable, Instant from, Instant to) {
    Column time = col(FlowSchema.EVENT_TIME);
    return spark.table(flowsTable).where(HourRange.covering(from, to).where())
        .where(time.geq(lit(from)).and(time.lt(lit(to))));
  }

  /** The flows partition of the event hour {@code hour}: a filter on the partition columns only. */
  public static Dataset<Row> readHour(SparkSession spark, String flowsTable, Hour hour) {
    return spark.table(flowsTable).where(col(DT).equalTo(hour.dt()).and(col(HOUR).equalTo(hour.hourOfDay())));
  }

  /**
   * The vectors of {@code spec} for the windows of {@code [from, to)} from any frame with the flow columns (others are
   * ignored; flows outside the range too), as {@code port_vectors} rows: window_start, window_end, scope, scope_key,
   * vector, flows, packets, the window summary (sources, top_dst_prefixes, top_sources, top_dst_ports,
   * estimated_counts), dt, hour, spec_id. Rows are hashed by window start onto {@code partitions} tasks. Equal,
   * row for row, to {@link Featurizer#vectors} on the same flows.
   */
  public static Dataset<Row> vectors(Dataset<Row> flows, FeatureSpec spec, Instant from, Instant to, int partitions) {
    checkRange(spec, from, to);
    Dataset<Row> narrow = narrow(flows, spec, from, to);
    if (spec.scope() == Scope.GLOBAL) narrow = narrow.union(markers(flows.sparkSession(), spec, from, to));
    Column windowStart = col(EVENT_MICROS).minus(pmod(col(EVENT_MICROS), lit(spec.windowMicros())));
    return accumulate(narrow.repartition(partitions, windowStart), spec);
  }

  /**
   * The job's path to the same rows as {@link #vectors}, without a shuffle: the windows of {@code eventHours}, each
   * hour's flows ({@code flowsOfHour.apply(hour)}, null when the hour has none) coalesced into one task.
   */
  public static Dataset<Row> vectorsByHour(SparkSession spark, Function<Hour, Dataset<Row>> flowsOfHour,
      FeatureSpec spec, EventHours eventHours) {
    List<Dataset<Row>> hours = new ArrayList<>();
    for (Hour h : eventHours.hours()) {
      Dataset<Row> flows = flowsOfHour.apply(h);
      Dataset<Row> hour = flows == null ? null : narrow(flows, spec, h.start(), h.end());
      if (spec.scope() == Scope.GLOBAL) {
        Dataset<Row> m = markers(spark, spec, h.start(), h.end());
        hour = hour == null ? m : hour.union(m);
      }
      if (hour != null) hours.add(hour.coalesce(1));
    }
    if (hours.isEmpty()) {
      return spark.createDataFrame(List.of(), OUTPUT);
    }
    return accumulate(unionAll(hours, 0, hours.size()), spec);
  }

  /** A balanced union, so that a long backfill (hundreds of hours) does not build a plan hundreds of levels deep. */
  private static Dataset<Row> unionAll(List<Dataset<Row>> parts, int from, int to) {
    if (to - from == 1) return parts.get(from);
    int mid = (from + to) >>> 1;
    return unionAll(parts, from, mid).union(unionAll(parts, mid, to));
  }

  private static void checkRange(FeatureSpec spec, Instant from, Instant to) {
    long w = spec.windowMicros();
    if (Micros.of(from) % w != 0 || Micros.of(to) % w != 0 || !from.isBefore(to)) {
      throw new IllegalArgumentException("need window-aligned bounds with from < to, got [" + from + ", " + to + ")");
    }
  }

  /** The columns the accumulators read (see {@link AccumulatingIterator}), of the flows in {@code [from, to)}. */
  private static Dataset<Row> narrow(Dataset<Row> flows, FeatureSpec spec, Instant from, Instant to) {
    Column time = col(FlowSchema.EVENT_TIME);
    // Both addresses, whatever the spec: the window summary counts distinct sources and ranks top talkers.
    return flows.where(time.geq(lit(from)).and(time.lt(lit(to)))).select(
        unix_micros(time).as(EVENT_MICROS),
        col(FlowSchema.PORT_SRC), col(FlowSchema.PORT_DST), col(FlowSchema.IP_PROTO),
        col(FlowSchema.PACKETS), col(FlowSchema.BYTES), col(FlowSchema.SAMPLING_RATE),
        col(FlowSchema.IP_SRC), col(FlowSchema.IP_DST),
        lit(false).as(EMPTY_WINDOW));
  }

  /** One empty-window marker per window of {@code [from, to)}, in the columns of {@link #narrow}. */
  private static Dataset<Row> markers(SparkSession spark, FeatureSpec spec, Instant from, Instant to) {
    return spark.range(Micros.of(from), Micros.of(to), spec.windowMicros(), 1).select(
        // Named like narrow's columns: a range without any flows consists of markers alone.
        col("id").as(EVENT_MICROS),
        lit(null).cast(DataTypes.IntegerType).as(FlowSchema.PORT_SRC),
        lit(null).cast(DataTypes.IntegerType).as(FlowSchema.PORT_DST),
        lit(null).cast(DataTypes.IntegerType).as(FlowSchema.IP_PROTO),
        lit(null).cast(DataTypes.LongType).as(FlowSchema.PACKETS),
        lit(null).cast(DataTypes.LongType).as(FlowSchema.BYTES),
        lit(null).cast(DataTypes.LongType).as(FlowSchema.SAMPLING_RATE),
        lit(null).cast(DataTypes.StringType).as(FlowSchema.IP_SRC),
        lit(null).cast(DataTypes.StringType).as(FlowSchema.IP_DST),
        lit(true).as(EMPTY_WINDOW));
  }

  /** Accumulates each task's narrow rows (whole windows per task) into {@link #OUTPUT} rows. */
  private static Dataset<Row> accumulate(Dataset<Row> narrow, FeatureSpec spec) {
    long w = spec.windowMicros();
    return narrow
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new AccumulatingIterator(rows, spec),
            Encoders.row(ACCUMULATED))
        .select(
            timestamp_micros(col(WINDOW_START_MICROS)).as(WINDOW_START),
            timestamp_micros(col(WINDOW_START_MICROS).plus(w)).as(WINDOW_END),
            lit(spec.scope().jsonName()).as(SCOPE),
            col(SCOPE_KEY), col(VECTOR), col(VECTOR_FLOWS), col(VECTOR_PACKETS), col(SOURCES),
            col(TOP_DST_PREFIXES), col(TOP_SOURCES), col(TOP_DST_PORTS), col(ESTIMATED_COUNTS), col(BUSIEST_DST_FLOWS),
            col(BUSIEST_PAIR_FLOWS), col(SERVICE_PORTS), col(DT), col(HOUR),
            lit(spec.id()).as(SPEC_ID));
  }

  private static long observed(Observation o, String metric) throws InterruptedException {
    Object n = o.getAsJava().get(metric);
    return n == null ? 0 : ((Number) n).longValue();
  }

  /**
   * Drops this spec's vector partitions of {@code hours} that have no flows (a rerun must not keep their old rows);
   * returns how many there were.
   */
  private int dropEmptyHours(FeatureSpec spec, EventHours hours, Set<Hour> hoursWithFlows) {
    Set<Hour> present = Partitions.hours(spark, config.vectorsTable(), SPEC_ID, spec.id());
    List<Hour> stale = hours.hours().stream().filter(h -> !hoursWithFlows.contains(h) && present.contains(h)).toList();
    Partitions.drop(spark, config.vectorsTable(), stale, SPEC_ID + "='" + spec.id() + "'");
    return stale.size();
  }

  /**
   * Drains one task's rows through the shared grouping loop ({@link Featurizer}), then emits one row per window and
   * scope key. Rows come in the narrow column order of {@link #vectors}; empty-window markers only create an
   * accumulator.
   */
  private static final class AccumulatingIterator implements Iterator<Row> {
    private final FeatureSpec spec;
    private final Iterator<Row> in;
    private Iterator<WindowGroup> windows;
    private WindowGroup window;
    private Iterator<Map.Entry<String, WindowAccumulator>> keys = Collections.emptyIterator();
    private long cachedHour = Long.MIN_VALUE;
    private String cachedDt;
    private int cachedHourOfDay;

    AccumulatingIterator(Iterator<Row> in, FeatureSpec spec) {
      this.in = in;
      this.spec = spec;
    }

    private void drain() {
      Featurizer<WindowGroup> groups = Featurizer.of(spec);
      while (in.hasNext()) {
        Row r = in.next();
        long eventMicros = r.getLong(0);
        if (r.getBoolean(9)) {
          long start = Featurizer.windowStartMicros(eventMicros, spec);
          groups.fillGlobal(start, start + spec.windowMicros());
          continue;
        }
        String ipSrc = r.getString(7);
        String ipDst = r.getString(8);
        groups.accumulator(eventMicros, ipDst).add(r.getInt(1), r.getInt(2), r.getInt(3), r.getLong(4), r.getLong(5),
            r.isNullAt(6) ? 0 : r.getLong(6), ipSrc, ipDst);
      }
      windows = groups.windows().iterator();
    }

    @Override
    public boolean hasNext() {
      if (windows == null) drain();
      while (!keys.hasNext() && windows.hasNext()) {
        window = windows.next();
        keys = window.byKey().entrySet().iterator();
      }
      return keys.hasNext();
    }

    @Override
    public Row next() {
      if (!hasNext()) throw new NoSuchElementException();
      Map.Entry<String, WindowAccumulator> e = keys.next();
      long start = window.startMicros();
      long hour = Math.floorDiv(start, Micros.PER_HOUR);
      if (hour != cachedHour) {
        Hour h = new Hour(hour);
        cachedHour = hour;
        cachedDt = h.dt();
        cachedHourOfDay = h.hourOfDay();
      }
      WindowAccumulator acc = e.getValue();
      return RowFactory.create(start, e.getKey(), acc.toVector(), acc.flowCount(), acc.packetCount(), acc.sources(),
          acc.topDstPrefixes().toArray(new String[0]), acc.topSources().toArray(new String[0]),
          acc.topDstPorts().toArray(new String[0]), acc.estimatedCounts(), acc.busiestDstFlows(), acc.busiestPairFlows(),
          acc.servicePorts(), cachedDt, cachedHourOfDay);
    }
  }
}
