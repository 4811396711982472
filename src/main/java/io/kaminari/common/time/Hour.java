package io.kaminari.common.time;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * One UTC hour, the unit of every {@code dt}/{@code hour} partition: the hour {@code index} hours after the epoch.
 *
 * <p>It is written {@code 2024-05-01T10} on the command line and in {@code kaminari.job_runs}, and
 * {@code dt=2024-05-01/hour=10} as a partition. An hour says nothing of which clock it is on: {@link ArrivalHours}
 * (when records reached Kaminari) and {@link EventHours} (when the flows happened) do.
 *
 * @param index hours since 1970-01-01T00 UTC (negative before)
 */
public record Hour(long index) implements Comparable<Hour> {
  private static final DateTimeFormatter HOUR_ARG = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");
  private static final DateTimeFormatter TIME_ARG = new DateTimeFormatterBuilder()
      .appendPattern("yyyy-MM-dd'T'HH").optionalStart().appendPattern(":mm").optionalEnd()
      .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0).toFormatter();

  /** Parses {@code 2024-05-01T10} (UTC), the CLI's hour argument, with a clear error otherwise. */
  public static Hour parse(String s) {
    try {
      return of(LocalDateTime.parse(s, HOUR_ARG).toInstant(ZoneOffset.UTC));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + s + "' is not an hour of the form 2024-05-01T10 (UTC)");
    }
  }

  /**
   * Parses {@code 2024-05-01T10} or {@code 2024-05-01T10:05} (UTC) into an instant: the time arguments of the commands
   * that take window bounds finer than an hour.
   */
  public static Instant parseTime(String s) {
    try {
      return LocalDateTime.parse(s, TIME_ARG).toInstant(ZoneOffset.UTC);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "'" + s + "' is not a time of the form 2024-05-01T10 or 2024-05-01T10:05 (UTC)");
    }
  }

  /** The hour holding {@code t}. */
  public static Hour of(Instant t) {
    return new Hour(Math.floorDiv(t.getEpochSecond(), 3600L));
  }

  /** The hour holding the instant {@code micros} microseconds after the epoch. */
  public static Hour ofMicros(long micros) {
    return new Hour(Math.floorDiv(micros, Micros.PER_HOUR));
  }

  /** The hour of partition values {@code dt} ({@code 2024-05-01}) and {@code hour} (0..23). */
  public static Hour of(String dt, int hourOfDay) {
    if (hourOfDay < 0 || hourOfDay > 23) {
      throw new IllegalArgumentException("hour of day must be 0..23, got " + hourOfDay + " (dt " + dt + ")");
    }
    return new Hour(LocalDate.parse(dt).toEpochDay() * 24 + hourOfDay);
  }

  /**
   * The hour of a partition spec as {@code SHOW PARTITIONS} prints it, {@code dt=2024-05-01/hour=10}; other partition
   * columns ({@code .../spec_id=...}) are ignored.
   */
  public static Hour ofPartition(String spec) {
    String dt = null;
    String hour = null;
    for (String part : spec.split("/")) {
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      if (key.equals(DT)) dt = part.substring(eq + 1);
      else if (key.equals(HOUR)) hour = part.substring(eq + 1);
    }
    if (dt == null || hour == null) {
      throw new IllegalArgumentException("'" + spec + "' is not a partition spec with " + DT + " and " + HOUR);
    }
    return of(dt, Integer.parseInt(hour));
  }

  public Instant start() {
    return Instant.ofEpochSecond(index * 3600L);
  }

  /** The start of the next hour (exclusive end of this one). */
  public Instant end() {
    return start().plusSeconds(3600L);
  }

  /** The {@code dt} partition value: the UTC date, {@code 2024-05-01}. */
  public String dt() {
    return LocalDate.ofEpochDay(Math.floorDiv(index, 24)).toString();
  }

  /** The {@code hour} partition value: the hour of the UTC day, 0..23. */
  public int hourOfDay() {
    return (int) Math.floorMod(index, 24);
  }

  public Hour plus(long hours) {
    return new Hour(Math.addExact(index, hours));
  }

  /** {@code dt=2024-05-01/hour=10}, as {@code SHOW PARTITIONS} prints it. */
  public String partitionSpec() {
    return DT + "=" + dt() + "/" + HOUR + "=" + hourOfDay();
  }

  /** {@code dt='2024-05-01', hour=10}: the values of a {@code PARTITION (...)} clause of this hour. */
  public String partitionValues() {
    return DT + "='" + dt() + "', " + HOUR + "=" + hourOfDay();
  }

  @Override
  public int compareTo(Hour o) {
    return Long.compare(index, o.index);
  }

  /** {@code 2024-05-01T10}: the form {@link #parse} reads. */
  @Override
  public String toString() {
    return dt() + "T" + (hourOfDay() < 10 ? "0" : "") + hourOfDay();
  }
}
