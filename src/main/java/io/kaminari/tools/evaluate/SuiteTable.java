package io.kaminari.tools.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The results of {@code kaminari evaluate-suite}: one row per dataset and detector (the production verdict, the
 * autoencoder and the AR forecaster on their own, the baseline) read from each run's {@code metrics.json}, as a
 * Markdown table, as JSON, and summed up in the {@code EVAL suite ...} line. Pure: no I/O.
 *
 * <p>A dataset whose run failed keeps its place in the table with the reason, and counts as missing every goal: it
 * does not beat the baseline, and the summary's {@code event_recall_min} is then 0 (nothing detected is proven), so a
 * failed run can never make the line look better than a finished one.
 */
public final class SuiteTable {

  /** The detector blocks of {@code metrics.json}, in the table's order, with their display names. */
  public static final Map<String, String> DETECTORS = detectors();

  /** The markers {@link #replaceSection} writes between. */
  public static final String BEGIN = "<!-- evaluate-suite:begin -->";
  public static final String END = "<!-- evaluate-suite:end -->";

  private static Map<String, String> detectors() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("production", "production");
    m.put("autoencoder", "autoencoder");
    m.put("ar", "AR");
    m.put("baseline", "baseline");
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * One detector on one dataset; {@code meanDelayWindows} and {@code rocAuc} are NaN when undefined (nothing detected,
   * or one class of windows empty).
   */
  public record Row(String detector, double precision, double recall, double f1, int eventsDetected, int events,
      double meanDelayWindows, double falseAlarmsPerDay, double rocAuc) {
    public double eventRecall() {
      return events == 0 ? 1.0 : (double) eventsDetected / events;
    }
  }

