package io.kaminari.tools.bench;

import java.util.Locale;

/** How {@link BenchReport} writes its figures: counts with thousands separators, seconds, ratios, percentages. */
final class BenchFormat {
  private BenchFormat() {}

  static String perCore(double rate) {
    return count(rate) + " flows/s per core";
  }

  static String count(double x) {
    return String.format(Locale.ROOT, "%,.0f", x);
  }

  /** {@code 1 core}, {@code 19 cores}. */
  static String counted(double x, String unit) {
    String n = count(x);
    return n + " " + unit + (n.equals("1") ? "" : "s");
  }

  static String num(double x, int decimals) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", x);
  }

  static String ratio(double x) {
    return num(x, 2);
  }

  static String seconds(double x) {
    return num(x, x < 10 ? 3 : 1) + " s";
  }

  static String ms(double x) {
    return num(x, 1) + " ms";
  }

  static String pct(double x) {
    return num(100 * x, x < 0.01 ? 2 : 0) + "%";
  }
}
