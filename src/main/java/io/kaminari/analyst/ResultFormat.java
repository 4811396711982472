package io.kaminari.analyst;

import static org.apache.spark.sql.functions.col;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Prints the first rows of a query result as an aligned text table, CSV (RFC 4180, with a header) or JSON lines.
 *
 * <p>Table and CSV cells are Spark's own {@code CAST(... AS STRING)} of each value (timestamps in the session time
 * zone, which Kaminari sets to UTC; arrays as {@code [a, b]}), so the CLI shows what {@code spark-sql} would; JSON keeps
 * the types ({@code Dataset.toJSON}).
 */
public enum ResultFormat {
  TABLE, CSV, JSON;

  /** Parses {@code table}, {@code csv} or {@code json}, case-insensitively. */
  public static ResultFormat parse(String s) {
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown --format '" + s + "': use table, csv or json", e);
    }
  }

  /**
   * Prints up to {@code maxRows} rows of {@code df}; returns how many rows it read, which is {@code maxRows + 1} when
   * the result had more than it printed.
   */
  public long print(Dataset<Row> df, long maxRows, PrintStream out) {
    String[] names = df.columns();
    int fetch = (int) Math.min(Integer.MAX_VALUE - 1, maxRows) + 1;
    if (this == JSON) {
      List<String> lines = df.toJSON().limit(fetch).collectAsList();
      lines.stream().limit(maxRows).forEach(out::println);
      return lines.size();
    }
    Column[] asText = new Column[names.length];
    for (int i = 0; i < names.length; i++) asText[i] = col("`" + names[i].replace("`", "``") + "`").cast("string");
    List<Row> rows = df.select(asText).limit(fetch).collectAsList();
    List<String[]> cells = new ArrayList<>(rows.size());
    for (Row r : rows.subList(0, (int) Math.min(rows.size(), maxRows))) {
      String[] line = new String[names.length];
      for (int i = 0; i < names.length; i++) line[i] = r.isNullAt(i) ? (this == CSV ? "" : "NULL") : r.getString(i);
      cells.add(line);
    }
    if (this == CSV) {
      out.println(csvLine(names));
      cells.forEach(c -> out.println(csvLine(c)));
    } else {
      printTable(names, cells, out);
    }
    return rows.size();
  }

  private static void printTable(String[] names, List<String[]> cells, PrintStream out) {
    int[] width = new int[names.length];
    for (int i = 0; i < names.length; i++) width[i] = names[i].length();
    for (String[] c : cells) {
      for (int i = 0; i < c.length; i++) width[i] = Math.max(width[i], c[i].length());
    }
    StringBuilder sep = new StringBuilder();
    for (int w : width) sep.append(sep.length() == 0 ? "" : "-+-").append("-".repeat(w));
    out.println(row(names, width));
    out.println(sep);
    cells.forEach(c -> out.println(row(c, width)));
  }

  private static String row(String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) b.append(" | ");
      // Pad every column but the last, so lines carry no trailing blanks.
      b.append(i == cells.length - 1 ? cells[i] : String.format("%-" + Math.max(1, width[i]) + "s", cells[i]));
    }
    return b.toString();
  }

  static String csvLine(String[] cells) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) b.append(',');
      String c = cells[i];
      if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
        b.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
