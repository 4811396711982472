package io.kaminari.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the short durations the CLI takes: {@code 90s}, {@code 5m}, {@code 24h}, {@code 2d}. */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d+)([smhd])");

  private Durations() {}

  /** The duration, or IllegalArgumentException naming the accepted forms. */
  public static Duration parse(String s) {
    Matcher m = FORM.matcher(s == null ? "" : s.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException("'" + s + "' is not a positive duration like 90s, 5m, 24h or 2d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** As {@link #parse}, but also {@code 0} (with or without a unit): for settings where zero turns something off. */
  public static Duration parseOrZero(String s) {
    return s != null && s.trim().matches("0[smhd]?") ? Duration.ZERO : parse(s);
  }

  /** {@code d} in the form {@link #parse} reads, in its largest whole unit ({@code 1h}, {@code 90s}, {@code 2d}). */
  public static String text(Duration d) {
    long s = d.getSeconds();
    if (s % 86_400 == 0) return s / 86_400 + "d";
    if (s % 3_600 == 0) return s / 3_600 + "h";
    if (s % 60 == 0) return s / 60 + "m";
    return s + "s";
  }
}
