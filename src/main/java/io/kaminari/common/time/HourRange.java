package io.kaminari.common.time;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The whole UTC hours {@code [from, to)}, never empty.
 *
 * <p>{@link #where()} is the range as a filter on the {@code dt}/{@code hour} partition columns, in SQL text:
 * {@code spark.table(t).where(range.where())} (or {@code functions.expr(range.where())}) parses into the same
 * comparisons a {@code Column} would, so the metastore prunes partitions with it, and {@code common} stays free of
 * Spark.
 */
public record HourRange(Hour from, Hour to) {
  public HourRange {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (from.compareTo(to) >= 0) {
      throw new IllegalArgumentException("--from must be before --to, got [" + from + ", " + to + ")");
    }
  }

  /** The one hour {@code h}. */
  public static HourRange of(Hour h) {
    return new HourRange(h, h.plus(1));
  }

  /** Parses the CLI's {@code --from 2024-05-01T10 --to 2024-05-01T12}. */
  public static HourRange parse(String from, String to) {
    return new HourRange(Hour.parse(from), Hour.parse(to));
  }

  /** The whole hours that cover {@code [from, to)}: {@code from} rounded down, {@code to} up. */
  public static HourRange covering(Instant from, Instant to) {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("--from must be before --to, got [" + from + ", " + to + ")");
    }
    return new HourRange(Hour.of(from), Hour.of(to.minusNanos(1)).plus(1));
  }

  public Instant start() {
    return from.start();
  }

  public Instant end() {
    return to.start();
  }

  /** How many hours. */
  public long size() {
    return to.index() - from.index();
  }

  public boolean contains(Hour h) {
    return h.compareTo(from) >= 0 && h.compareTo(to) < 0;
  }

  /** Every hour of the range, in order. */
  public List<Hour> hours() {
    List<Hour> out = new ArrayList<>(Math.toIntExact(size()));
    for (long i = from.index(); i < to.index(); i++) out.add(new Hour(i));
    return out;
  }

  /**
   * A filter on the {@code dt}/{@code hour} partition columns selecting the hours of the range, in SQL text, in a form
   * the metastore prunes partitions with ({@code dt} is {@code yyyy-MM-dd}, so string order is time order): two
   * comparisons, however wide the range.
   */
  public String where() {
    Hour last = to.plus(-1);
    return "(" + DT + " > '" + from.dt() + "' OR (" + DT + " = '" + from.dt() + "' AND " + HOUR + " >= "
        + from.hourOfDay() + ")) AND (" + DT + " < '" + last.dt() + "' OR (" + DT + " = '" + last.dt() + "' AND "
        + HOUR + " <= " + last.hourOfDay() + "))";
  }

  /** {@code [2024-05-01T10, 2024-05-01T12)}. */
  @Override
  public String toString() {
    return "[" + from + ", " + to + ")";
  }
}
