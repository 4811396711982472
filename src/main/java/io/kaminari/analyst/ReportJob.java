package io.kaminari.analyst;

import static io.kaminari.analyst.SvgChart.esc;
import static io.kaminari.analyst.SvgChart.fmt;
import static io.kaminari.common.Columns.IS_ANOMALY;
import static io.kaminari.common.Columns.MODEL_NAME;
import static io.kaminari.common.Columns.MODEL_VERSION;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SCORE;
import static io.kaminari.common.Columns.THRESHOLD;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;

import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.features.Scope;
import io.kaminari.pipeline.Warehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a self-contained HTML report of a period to {@code outDir/report.html}: traffic per hour, the global score
 * against the threshold with anomalies marked, the anomalies with their explanations, the top talkers of the top
 * anomaly, the model version in use, and the model's incidents starting in the period ({@code kaminari.v_incidents}).
 *
 * <p>The charts are inline SVG drawn here (no script, no external resource), so the file can be attached to an incident
 * and opened offline. It reads only the hour partitions of the period, through the analyst views.
 */
public final class ReportJob {
  public static final String FILE_NAME = "report.html";
  static final String V_TRAFFIC_HOURLY = "v_traffic_hourly";
  static final String V_ANOMALIES = "v_anomalies";
  static final String V_ANOMALY_FLOWS = "v_anomaly_flows";
  static final String V_MODEL_HISTORY = "v_model_history";
  static final String V_INCIDENTS = "v_incidents";
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

  private final SparkSession spark;
  private final ReportConfig config;

  /** What was written: the file, the hours and scored windows it covers, its anomalies and the model version shown. */
  public record Result(Path html, long hours, long scoredWindows, long anomalies, Integer modelVersion) {}

  public ReportJob(SparkSession spark, ReportConfig config) {
    this.spark = spark;
    this.config = config;
  }

