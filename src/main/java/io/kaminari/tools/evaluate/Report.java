package io.kaminari.tools.evaluate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.html}: a self-contained page (no scripts, no external resources) with the metrics of every detector
 * (the production verdict, its autoencoder and AR forecaster on their own, the baseline) and one server-side SVG
 * timeline for the production verdict and one for the baseline: the score per test window (the largest over the
 * window's scope keys) on a log scale, the threshold, the labelled attack windows shaded and the flagged windows
 * ticked. The two timelines are also written on their own as {@code timeline_production.svg} and
 * {@code timeline_baseline.svg}.
 */
public final class Report {
  private Report() {}

  static final int WIDTH = 1100;
  static final int HEIGHT = 260;
  static final int LEFT = 60;
  static final int RIGHT = 10;
  static final int TOP = 28;
  static final int BOTTOM = 40;

  /**
   * Writes the page and the two timelines; {@code detectors} are the production verdict's parts, by display name,
   * listed in the table between it and the baseline.
   */
  public static void write(Path out, EvaluateConfig cfg, List<Instant> windows, Set<Instant> labelled,
      List<ScoreRow> ae, List<ScoreRow> base, Metrics.Result aeMetrics, Metrics.Result baseMetrics,
      Map<String, Metrics.Result> detectors) throws IOException {
    String aeSvg = timeline("Production verdict (" + (ae.isEmpty() ? "" : ae.get(0).modelVersion())
        + "): max of each detector's score / threshold", windows, labelled, ae);
    String baseSvg = timeline("Baseline (FastNetMon-style): max value/threshold over destinations", windows, labelled,
        base);
    Files.writeString(out.resolve("timeline_production.svg"), aeSvg, StandardCharsets.UTF_8);
    Files.writeString(out.resolve("timeline_baseline.svg"), baseSvg, StandardCharsets.UTF_8);
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Kaminari evaluation</title>\n")
        .append("<style>body{font-family:sans-serif;margin:1.5em;max-width:1150px}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}")
        .append("td:first-child{text-align:left}</style></head><body>\n")
        .append("<h1>Kaminari evaluation</h1>\n<p>")
        .append(esc(String.format(Locale.ROOT, "flows %s, labels %s; window %s, scope %s; trained on [%s, %s),"
                + " tested on [%s, %s): %d windows, %d labelled attack windows in %d events.", cfg.flows(),
            cfg.labels(), cfg.windowText(), cfg.scope().jsonName(), cfg.trainFrom(), cfg.trainTo(), cfg.testFrom(),
            cfg.testTo(), windows.size(), labelled.size(), aeMetrics.events().size())))
        .append("</p>\n<table><tr><th>detector</th><th>precision</th><th>recall</th><th>F1</th><th>TP</th><th>FP</th>")
        .append("<th>FN</th><th>events detected</th><th>mean delay (windows)</th><th>false alarms/day</th><th>ROC AUC</th></tr>\n")
        .append(row("Production verdict", aeMetrics));
    detectors.forEach((name, r) -> h.append(row(name, r)));
    h.append(row("Baseline", baseMetrics)).append("</table>\n")
        .append("<p>Shaded red: labelled attack windows. Orange ticks under the axis: flagged windows. Dashed: threshold."
            + " Log scale; zero scores sit on the bottom edge.</p>\n")
        .append("<h2>Production verdict</h2>\n").append(aeSvg).append("\n<h2>Baseline</h2>\n").append(baseSvg)
        .append("\n<h2>Events</h2>\n<table><tr><th>event</th><th>windows</th><th>production delay</th>")
        .append("<th>baseline delay</th></tr>\n");
    for (int i = 0; i < aeMetrics.events().size(); i++) {
      Metrics.Event a = aeMetrics.events().get(i);
      Metrics.Event b = baseMetrics.events().get(i);
      h.append("<tr><td>").append(esc(a.start() + " .. " + a.end())).append("</td><td>").append(a.windows())
          .append("</td><td>").append(a.detected() ? a.delayWindows() : "missed").append("</td><td>")
          .append(b.detected() ? b.delayWindows() : "missed").append("</td></tr>\n");
    }
    h.append("</table>\n</body></html>\n");
    Files.writeString(out.resolve("report.html"), h.toString(), StandardCharsets.UTF_8);
  }

  private static String row(String name, Metrics.Result r) {
    return String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%d</td><td>%d</td>"
            + "<td>%d</td><td>%d / %d</td><td>%s</td><td>%.2f</td><td>%.3f</td></tr>\n", name, r.perWindow().precision(),
        r.perWindow().recall(), r.perWindow().f1(), r.perWindow().truePositives(), r.perWindow().falsePositives(),
        r.perWindow().falseNegatives(), r.eventsDetected(), r.events().size(),
        Double.isNaN(r.meanDelayWindows()) ? "-" : String.format(Locale.ROOT, "%.2f", r.meanDelayWindows()),
        r.falseAlarmsPerDay(), r.rocAuc());
  }

  /** The SVG timeline of one detector (score = largest over each window's rows). */
  static String timeline(String title, List<Instant> windows, Set<Instant> labelled, List<ScoreRow> rows) {
    Map<Instant, Integer> index = new HashMap<>();
    for (int i = 0; i < windows.size(); i++) index.put(windows.get(i), i);
    int n = windows.size();
    double[] score = new double[n];
    double[] threshold = new double[n];
    boolean[] flagged = new boolean[n];
    java.util.Arrays.fill(threshold, Double.NaN);
    for (ScoreRow r : rows) {
      Integer i = index.get(r.windowStart());
      if (i == null) continue;
      score[i] = Math.max(score[i], r.score());
      threshold[i] = Double.isNaN(threshold[i]) ? r.threshold() : Math.max(threshold[i], r.threshold());
      flagged[i] |= r.isAnomaly();
    }
    double lo = Double.MAX_VALUE;
    double hi = 0;
    for (int i = 0; i < n; i++) {
      for (double v : new double[] {score[i], threshold[i]}) {
        if (v > 0 && !Double.isNaN(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (hi == 0) {
      lo = 0.1;
      hi = 1;
    }
    double yLo = Math.floor(Math.log10(lo));
    double yHi = Math.max(Math.ceil(Math.log10(hi)), yLo + 1);
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    java.util.function.DoubleUnaryOperator y = v -> {
      double l = v > 0 ? Math.log10(v) : yLo;
      l = Math.max(yLo, Math.min(yHi, l));
      return TOP + plotH * (1 - (l - yLo) / (yHi - yLo));
    };
    java.util.function.IntToDoubleFunction x = i -> LEFT + plotW * i / Math.max(1, n);
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\">%s</text>\n", LEFT, esc(title)));
    for (int i = 0; i < n; i++) {
      if (!labelled.contains(windows.get(i))) continue;
      int j = i;
      while (j + 1 < n && labelled.contains(windows.get(j + 1))) j++;
      s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"#e33\""
          + " fill-opacity=\"0.25\"><title>labelled attack %s .. %s</title></rect>\n", x.applyAsDouble(i), TOP,
          Math.max(1.5, x.applyAsDouble(j + 1) - x.applyAsDouble(i)), plotH, windows.get(i), windows.get(j)));
      i = j;
    }
    for (double d = yLo; d <= yHi; d++) {
      double yy = y.applyAsDouble(Math.pow(10, d));
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>\n", LEFT, WIDTH - RIGHT, yy, yy, LEFT - 4,
          yy + 4, (int) d));
    }
    int ticks = 8;
    for (int k = 0; k <= ticks && n > 0; k++) {
      int i = Math.min(n - 1, (int) Math.round((double) k * (n - 1) / ticks));
      String label = windows.get(i).toString().replace("T", " ").replace(":00Z", "");
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
          x.applyAsDouble(i), HEIGHT - 8, esc(label)));
    }
    s.append("<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1\" points=\"");
    for (int i = 0; i < n; i++) {
      s.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.applyAsDouble(i) + plotW / n / 2, y.applyAsDouble(score[i])));
    }
    s.append("\"/>\n<polyline fill=\"none\" stroke=\"#222\" stroke-dasharray=\"5,3\" points=\"");
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(threshold[i])) continue;
      s.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.applyAsDouble(i) + plotW / n / 2,
          y.applyAsDouble(threshold[i])));
    }
    s.append("\"/>\n");
    for (int i = 0; i < n; i++) {
      if (!flagged[i]) continue;
      s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"#f80\">"
          + "<title>flagged %s score %.4g</title></rect>\n", x.applyAsDouble(i), TOP + plotH + 2,
          Math.max(1.5, plotW / n), windows.get(i), score[i]));
    }
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\""
        + " stroke=\"#888\"/>\n</svg>", LEFT, TOP, plotW, plotH));
    return s.toString();
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
