package io.kaminari.stream;

import io.kaminari.incidents.IncidentEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the live dashboard as one self-contained HTML page with server-side SVG (no scripts, no CDN): the recent
 * incidents (open ones first), per scope key the score over time against the threshold on a log scale, anomalies as
 * red dots, and a table of anomalies with their explanation. The page refreshes itself every 5 s.
 */
final class Dashboard {
  /** Charts drawn: the global scope plus the prefixes with the most anomalies. */
  static final int MAX_CHARTS = 6;
  private static final int W = 1100;
  private static final int H = 220;
  private static final int PAD = 50;

  private Dashboard() {}

  static String render(List<ScoredWindow> results, List<IncidentEvent> incidents, int modelVersion, boolean ready) {
    Map<String, List<ScoredWindow>> byKey = new LinkedHashMap<>();
    for (ScoredWindow w : results) byKey.computeIfAbsent(w.scopeKey(), k -> new ArrayList<>()).add(w);
    List<String> keys = new ArrayList<>(byKey.keySet());
    keys.sort((a, b) -> Long.compare(anomalies(byKey.get(b)), anomalies(byKey.get(a))));
    StringBuilder sb = new StringBuilder(16_384);
    sb.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"5\">")
        .append("<title>Kaminari scorer</title><style>body{font-family:sans-serif;margin:20px;color:#222}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}")
        .append(".anom{color:#c00}</style></head><body>");
    sb.append("<h1>Kaminari streaming scorer</h1><p id=\"model\">model version <b>")
        .append(modelVersion == 0 ? "none yet" : modelVersion).append("</b> · ")
        .append(ready ? "consuming" : "not ready").append(" · ").append(results.size())
        .append(" recent results</p>");
    incidents(sb, incidents);
    int charts = 0;
    for (String key : keys) {
      if (charts++ == MAX_CHARTS) break;
      chart(sb, key, byKey.get(key));
    }
    sb.append("<h2>Anomalies</h2><table id=\"anomalies\"><tr><th>window start</th><th>scope</th><th>score</th>")
        .append("<th>threshold</th><th>model</th><th>top features (share of error)</th></tr>");
    for (int i = results.size() - 1; i >= 0; i--) {
      ScoredWindow w = results.get(i);
      if (!w.isAnomaly()) continue;
      sb.append("<tr class=\"anom\"><td>").append(w.windowStart()).append("</td><td>").append(esc(w.scopeKey()))
          .append("</td><td>").append(fmt(w.score())).append("</td><td>").append(fmt(w.threshold()))
          .append("</td><td>").append(esc(w.model())).append('/').append(w.modelVersion()).append("</td><td>")
          .append(esc(explain(w))).append("</td></tr>");
    }
    return sb.append("</table></body></html>").toString();
  }

  /** The incidents table: open ones first, then the rest, each most recently changed first. */
  private static void incidents(StringBuilder sb, List<IncidentEvent> incidents) {
    sb.append("<h2>Incidents</h2>");
    if (incidents.isEmpty()) {
      sb.append("<p id=\"no-incidents\">none recorded (scorer.incidents-topic must be set)</p>");
      return;
    }
    sb.append("<table id=\"incidents\"><tr><th>incident</th><th>state</th><th>victim</th><th>scope</th>")
        .append("<th>start</th><th>last update</th><th>end</th><th>windows</th><th>peak score</th>")
        .append("<th>peak pps</th><th>attack vector</th><th>top sources</th><th>explanation of the peak</th></tr>");
    List<IncidentEvent> ordered = new ArrayList<>(incidents);
    ordered.sort(java.util.Comparator.comparing((IncidentEvent e) -> e.end() != null)); // stable: open ones first
    for (IncidentEvent e : ordered) {
      boolean open = e.end() == null;
      sb.append("<tr").append(open ? " class=\"anom\"" : "").append("><td>").append(esc(e.id())).append("</td><td>")
          .append(open ? "open" : "resolved").append("</td><td>").append(esc(e.victim())).append("</td><td>")
          .append(esc(e.scope())).append("</td><td>").append(e.start()).append("</td><td>").append(e.lastUpdate())
          .append("</td><td>").append(open ? "" : e.end().toString()).append("</td><td>").append(e.windows())
          .append("</td><td>").append(fmt(e.peakScore())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.0f", e.peakPps())).append("</td><td>")
          .append(e.traffic() == null ? "" : esc(e.traffic().vector().describe())).append("</td><td>")
          .append(e.traffic() == null ? "" : esc(String.join(", ", e.traffic().topSources()) + " of "
              + e.traffic().sources())).append("</td><td>")
          .append(esc(String.join("; ", e.explanation()))).append("</td></tr>");
    }
    sb.append("</table>");
  }

  private static void chart(StringBuilder sb, String key, List<ScoredWindow> points) {
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (ScoredWindow w : points) {
      lo = Math.min(lo, Math.min(log(w.score()), log(w.threshold())));
      hi = Math.max(hi, Math.max(log(w.score()), log(w.threshold())));
    }
    if (hi - lo < 1e-9) hi = lo + 1;
    long t0 = points.get(0).windowStartMicros();
    long t1 = Math.max(points.get(points.size() - 1).windowStartMicros(), t0 + 1);
    sb.append("<h2>").append(esc(key)).append("</h2><svg class=\"chart\" data-scope=\"").append(esc(key))
        .append("\" data-windows=\"").append(points.size()).append("\" width=\"").append(W).append("\" height=\"")
        .append(H).append("\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>");
    StringBuilder score = new StringBuilder();
    StringBuilder threshold = new StringBuilder();
    StringBuilder dots = new StringBuilder();
    for (ScoredWindow w : points) {
      double x = PAD + (W - 2.0 * PAD) * (w.windowStartMicros() - t0) / (t1 - t0);
      double y = y(log(w.score()), lo, hi);
      score.append(fmt(x)).append(',').append(fmt(y)).append(' ');
      threshold.append(fmt(x)).append(',').append(fmt(y(log(w.threshold()), lo, hi))).append(' ');
      if (w.isAnomaly()) {
        dots.append("<circle class=\"anomaly\" data-window=\"").append(w.windowStart()).append("\" cx=\"")
            .append(fmt(x)).append("\" cy=\"").append(fmt(y)).append("\" r=\"5\" fill=\"#d00\"><title>")
            .append(w.windowStart()).append(" score ").append(fmt(w.score())).append(": ").append(esc(explain(w)))
            .append("</title></circle>");
      }
    }
    sb.append("<polyline class=\"threshold\" fill=\"none\" stroke=\"#e90\" stroke-dasharray=\"6 4\" points=\"")
        .append(threshold).append("\"/><polyline class=\"score\" fill=\"none\" stroke=\"#36c\" stroke-width=\"1.5\" points=\"")
        .append(score).append("\"/>").append(dots);
    sb.append("<text x=\"").append(PAD).append("\" y=\"").append(H - 8).append("\" font-size=\"11\">")
        .append(points.get(0).windowStart()).append("</text><text x=\"").append(W - PAD - 150).append("\" y=\"")
        .append(H - 8).append("\" font-size=\"11\">").append(points.get(points.size() - 1).windowStart())
        .append("</text><text x=\"4\" y=\"14\" font-size=\"11\">log10 score (blue) vs threshold (orange)</text></svg>");
  }

  private static long anomalies(List<ScoredWindow> list) {
    return list.stream().filter(ScoredWindow::isAnomaly).count() + (list.get(0).scope().equals("global") ? 1L << 40 : 0);
  }

  static String explain(ScoredWindow w) {
    StringBuilder sb = new StringBuilder();
    for (ScoredWindow.Contribution c : w.topFeatures()) {
      if (sb.length() > 0) sb.append(", ");
      sb.append(c.feature()).append(String.format(Locale.ROOT, " (%.0f%%)", c.share() * 100));
    }
    return sb.toString();
  }

  private static double y(double v, double lo, double hi) {
    return H - PAD + (v - lo) / (hi - lo) * -(H - 2.0 * PAD) ;
  }

  private static double log(double v) {
    return Math.log10(Math.max(v, 1e-9));
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
