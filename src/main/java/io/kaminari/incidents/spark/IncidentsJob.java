package io.kaminari.incidents.spark;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.INCIDENT_ID;
import static io.kaminari.common.Columns.IS_ANOMALY;
import static io.kaminari.common.Columns.MODEL_NAME;
import static io.kaminari.common.Columns.MODEL_VERSION;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SCORE;
import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.START_TIME;
import static io.kaminari.common.Columns.TOP_DST_PREFIXES;
import static io.kaminari.common.Columns.WINDOW_END;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.incidents.AnomalousWindow;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.IncidentGrouping;
import io.kaminari.incidents.IncidentSpan;
import io.kaminari.incidents.Victims;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Recomputes the incidents of a period from one model version's scores and writes them to {@code kaminari.incidents},
 * replacing exactly the incidents it recomputes: a rerun gives identical rows.
 *
 * <p>It reads the anomalous windows of {@code [from - lookback, to)} (the victim of a global window is its top
 * destination prefix, from the window's port_vectors summary), groups them ({@link IncidentGrouping}), and keeps
 * <ul>
 *   <li>the incidents that start in {@code [from, to)}: this period owns them;
 *   <li>the incidents that started in the lookback and continue into the period: an earlier run wrote them as open at
 *       its end, and this run brings them up to date under the same id (same start);
 *   <li>not the ones whose start lies too close to the lookback's beginning to be known (fewer than the quiet windows
 *       before them were read): they are counted, and a longer {@code incidents.lookback} includes them.
 * </ul>
 * Each kept incident gets its peaks, vector and sources from the flows to its victim ({@link IncidentFlows}). Then the
 * {@code dt} partitions involved are rewritten with their other rows unchanged, the model's incidents starting in the
 * period and the continued ones replaced by the new rows (incidents are few; the partitions are read to the driver).
 */
public final class IncidentsJob {
  private final SparkSession spark;
  private final IncidentsConfig config;

  /** What a run found: the incidents written, the windows read, and how many could not be placed. */
  public record Result(JobRun run, List<Incident> incidents, int version) {}

  public IncidentsJob(SparkSession spark, IncidentsConfig config) {
    this.spark = spark;
    this.config = config;
  }

  public Result run() throws Exception {
    int version = config.modelVersion() != null ? config.modelVersion() : newestVersion();
    List<Incident> written = new ArrayList<>();
    JobRun run = JobRuns.run(spark, "incidents", config.from(), config.to(), runId -> {
      Instant readFrom = config.from().minus(config.lookback());
      List<Row> rows = anomalousWindows(spark, config.modelName(), version, readFrom, config.to()).collectAsList();
      List<AnomalousWindow> windows = new ArrayList<>();
      long noVictim = 0;
      for (Row r : rows) {
        String victim = Victims.of(r.getAs(SCOPE), r.getAs(SCOPE_KEY),
            r.isNullAt(r.fieldIndex(TOP_DST_PREFIXES)) ? null : r.getList(r.fieldIndex(TOP_DST_PREFIXES)));
        if (victim == null) {
          noVictim++;
          continue;
        }
        windows.add(new AnomalousWindow(config.modelName(), r.getAs(SCOPE), victim, r.getAs(WINDOW_START),
            r.getAs(WINDOW_END), r.<Double>getAs(SCORE)));
      }
      if (!windows.isEmpty()) checkLookback(windows.get(0).length());
      List<IncidentSpan> spans = IncidentGrouping.group(windows, config.quietWindows(), readFrom, config.to());
      long unknownStart = 0;
      for (IncidentSpan s : spans) {
        boolean owned = !s.start().isBefore(config.from());
        boolean continued = !owned && s.lastUpdate().isAfter(config.from());
        if (owned || (continued && s.complete())) {
          written.add(IncidentFlows.of(spark, s, version));
        } else if (continued) {
          unknownStart++;
        }
      }
      replace(written);
      for (Incident i : written) System.out.println(line(i));
      String message = config.modelName() + "/" + version + ": " + written.size() + " incidents from "
          + windows.size() + " anomalous windows"
          + (noVictim > 0 ? "; " + noVictim + " global windows without a destination summary skipped (rebuild"
              + " their port vectors)" : "")
          + (unknownStart > 0 ? "; " + unknownStart + " incidents running since before the lookback skipped (raise"
              + " incidents.lookback)" : "");
      return JobRuns.counts(rows.size(), windows.size(), written.size(), 0, noVictim + unknownStart, 0, message);
    });
    return new Result(run, List.copyOf(written), version);
  }

  /** The newest version of the model that scored a window of the period. */
  private int newestVersion() {
    Row v = spark.table(Warehouse.ANOMALY_SCORES)
        .where(expr(HourRange.covering(config.from(), config.to()).where())
            .and(col(MODEL_NAME).equalTo(config.modelName())))
        .agg(max(MODEL_VERSION)).first();
    if (v.isNullAt(0)) {
      throw new IllegalStateException("no scores of model " + config.modelName() + " in [" + config.from() + ", "
          + config.to() + "): run `kaminari score` for the period first");
    }
    return v.getInt(0);
  }

