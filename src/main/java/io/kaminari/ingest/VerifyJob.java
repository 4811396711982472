package io.kaminari.ingest;

import io.kaminari.common.Columns;
import io.kaminari.common.time.ArrivalHours;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.HourRange;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reconciles landing hours against what compaction accounted for ({@link Reconciliation}) and, if asked, re-compacts
 * the hours that do not reconcile: {@code kaminari verify}.
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
   */
  public record Verification(List<Reconciliation.Gap> found, Optional<JobRun> repair,
      List<Reconciliation.Gap> remaining) {
    public Verification {
      found = List.copyOf(found);
      remaining = List.copyOf(remaining);
    }

    public boolean reconciles() {
      return remaining.isEmpty();
    }
  }

  /** Checks the configured hours and repairs them if asked. */
  public Verification run() throws Exception {
    List<Reconciliation.Gap> found = gaps();
    if (!config.repair() || found.isEmpty()) return new Verification(found, Optional.empty(), found);
    ArrivalHours range = Reconciliation.repairRange(config.hours(), found).orElseThrow();
    JobRun repair = new CompactJob(spark, config.compact()).compact(range);
    return new Verification(found, Optional.of(repair), gaps());
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
    return Reconciliation.gaps(hours, landed, compactions);
  }
}