  public Result run() throws IOException {
    spark.sparkContext().setJobGroup("REPORT", "report " + config.from() + " .. " + config.to(), false);
    try {
      return write();
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  private Column period() {
    return expr(HourRange.covering(config.from(), config.to()).where());
  }

  private Column windows() {
    return period().and(col(WINDOW_START).geq(lit(config.from()))).and(col(WINDOW_START).lt(lit(config.to())));
  }

  private Result write() throws IOException {
    // Traffic: every hour of the period, zero where there were no flows.
    Map<Instant, Row> byHour = new HashMap<>();
    for (Row r : spark.table(V_TRAFFIC_HOURLY).where(period()).groupBy("hour_start")
        .agg(sum("est_packets").as("p"), sum("est_bytes").as("b"), sum("flows").as("f")).collectAsList()) {
      byHour.put(r.getAs("hour_start"), r);
    }
    List<String> hourLabels = new ArrayList<>();
    List<Double> packets = new ArrayList<>();
    double totalPackets = 0;
    double totalBytes = 0;
    long totalFlows = 0;
    for (Hour hour : HourRange.covering(config.from(), config.to()).hours()) {
      Instant h = hour.start();
      Row r = byHour.get(h);
      hourLabels.add(HOUR.format(h));
      double p = r == null ? 0 : r.<Long>getAs("p");
      packets.add(p);
      totalPackets += p;
      totalBytes += r == null ? 0 : r.<Long>getAs("b");
      totalFlows += r == null ? 0 : r.<Long>getAs("f");
    }

    Integer version = config.modelVersion();
    if (version == null) {
      Row v = spark.table(Warehouse.ANOMALY_SCORES).where(windows().and(col(MODEL_NAME).equalTo(config.modelName())))
          .agg(max(MODEL_VERSION)).first();
      version = v.isNullAt(0) ? null : v.getInt(0);
    }
    List<Row> scores = version == null ? List.of() : spark.table(Warehouse.ANOMALY_SCORES)
        .where(windows().and(col(MODEL_NAME).equalTo(config.modelName())).and(col(MODEL_VERSION).equalTo(version))
            .and(col(SCOPE).equalTo(Scope.GLOBAL.jsonName())))
        .select(WINDOW_START, SCORE, THRESHOLD, IS_ANOMALY).orderBy(WINDOW_START).collectAsList();
    List<Row> anomalies = version == null ? List.of() : spark.table(V_ANOMALIES)
        .where(windows().and(col(MODEL_NAME).equalTo(config.modelName())).and(col(MODEL_VERSION).equalTo(version)))
        .orderBy(col("score_ratio").desc(), col(WINDOW_START), col(SCOPE_KEY)).limit(config.maxAnomalies())
        .collectAsList();
    long anomalyCount = version == null ? 0 : spark.table(V_ANOMALIES)
        .where(windows().and(col(MODEL_NAME).equalTo(config.modelName())).and(col(MODEL_VERSION).equalTo(version)))
        .count();
    List<Row> topFlows = List.of();
    if (!anomalies.isEmpty()) {
      Row top = anomalies.get(0);
      topFlows = spark.table(V_ANOMALY_FLOWS)
          .where(col("dt").equalTo(top.<String>getAs("dt")).and(col("hour").equalTo(top.<Integer>getAs("hour")))
              .and(col(WINDOW_START).equalTo(lit(top.<Instant>getAs(WINDOW_START))))
              .and(col(SCOPE_KEY).equalTo(top.<String>getAs(SCOPE_KEY)))
              .and(col(MODEL_NAME).equalTo(config.modelName())).and(col(MODEL_VERSION).equalTo(version)))
          .orderBy("dimension", "rank_in_window").collectAsList();
    }
    Row model = version == null ? null : spark.table(V_MODEL_HISTORY)
        .where(col(MODEL_NAME).equalTo(config.modelName()).and(col(MODEL_VERSION).equalTo(version)))
        .collectAsList().stream().findFirst().orElse(null);

    // The model's incidents starting in the period, whichever version's scores they were computed from.
    List<Row> incidents = spark.table(V_INCIDENTS)
        .where(col("dt").geq(DAY.format(config.from())).and(col("dt").leq(DAY.format(config.to())))
            .and(col("start_time").geq(lit(config.from()))).and(col("start_time").lt(lit(config.to())))
            .and(col(MODEL_NAME).equalTo(config.modelName())))
        .orderBy(col("start_time"), col("incident_id")).limit(config.maxAnomalies()).collectAsList();

    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Kaminari report ")
        .append(esc(config.from() + " .. " + config.to())).append("</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:1040px}")
        .append("table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}")
        .append("th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}")
        .append("th{background:#f0f0f0}td.n{text-align:right}td:first-child{white-space:nowrap}h2{margin-top:32px}.muted{color:#777}\n")
        .append("</style></head><body>\n");
    h.append("<h1>Kaminari report</h1>\n<p>Period <b>").append(esc(config.from().toString())).append("</b> to <b>")
        .append(esc(config.to().toString())).append("</b> (UTC, end exclusive). Generated ")
        .append(esc(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())).append(".</p>\n");

    h.append("<h2>Traffic</h2>\n<p>").append(String.format("%,d flow records, %s packets, %s bytes",
        totalFlows, fmt(totalPackets), fmt(totalBytes)))
        .append(" (estimated on the wire: scaled by the sampling rate).</p>\n");
    h.append(SvgChart.bars("traffic", "Packets per hour (UTC)", hourLabels,
        packets.stream().mapToDouble(Double::doubleValue).toArray(), "packets"));

    h.append("<h2>Model in use</h2>\n");
    if (version == null) {
      h.append("<p class=\"muted\">No version of ").append(esc(config.modelName()))
          .append(" scored this period.</p>\n");
    } else {
      h.append(modelTable(model, version));
    }

    h.append("<h2>Anomaly score, global scope</h2>\n");
    if (scores.isEmpty()) {
      h.append("<p class=\"muted\">No global scores in the period.</p>\n");
    } else {
      List<SvgChart.Point> points = new ArrayList<>();
      for (Row r : scores) {
        points.add(new SvgChart.Point(HOUR.format(r.<Instant>getAs(WINDOW_START)), r.getDouble(1), r.getBoolean(3)));
      }
      h.append(SvgChart.series("scores", "Score vs threshold per window (" + config.modelName() + " v" + version
          + "); red: anomalies", points, scores.get(0).getDouble(2), "score"));
    }

    h.append("<h2>Anomalies</h2>\n");
    if (anomalies.isEmpty()) {
      h.append("<p class=\"muted\">No window above the threshold.</p>\n");
    } else {
      h.append("<p>").append(anomalyCount).append(" anomalous windows x scope keys")
          .append(anomalyCount > anomalies.size() ? "; the " + anomalies.size() + " highest shown" : "")
          .append(".</p>\n<table id=\"anomalies\"><tr><th>window start</th><th>scope</th><th>key</th><th>score</th>")
          .append("<th>threshold</th><th>score / threshold</th><th>explanation</th><th>packets</th><th>model</th></tr>\n");
      for (Row r : anomalies) {
        h.append("<tr><td>").append(esc(r.<Instant>getAs(WINDOW_START).toString())).append("</td><td>")
            .append(esc(r.getAs(SCOPE))).append("</td><td>").append(esc(r.getAs(SCOPE_KEY))).append("</td><td class=\"n\">")
            .append(fmt(r.<Double>getAs(SCORE))).append("</td><td class=\"n\">").append(fmt(r.<Double>getAs(THRESHOLD)))
            .append("</td><td class=\"n\">").append(fmt(r.<Double>getAs("score_ratio"))).append("</td><td>")
            .append(esc(r.getAs("explanation_text"))).append("</td><td class=\"n\">")
            .append(String.format("%,d", r.<Long>getAs("packets"))).append("</td><td>")
            .append(esc(r.<String>getAs(MODEL_NAME) + " v" + r.<Integer>getAs(MODEL_VERSION))).append("</td></tr>\n");
      }
      h.append("</table>\n");
      Row top = anomalies.get(0);
      h.append("<h2>Top anomaly: who</h2>\n<p>").append(esc(top.<Instant>getAs(WINDOW_START).toString()))
          .append(", ").append(esc(top.getAs(SCOPE_KEY))).append(": ").append(esc(top.getAs("explanation_text")))
          .append("</p>\n");
      h.append(topTalkers(topFlows));
    }
    h.append("<h2>Incidents</h2>\n").append(incidentsTable(incidents));
    h.append("</body></html>\n");

    Files.createDirectories(config.outDir());
    Path html = config.outDir().resolve(FILE_NAME);
    Path tmp = config.outDir().resolve("." + FILE_NAME + ".tmp");
    Files.writeString(tmp, h, StandardCharsets.UTF_8);
    Files.move(tmp, html, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return new Result(html, hourLabels.size(), scores.size(), anomalyCount, version);
  }

  private static String modelTable(Row m, int version) {
    if (m == null) return "<p>version " + version + " (not in kaminari.v_model_history)</p>\n";
    StringBuilder s = new StringBuilder("<table id=\"model\">\n");
    String[] fields = {"model_name", "model_version", "registered", "created", "spec_id", "threshold",
        "threshold_method", "val_loss", "train_from", "train_to", "train_samples", "promoted_alias", "scored_windows",
        "anomalies"};
    for (String f : fields) {
      Object v = m.getAs(f);
      s.append("<tr><th>").append(f).append("</th><td>")
          .append(v == null ? "<span class=\"muted\">n/a</span>" : esc(String.valueOf(v))).append("</td></tr>\n");
    }
    return s.append("</table>\n").toString();
  }

  /** The incidents of the period (kaminari.v_incidents), or a note that there are none. */
  private static String incidentsTable(List<Row> incidents) {
    if (incidents.isEmpty()) {
      return "<p class=\"muted\">No incidents of this model start in the period (run <code>kaminari incidents</code>"
          + " for it).</p>\n";
    }
    StringBuilder s = new StringBuilder("<table id=\"incidents\"><tr><th>start</th><th>incident</th><th>victim</th>")
        .append("<th>status</th><th>minutes</th><th>windows</th><th>peak score</th><th>peak pps</th>")
        .append("<th>peak Mbps</th><th>attack vector</th><th>sources</th><th>top destinations</th></tr>\n");
    for (Row r : incidents) {
      s.append("<tr><td>").append(esc(r.<Instant>getAs("start_time").toString())).append("</td><td>")
          .append(esc(r.getAs("incident_id"))).append("</td><td>").append(esc(r.getAs("victim"))).append("</td><td>")
          .append(esc(r.getAs("status"))).append("</td><td class=\"n\">")
          .append(fmt(r.<Number>getAs("duration_minutes").doubleValue())).append("</td><td class=\"n\">")
          .append(r.<Integer>getAs("anomalous_windows")).append("</td><td class=\"n\">")
          .append(fmt(r.<Number>getAs("peak_score").doubleValue())).append("</td><td class=\"n\">")
          .append(fmt(r.<Number>getAs("peak_pps").doubleValue())).append("</td><td class=\"n\">")
          .append(fmt(r.<Number>getAs("peak_mbps").doubleValue())).append("</td><td>")
          .append(esc(r.getAs("attack_vector")))
          .append("</td><td>").append(String.format("%,d: ", r.<Long>getAs("sources")))
          .append(esc(r.getAs("top_sources_text"))).append("</td><td>").append(esc(r.getAs("top_destinations_text")))
          .append("</td></tr>\n");
    }
    return s.append("</table>\n").toString();
  }

  /** The top sources as a chart, then every dimension of v_anomaly_flows as a table. */
  private static String topTalkers(List<Row> flows) {
    if (flows.isEmpty()) return "<p class=\"muted\">No flows matched the window.</p>\n";
    StringBuilder s = new StringBuilder();
    List<String> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (Row r : flows) {
      if ("src_ip".equals(r.getAs("dimension"))) {
        labels.add(r.getAs("value"));
        values.add(r.<Long>getAs("est_packets").doubleValue());
      }
    }
    s.append(SvgChart.hbars("talkers", "Top sources of the top anomaly (packets)", labels,
        values.stream().mapToDouble(Double::doubleValue).toArray(), "packets"));
    s.append("<table id=\"anomaly-flows\"><tr><th>dimension</th><th>#</th><th>value</th><th>flows</th>")
        .append("<th>packets</th><th>share</th><th>bytes / packet</th></tr>\n");
    for (Row r : flows) {
      s.append("<tr><td>").append(esc(r.getAs("dimension"))).append("</td><td class=\"n\">")
          .append(r.<Integer>getAs("rank_in_window")).append("</td><td>").append(esc(r.getAs("value")))
          .append("</td><td class=\"n\">").append(r.<Long>getAs("flows")).append("</td><td class=\"n\">")
          .append(r.<Long>getAs("est_packets")).append("</td><td class=\"n\">")
          .append(String.format("%.1f%%", 100 * r.<Double>getAs("share"))).append("</td><td class=\"n\">")
          .append(fmt(r.<Double>getAs("avg_packet_bytes"))).append("</td></tr>\n");
    }
    return s.append("</table>\n").toString();
  }
}
