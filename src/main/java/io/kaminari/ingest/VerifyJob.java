package io.kaminari.ingest;

import static org.apache.spark.sql.functions.col;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.flow.EventTimePolicy;
import io.kaminari.flow.PmacctParser;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reconciles landing hours against what compaction accounted for ({@link Reconciliation}), with {@code --rows} also
 * against the rows of {@code flows} and {@code flows_rejected}, and, if asked, re-compacts the hours that do not
 * reconcile: {@code kaminari verify}.
 *
 * <p>A landing hour that gained records after it was compacted (a landing run that lagged behind, a producer's late
 * timestamps) holds records that are in no table but the landing one until that hour is compacted again; nothing else
 * notices. Compaction is idempotent, so the repair re-compacts a superset safely: one run from the first hour that does
 * not reconcile to the end of the range ({@link Reconciliation#repairRange}).
 */
public final class VerifyJob {
  private final SparkSession spark;
  private final VerifyConfig config;

  public VerifyJob(SparkSession spark, VerifyConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /**
   * What a verification found, what it repaired and what still does not reconcile.
   *
   * @param repair the compaction run that repaired the gaps, if one ran
   * @param losses with {@code --rows}: the {@code land} runs that finished in the hours and recorded records Kafka
   *     had deleted before they were landed ({@code land.on-data-loss=skip-and-record}); no repair brings them back
   */
  public record Verification(List<Reconciliation.Gap> found, Optional<JobRun> repair,
      List<Reconciliation.Gap> remaining, List<JobRun> losses) {
    public Verification {
      found = List.copyOf(found);
      remaining = List.copyOf(remaining);
      losses = List.copyOf(losses);
    }

    public boolean reconciles() {
      return remaining.isEmpty() && losses.isEmpty();
    }
  }

  /** Checks the configured hours and repairs them if asked. */
  public Verification run() throws Exception {
    List<JobRun> losses = config.rows() ? losses() : List.of();
    List<Reconciliation.Gap> found = gaps();
    if (!config.repair() || found.isEmpty()) return new Verification(found, Optional.empty(), found, losses);
    ArrivalHours range = Reconciliation.repairRange(config.hours(), found).orElseThrow();
    JobRun repair = new CompactJob(spark, config.compact()).compact(range);
    return new Verification(found, Optional.of(repair), gaps(), losses);
  }

  /**
   * The {@code land} runs that finished in the hours verified and recorded a data loss: records Kafka's retention
   * deleted before they were landed, which {@code land.on-data-loss=skip-and-record} skips and counts as rejected.
   * They are in no table, landing included, so only this names them again after the run that recorded them.
   */
  List<JobRun> losses() {
    return JobRuns.finished(spark, LandJob.JOB, config.hours().start(), config.hours().end()).stream()
        .filter(r -> r.rejected() > 0).toList();
  }

  /** The hours of the range that do not reconcile now. */
  List<Reconciliation.Gap> gaps() {
    ArrivalHours hours = config.hours();
    List<JobRun> compactions = JobRuns.succeeded(spark, CompactJob.JOB, hours.start(), hours.end());
    // The landing rows of every hour a relevant compaction covered, not only of the range verified.
    Hour from = hours.range().from();
    Hour to = hours.range().to();
    for (JobRun r : compactions) {
      HourRange w = Reconciliation.window(r);
      if (w.from().compareTo(from) < 0) from = w.from();
      if (w.to().compareTo(to) > 0) to = w.to();
    }
    spark.catalog().refreshTable(Warehouse.FLOWS_LANDING);
    Map<Hour, Long> landed = new HashMap<>();
    for (Row r : spark.table(Warehouse.FLOWS_LANDING).where(new ArrivalHours(new HourRange(from, to)).where())
        .groupBy(Columns.DT, Columns.HOUR).count().collectAsList()) {
      landed.put(Hour.of(r.getString(0), r.getInt(1)), r.getLong(2));
    }
    return Reconciliation.gaps(hours, landed, compactions, config.rows() ? missing(hours, compactions) : null);
  }

  /**
   * Per landing hour of {@code hours}, the flows and rejects of its landing records whose coordinates are in neither
   * {@code flows} nor {@code flows_rejected}: what no table holds. A compaction puts a record's flows in the event
   * hours it records ({@link JobRun#eventHours()}) and its rejects in the landing hour, so only those partitions are
   * read (all of {@code flows} if a compaction predates the record of event hours). The records left after an
   * anti-join on the coordinates are parsed, which is cheap when all is well: they are then pmacct's markers, counted
   * and not stored.
   */
  private Map<Hour, Long> missing(ArrivalHours hours, List<JobRun> compactions) {
    Dataset<Row> flows = spark.table(Warehouse.FLOWS);
    if (compactions.stream().allMatch(r -> r.eventHours() != null)) {
      flows = flows.where(EventHours.of(compactions.stream().flatMap(r -> r.eventHours().hours().stream()).toList())
          .where());
    }
    spark.catalog().refreshTable(Warehouse.FLOWS);
    spark.catalog().refreshTable(Warehouse.FLOWS_REJECTED);
    Dataset<Row> stored = flows.select(STORED).union(spark.table(Warehouse.FLOWS_REJECTED).where(hours.where())
        .select(STORED)).toDF(STORED_AS);
    Dataset<Row> landing = spark.table(Warehouse.FLOWS_LANDING).where(hours.where());
    Column same = null;
    for (int i = 0; i < STORED.length; i++) {
      Column c = landing.col(STORED[i].toString()).equalTo(stored.col(STORED_AS[i]));
      same = same == null ? c : same.and(c);
    }
    ZoneId zone = config.compact().collectorZone();
    EventTimePolicy policy = config.compact().eventTimes();
    Dataset<Row> unmatched = landing.join(stored, same, "left_anti")
        .select(Columns.VALUE, Columns.ARRIVAL_TIME, Columns.DT, Columns.HOUR);
    Map<Hour, Long> out = new HashMap<>();
    for (Row r : unmatched.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
      PmacctParser parser = new PmacctParser(zone, policy);
      StoredObjects counter = new StoredObjects();
      List<Row> counted = new ArrayList<>();
      while (rows.hasNext()) {
        Row row = rows.next();
        Instant arrival = row.getInstant(1);
        counter.objects = 0;
        // The arrival time stands in for a record without a timestamp, as in compaction (LandingParser).
        long arrivalMicros = arrival == null ? Long.MIN_VALUE
            : Math.addExact(Math.multiplyExact(arrival.getEpochSecond(), 1_000_000L), arrival.getNano() / 1000);
        parser.parse(row.getAs(0), arrivalMicros, counter);
        if (counter.objects > 0) counted.add(RowFactory.create(row.getString(2), row.getInt(3), counter.objects));
      }
      return counted.iterator();
    }, Encoders.row(MISSING)).groupBy(Columns.DT, Columns.HOUR).sum(MISSING_COUNT).collectAsList()) {
      out.put(Hour.of(r.getString(0), r.getInt(1)), r.getLong(2));
    }
    return out;
  }

  private static final Column[] STORED = {col(Columns.SOURCE), col(Columns.SOURCE_PARTITION),
      col(Columns.SOURCE_OFFSET)};
  private static final String[] STORED_AS = {"_source", "_partition", "_offset"};
  private static final String MISSING_COUNT = "_objects";
  private static final StructType MISSING = new StructType().add(Columns.DT, DataTypes.StringType)
      .add(Columns.HOUR, DataTypes.IntegerType).add(MISSING_COUNT, DataTypes.LongType);

  /** Counts the objects of a message that compaction stores (flows and rejects); markers it only counts. */
  private static final class StoredObjects implements PmacctParser.Sink {
    long objects;

    @Override
    public void flow(int index, PmacctParser.Fields flow) {
      objects++;
    }

    @Override
    public void marker(int index, String eventType) {}

    @Override
    public void reject(int index, String rawObject, String reason) {
      objects++;
    }
  }
}
