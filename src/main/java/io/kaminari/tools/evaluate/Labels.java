package io.kaminari.tools.evaluate;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a labels CSV (a header naming at least {@code window_start} and {@code attack_flows}; other columns such as
 * {@code attack_kind} and {@code victim} are ignored) into attack flows per evaluation window.
 *
 * <p>Several rows of one window (one per attack, as {@code kaminari generate --labels} writes) are summed. A label's
 * window is mapped to the evaluation window holding its start ({@code floor(window_start / window)}), so 1-minute labels
 * aggregate into 5-minute windows.
 */
public final class Labels {
  private Labels() {}

  /** Attack flows per evaluation window start (only windows with a row; a value of 0 is kept). */
  public static TreeMap<Instant, Long> read(Path csv, Duration window) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      return parse(in.lines().toList(), window, csv.toString());
    }
  }

  static TreeMap<Instant, Long> parse(List<String> lines, Duration window, String name) {
    if (lines.isEmpty()) throw new IllegalArgumentException("labels " + name + " is empty: a header is required");
    List<String> header = split(stripBom(lines.get(0)));
    int ws = header.indexOf("window_start");
    int af = header.indexOf("attack_flows");
    if (ws < 0 || af < 0) {
      throw new IllegalArgumentException("labels " + name + " must have the columns window_start and attack_flows,"
          + " its header is " + header);
    }
    long size = window.getSeconds();
    TreeMap<Instant, Long> out = new TreeMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) continue;
      List<String> f = split(line);
      if (f.size() <= Math.max(ws, af)) {
        throw new IllegalArgumentException("labels " + name + " line " + (i + 1) + " has " + f.size() + " fields: "
            + line);
      }
      Instant t;
      long flows;
      try {
        t = Instant.parse(f.get(ws).trim());
        flows = Long.parseLong(f.get(af).trim());
      } catch (DateTimeParseException | NumberFormatException e) {
        throw new IllegalArgumentException("labels " + name + " line " + (i + 1) + ": window_start must be ISO-8601"
            + " UTC and attack_flows an integer: " + line);
      }
      Instant w = Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), size) * size);
      out.merge(w, flows, Long::sum);
    }
    return out;
  }

  /** The windows of {@code [from, to)} whose attack flows are > 0. */
  public static java.util.TreeSet<Instant> attackWindows(Map<Instant, Long> labels, Instant from, Instant to) {
    java.util.TreeSet<Instant> out = new java.util.TreeSet<>();
    labels.forEach((w, n) -> {
      if (n > 0 && !w.isBefore(from) && w.isBefore(to)) out.add(w);
    });
    return out;
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  /** Splits one CSV line (double-quoted fields may hold commas and doubled quotes). */
  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString().trim());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString().trim());
    return out;
  }
}