  /**
   * One dataset (at one scope): its rows by detector key (a detector the run did not produce, such as an AR forecaster
   * the version lacks, is absent), or the reason its run failed (then no rows).
   */
  public record Entry(String dataset, Map<String, Row> rows, String failure, String budget) {
    public Entry {
      Objects.requireNonNull(dataset, "dataset");
      rows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows));
      if (failure == null && !rows.containsKey("production")) {
        throw new IllegalArgumentException(dataset + ": no production verdict and no failure");
      }
    }

    /** A dataset whose run failed, with why. */
    public static Entry failed(String dataset, String why) {
      return new Entry(dataset, Map.of(), why, null);
    }

    public boolean ok() {
      return failure == null;
    }

    /** Production F1 at least the baseline's (false for a failed run). */
    public boolean beatsBaseline() {
      return ok() && rows.containsKey("baseline") && rows.get("production").f1() >= rows.get("baseline").f1();
    }
  }

  /** Reads the detector blocks of one run's {@code metrics.json}. */
  public static Entry fromMetrics(String dataset, JsonNode metrics) {
    Map<String, Row> rows = new LinkedHashMap<>();
    for (String key : DETECTORS.keySet()) {
      JsonNode b = metrics.path(key);
      if (!b.has("f1")) continue; // e.g. "ar" with only a note: no forecaster in this version
      rows.put(key, new Row(key, b.path("precision").asDouble(), b.path("recall").asDouble(), b.path("f1").asDouble(),
          b.path("events_detected").asInt(), b.path("events").asInt(), number(b.path("mean_detection_delay_windows")),
          b.path("false_alarms_per_day").asDouble(), number(b.path("roc_auc"))));
    }
    if (!rows.containsKey("production")) {
      throw new IllegalArgumentException(dataset + ": metrics.json has no production block with metrics");
    }
    JsonNode budget = metrics.path("production").path("budget");
    return new Entry(dataset, rows, null, budget.isMissingNode() || budget.isNull() ? null : budget.asText());
  }

  private static double number(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  /** The summary over the production verdict. */
  public record Summary(int datasets, int beatsBaseline, double eventRecallMin, double falseAlarmsPerDayMax,
      int failed) {
    /** {@code EVAL suite datasets=N beats_baseline=M event_recall_min=X false_alarms_per_day_max=Y}. */
    public String line() {
      return String.format(Locale.ROOT, "EVAL suite datasets=%d beats_baseline=%d event_recall_min=%.3f"
          + " false_alarms_per_day_max=%.2f", datasets, beatsBaseline, eventRecallMin, falseAlarmsPerDayMax);
    }
  }

  /**
   * Sums up {@code entries}: a failed one counts with event recall 0 and an unknown (infinite) false-alarm rate, so
   * the line cannot hide it.
   */
  public static Summary summary(List<Entry> entries) {
    if (entries.isEmpty()) throw new IllegalArgumentException("no datasets");
    double recallMin = Double.POSITIVE_INFINITY;
    double faMax = 0;
    int beats = 0;
    int failed = 0;
    for (Entry e : entries) {
      if (!e.ok()) {
        failed++;
        recallMin = 0;
        faMax = Double.POSITIVE_INFINITY;
        continue;
      }
      Row p = e.rows().get("production");
      recallMin = Math.min(recallMin, p.eventRecall());
      faMax = Math.max(faMax, p.falseAlarmsPerDay());
      if (e.beatsBaseline()) beats++;
    }
    return new Summary(entries.size(), beats, recallMin, faMax, failed);
  }

  /** The Markdown table: a header, then per dataset one row per detector, a failed dataset on one row with why. */
  public static String markdown(List<Entry> entries) {
    StringBuilder s = new StringBuilder();
    s.append("| dataset | detector | precision | recall | F1 | events detected | mean delay (windows) |")
        .append(" false alarms/day | ROC AUC |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Entry e : entries) {
      if (!e.ok()) {
        s.append("| ").append(e.dataset()).append(" | **failed**: ").append(cell(e.failure()))
            .append(" | | | | | | | |\n");
        continue;
      }
      for (Map.Entry<String, String> d : DETECTORS.entrySet()) {
        Row r = e.rows().get(d.getKey());
        if (r == null) continue;
        String name = d.getKey().equals("production") ? "**" + d.getValue() + "**" : d.getValue();
        s.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %d/%d | %s | %.2f | %s |%n",
            e.dataset(), name, r.precision(), r.recall(), r.f1(), r.eventsDetected(), r.events(),
            Double.isNaN(r.meanDelayWindows()) ? "-" : String.format(Locale.ROOT, "%.2f", r.meanDelayWindows()),
            r.falseAlarmsPerDay(), Double.isNaN(r.rocAuc()) ? "-" : String.format(Locale.ROOT, "%.3f", r.rocAuc())));
      }
    }
    return s.toString();
  }

  private static String cell(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }

  /** The table as a JSON-ready map: the summary, and per dataset its rows or its failure. */
  public static Map<String, Object> json(List<Entry> entries) {
    Summary sum = summary(entries);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("datasets", sum.datasets());
    m.put("failed", sum.failed());
    m.put("beats_baseline", sum.beatsBaseline());
    m.put("event_recall_min", finite(sum.eventRecallMin()));
    m.put("false_alarms_per_day_max", finite(sum.falseAlarmsPerDayMax()));
    List<Object> list = new ArrayList<>();
    for (Entry e : entries) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("dataset", e.dataset());
      if (!e.ok()) {
        d.put("failure", e.failure());
        list.add(d);
        continue;
      }
      d.put("budget", e.budget());
      d.put("beats_baseline", e.beatsBaseline());
      Map<String, Object> rows = new LinkedHashMap<>();
      for (Row r : e.rows().values()) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("precision", r.precision());
        x.put("recall", r.recall());
        x.put("f1", r.f1());
        x.put("events_detected", r.eventsDetected());
        x.put("events", r.events());
        x.put("event_recall", r.eventRecall());
        x.put("mean_detection_delay_windows", finite(r.meanDelayWindows()));
        x.put("false_alarms_per_day", r.falseAlarmsPerDay());
        x.put("roc_auc", finite(r.rocAuc()));
        rows.put(r.detector(), x);
      }
      d.put("detectors", rows);
      list.add(d);
    }
    m.put("results", list);
    return m;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /**
   * {@code doc} with the lines between the {@link #BEGIN} line and the {@link #END} line replaced by {@code section}
   * (marker lines kept); throws naming the file when the marker lines are missing, repeated or out of order. A marker
   * quoted inside a line of text (as docs/evaluation.md does, explaining {@code --doc}) is not a marker line.
   */
  public static String replaceSection(String doc, String section, String file) {
    int b = markerLine(doc, BEGIN);
    int e = markerLine(doc, END);
    if (b < 0 || e < 0 || e < b) {
      throw new IllegalArgumentException(file + " must hold exactly one " + BEGIN + " line followed by one " + END
          + " line; the table goes between them");
    }
    String body = section.endsWith("\n") ? section : section + "\n";
    return doc.substring(0, b + BEGIN.length()) + "\n" + body + doc.substring(e);
  }

  /** The offset of the one line of {@code doc} that is exactly {@code marker}; -1 if there is none or more than one. */
  private static int markerLine(String doc, String marker) {
    int found = -1;
    for (int at = doc.indexOf(marker); at >= 0; at = doc.indexOf(marker, at + 1)) {
      boolean lineStart = at == 0 || doc.charAt(at - 1) == '\n';
      int end = at + marker.length();
      boolean lineEnd = end == doc.length() || doc.charAt(end) == '\n';
      if (lineStart && lineEnd) {
        if (found >= 0) return -1;
        found = at;
      }
    }
    return found;
  }
}
