package io.kaminari.tools.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One parsed result line, {@code <PREFIX> <name> key=value ...} (the benchmarks' {@code BENCH} lines; the PyTorch
 * script's {@code PYTORCH} line has no name); values stay text, {@link #number} reads them as numbers.
 */
record BenchLine(String name, Map<String, String> values, String text) {
  /** Parses a {@code BENCH name key=value ...} line. */
  static BenchLine parse(String line) {
    return parse(line, "BENCH");
  }

  /**
   * Parses {@code line} after its {@code prefix}: a name unless the first word holds {@code =}, then key=value
   * pairs; anything else throws {@link IllegalArgumentException} quoting the line.
   */
  static BenchLine parse(String line, String prefix) {
    String[] words = line.strip().split("\\s+");
    if (words.length < 1 || !words[0].equals(prefix)) {
      throw new IllegalArgumentException("not a " + prefix + " line: " + line);
    }
    int first = 1;
    String name = "";
    if (words.length > 1 && !words[1].contains("=")) {
      name = words[1];
      first = 2;
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = first; i < words.length; i++) {
      int eq = words[i].indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("'" + words[i] + "' is not key=value in: " + line);
      values.put(words[i].substring(0, eq), words[i].substring(eq + 1));
    }
    return new BenchLine(name, Collections.unmodifiableMap(values), line.strip());
  }

  /** The value of {@code key} as a number; a missing or non-numeric value throws, naming the key and the line. */
  double number(String key) {
    String v = values.get(key);
    if (v == null) throw new IllegalArgumentException("no " + key + "= in: " + text);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + v + " is not a number in: " + text, e);
    }
  }

  /** Whether the line holds {@code key} (lines of an older jar may lack keys added since). */
  boolean has(String key) {
    return values.containsKey(key);
  }

  /** The value of {@code key} as text, or "?" if absent. */
  String text(String key) {
    return values.getOrDefault(key, "?");
  }
}
