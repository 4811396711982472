package io.kaminari.analyst;

import java.util.List;
import java.util.Locale;

/**
 * Server-side SVG charts for the report: plain markup with fixed sizes, no script and no external resource, so the
 * report renders the same in any browser, offline, attached to a ticket.
 */
final class SvgChart {
  static final int WIDTH = 1000;
  private static final int LEFT = 80;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 50;

  private SvgChart() {}

  /** A point of a time series; {@code marked} points get a red circle (anomalies). */
  record Point(String label, double value, boolean marked) {}

  /** Vertical bars, one per label, with the y axis from 0 to the maximum. */
  static String bars(String id, String title, List<String> labels, double[] values, String unit) {
    int height = 300;
    double max = max(values);
    StringBuilder s = open(id, title, height);
    axes(s, height, max, unit);
    double plotW = WIDTH - LEFT - RIGHT;
    double bw = plotW / Math.max(1, values.length);
    for (int i = 0; i < values.length; i++) {
      double h = scale(values[i], max, height);
      double x = LEFT + i * bw;
      s.append(String.format(Locale.ROOT,
          "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#3b6ea8\">"
              + "<title>%s: %s %s</title></rect>%n",
          x + bw * 0.1, height - BOTTOM - h, bw * 0.8, h, esc(labels.get(i)), fmt(values[i]), esc(unit)));
    }
    xLabels(s, labels, height, bw, 0.5);
    return s.append("</svg>\n").toString();
  }

  /** A line of {@code points} with a dashed {@code threshold} line and the marked points circled. */
  static String series(String id, String title, List<Point> points, double threshold, String unit) {
    int height = 320;
    double[] values = points.stream().mapToDouble(Point::value).toArray();
    double max = Math.max(max(values), threshold * 1.2);
    StringBuilder s = open(id, title, height);
    axes(s, height, max, unit);
    double plotW = WIDTH - LEFT - RIGHT;
    double step = plotW / Math.max(1, points.size() - 1);
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < points.size(); i++) {
      line.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + i * step,
          height - BOTTOM - scale(values[i], max, height)));
    }
    s.append("<polyline class=\"score\" fill=\"none\" stroke=\"#3b6ea8\" stroke-width=\"1.5\" points=\"")
        .append(line.toString().strip()).append("\"/>\n");
    double ty = height - BOTTOM - scale(threshold, max, height);
    s.append(String.format(Locale.ROOT, "<line class=\"threshold\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
        + "stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>%n", LEFT, ty, WIDTH - RIGHT, ty));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#c0392b\" "
        + "text-anchor=\"end\">threshold %s</text>%n", WIDTH - RIGHT, ty - 4, fmt(threshold)));
    for (int i = 0; i < points.size(); i++) {
      Point p = points.get(i);
      if (!p.marked()) continue;
      s.append(String.format(Locale.ROOT, "<circle class=\"anomaly\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
          + "fill=\"#c0392b\"><title>%s: %s</title></circle>%n", LEFT + i * step,
          height - BOTTOM - scale(p.value(), max, height), esc(p.label()), fmt(p.value())));
    }
    xLabels(s, points.stream().map(Point::label).toList(), height, step, 0);
    return s.append("</svg>\n").toString();
  }

  /** Horizontal bars, label on the left, for top-N lists. */
  static String hbars(String id, String title, List<String> labels, double[] values, String unit) {
    int row = 22;
    int height = TOP + row * values.length + 20;
    double max = max(values);
    int labelW = 200;
    StringBuilder s = open(id, title, height);
    for (int i = 0; i < values.length; i++) {
      double w = max == 0 ? 0 : (WIDTH - labelW - 140) * values[i] / max;
      int y = TOP + i * row;
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>"
          + "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#3b6ea8\"/>"
          + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s %s</text>%n", labelW - 6, y + 14, esc(labels.get(i)),
          labelW, y + 2, w, row - 6, labelW + w + 6, y + 14, fmt(values[i]), esc(unit)));
    }
    return s.append("</svg>\n").toString();
  }

  private static StringBuilder open(String id, String title, int height) {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg id=\"%s\" width=\"%d\" "
        + "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" role=\"img\">%n", esc(id), WIDTH, height,
        WIDTH, height));
    s.append("<title>").append(esc(title)).append("</title>\n");
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
        LEFT, esc(title)));
    return s;
  }

  private static void axes(StringBuilder s, int height, double max, String unit) {
    int y0 = height - BOTTOM;
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", LEFT, y0,
        WIDTH - RIGHT, y0));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", LEFT, TOP,
        LEFT, y0));
    for (int k = 0; k <= 4; k++) {
      double v = max * k / 4;
      double y = y0 - scale(v, max, height);
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
          + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n", LEFT, y, WIDTH - RIGHT, y,
          LEFT - 6, y + 4, fmt(v)));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 14 %d)\" "
        + "text-anchor=\"middle\">%s</text>%n", (TOP + y0) / 2, (TOP + y0) / 2, esc(unit)));
  }

  /** About 12 evenly spaced x labels, so they never overlap. */
  private static void xLabels(StringBuilder s, List<String> labels, int height, double step, double offset) {
    int every = Math.max(1, (int) Math.ceil(labels.size() / 12.0));
    for (int i = 0; i < labels.size(); i += every) {
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s"
          + "</text>%n", LEFT + (i + offset) * step, height - BOTTOM + 18, esc(labels.get(i))));
    }
  }

  private static double scale(double v, double max, int height) {
    return max <= 0 ? 0 : (height - TOP - BOTTOM) * v / max;
  }

  private static double max(double[] values) {
    double m = 0;
    for (double v : values) m = Math.max(m, v);
    return m;
  }

  static String fmt(double v) {
    if (v != 0 && Math.abs(v) < 10) return String.format(Locale.ROOT, "%.2f", v);
    if (Math.abs(v) >= 1e6) return String.format(Locale.ROOT, "%.1fM", v / 1e6);
    if (Math.abs(v) >= 1e4) return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    return String.format(Locale.ROOT, "%.0f", v);
  }

  /** Escapes text for HTML and SVG content and attributes. */
  static String esc(String s) {
    if (s == null) return "";
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