  private void checkLookback(Duration window) {
    Duration needed = window.multipliedBy(config.quietWindows());
    if (config.lookback().compareTo(needed) < 0) {
      throw new IllegalArgumentException("incidents.lookback " + config.lookback() + " is shorter than the quiet"
          + " windows (" + config.quietWindows() + " x " + window + "): an incident starting at --from could not be"
          + " told from one continuing; set it to at least " + needed);
    }
  }

  /**
   * The anomalous windows of a model version in {@code [from, to)} with the top destination prefixes of their port
   * vector (null when the vector has none, or is gone).
   */
  static Dataset<Row> anomalousWindows(SparkSession spark, String model, int version, Instant from, Instant to) {
    String hours = HourRange.covering(from, to).where();
    Dataset<Row> scores = spark.table(Warehouse.ANOMALY_SCORES).where(expr(hours)
            .and(col(MODEL_NAME).equalTo(model)).and(col(MODEL_VERSION).equalTo(version)).and(col(IS_ANOMALY))
            .and(col(WINDOW_START).geq(lit(from))).and(col(WINDOW_START).lt(lit(to))))
        .select(DT, HOUR, SPEC_ID, WINDOW_START, WINDOW_END, SCOPE, SCOPE_KEY, SCORE).alias("s");
    Dataset<Row> vectors = spark.table(Warehouse.PORT_VECTORS).where(expr(hours))
        .select(DT, HOUR, SPEC_ID, WINDOW_START, SCOPE, SCOPE_KEY, TOP_DST_PREFIXES).alias("v");
    return scores.join(vectors, col("s." + DT).equalTo(col("v." + DT)).and(col("s." + HOUR).equalTo(col("v." + HOUR)))
            .and(col("s." + SPEC_ID).equalTo(col("v." + SPEC_ID)))
            .and(col("s." + WINDOW_START).equalTo(col("v." + WINDOW_START)))
            .and(col("s." + SCOPE).equalTo(col("v." + SCOPE)))
            .and(col("s." + SCOPE_KEY).equalTo(col("v." + SCOPE_KEY))),
            "left")
        .select(col("s." + WINDOW_START).as(WINDOW_START), col("s." + WINDOW_END).as(WINDOW_END),
            col("s." + SCOPE).as(SCOPE), col("s." + SCOPE_KEY).as(SCOPE_KEY), col("s." + SCORE).as(SCORE),
            col("v." + TOP_DST_PREFIXES).as(TOP_DST_PREFIXES));
  }

  /**
   * Rewrites the {@code dt} partitions that hold a replaced or a new incident: every other row of them stays, the
   * model's incidents starting in the period and those with the id of a new one go, the new ones are added.
   */
  private void replace(List<Incident> incidents) {
    Set<String> ids = new HashSet<>();
    Set<String> dts = new TreeSet<>();
    for (Incident i : incidents) {
      ids.add(i.id());
      dts.add(IncidentRows.dt(i.start()));
    }
    for (Instant d = config.from(); d.isBefore(config.to()); d = d.plus(Duration.ofDays(1))) {
      dts.add(IncidentRows.dt(d));
    }
    dts.add(IncidentRows.dt(config.to().minusNanos(1000)));
    Map<String, List<Row>> byDt = new TreeMap<>();
    dts.forEach(d -> byDt.put(d, new ArrayList<>()));
    for (Row r : spark.table(Warehouse.INCIDENTS).where(col(DT).isin(dts.toArray())).collectAsList()) {
      Instant start = r.getAs(START_TIME);
      boolean ours = config.modelName().equals(r.getAs(MODEL_NAME)) && !start.isBefore(config.from())
          && start.isBefore(config.to());
      if (!ours && !ids.contains(r.<String>getAs(INCIDENT_ID))) byDt.get(r.<String>getAs(DT)).add(r);
    }
    for (Incident i : incidents) byDt.get(IncidentRows.dt(i.start())).add(IncidentRows.toRow(i));
    StructType schema = spark.table(Warehouse.INCIDENTS).schema();
    List<Row> rows = new ArrayList<>();
    List<String> empty = new ArrayList<>();
    byDt.forEach((d, list) -> {
      if (list.isEmpty()) empty.add(d);
      rows.addAll(list);
    });
    if (!rows.isEmpty()) {
      spark.createDataFrame(rows, schema).coalesce(1).write().mode("overwrite").insertInto(Warehouse.INCIDENTS);
    }
    for (String d : empty) {
      spark.sql("ALTER TABLE " + Warehouse.INCIDENTS + " DROP IF EXISTS PARTITION (" + DT + "='" + d + "')");
    }
  }

  /** One line per incident, as the CLI prints it. */
  public static String line(Incident i) {
    IncidentSpan s = i.span();
    return String.format(java.util.Locale.ROOT, "incident %s %s %s %s .. %s, %d windows, peak score %.2f, %.0f pps,"
            + " %.1f Mbps, %d sources: %s", s.id(), s.scope(), s.victim(), s.start(),
        s.end() == null ? "open" : s.end(), s.windows(), s.peakScore(), i.peakPps(), i.peakBps() / 1e6, i.sources(),
        i.vector().describe());
  }
}
