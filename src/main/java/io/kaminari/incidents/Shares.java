package io.kaminari.incidents;

import java.util.Locale;

/** Entries of the top lists as the tables write them: a key and its share, {@code 198.51.100.7 (12%)}. */
public final class Shares {
  private Shares() {}

  /** {@code key (p%)}, p = part / total rounded to a whole percent (0 when total is 0). */
  public static String text(String key, double part, double total) {
    long percent = total <= 0 ? 0 : Math.round(100 * part / total);
    return String.format(Locale.ROOT, "%s (%d%%)", key, percent);
  }

  /** The key of an entry: the text before " (", or the whole text. */
  public static String key(String entry) {
    int i = entry.indexOf(" (");
    return i < 0 ? entry : entry.substring(0, i);
  }

  /** The share of an entry as a fraction (0.12 for {@code (12%)}, {@code (>=12%)} too); 0 when it has none. */
  public static double share(String entry) {
    int open = entry.indexOf(" (");
    int pct = entry.indexOf("%)", open + 1);
    if (open < 0 || pct < 0) return 0;
    String n = entry.substring(open + 2, pct).replace(">=", "");
    try {
      return Double.parseDouble(n) / 100;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
