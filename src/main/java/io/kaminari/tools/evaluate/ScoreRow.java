package io.kaminari.tools.evaluate;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** One row of {@code scores.csv} / {@code baseline_scores.csv}: one window and scope key of one detector. */
public record ScoreRow(Instant windowStart, String scope, String scopeKey, double score, double threshold,
    boolean isAnomaly, String modelVersion, String explanation) {

  /** The fixed header of both score files. */
  public static final String HEADER = "window_start,scope,scope_key,score,threshold,is_anomaly,model_version,explanation";

  public String csv() {
    return windowStart + "," + quote(scope) + "," + quote(scopeKey) + "," + number(score) + "," + number(threshold)
        + "," + isAnomaly + "," + quote(modelVersion) + "," + quote(explanation);
  }

  static String number(double d) {
    return String.format(Locale.ROOT, "%.6g", d);
  }

  /** RFC 4180: quoted when it holds a comma, quote or line break. */
  static String quote(String s) {
    if (s == null) return "";
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  public static void write(Path file, List<ScoreRow> rows) throws IOException {
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(HEADER);
      out.write('\n');
      for (ScoreRow r : rows) {
        out.write(r.csv());
        out.write('\n');
      }
    }
  }
}
