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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One UTC hour, the unit of every {@code dt}/{@code hour} partition: the hour {@code index} hours after the epoch.
 *
 * <p>It is written {@code 2024-05-01T10} on the command line and in {@code kaminari.job_runs}, and
 * {@code dt=2024-05-01/hour=10} as a partition. An hour says nothing of which clock it is on: {@link ArrivalHours}
 * (when records reached Kaminari) and {@link EventHours} (when the flows happened) do.
 *
 * <p>This file is Kaminari's one home of hours: the hour, and nested in it the three collections of hours every job
 * and CLI option takes ({@link HourRange}, {@link ArrivalHours}, {@link EventHours}). They are nested rather than
 * files of their own because a reader following an {@code --hour} from the command line to a partition needs all
 * four together (parse, the clock, the partition filter); callers import them by their simple names.
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
     * A filter on the {@code dt}/{@code hour} partition columns selecting the hours of the range, in SQL text, in a
     * form the metastore prunes partitions with ({@code dt} is {@code yyyy-MM-dd}, so string order is time order): two
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

  /**
   * Hours of <em>arrival</em>: when records reached Kaminari (the Kafka record time, or a landed file's modification
   * time). {@code kaminari.flows_landing} and {@code kaminari.flows_rejected} are partitioned by them, and compaction
   * ({@code kaminari compact --hour H}) works on them; the flows it writes land in {@link EventHours}.
   */
  public record ArrivalHours(HourRange range) {
    public ArrivalHours {
      Objects.requireNonNull(range, "range");
    }

    /** The one arrival hour {@code h}. */
    public static ArrivalHours of(Hour h) {
      return new ArrivalHours(HourRange.of(h));
    }

    /** The arrival hours that cover {@code [from, to)}. */
    public static ArrivalHours covering(Instant from, Instant to) {
      return new ArrivalHours(HourRange.covering(from, to));
    }

    public Instant start() {
      return range.start();
    }

    public Instant end() {
      return range.end();
    }

    public List<Hour> hours() {
      return range.hours();
    }

    public boolean contains(Hour h) {
      return range.contains(h);
    }

    /** The partition filter of these hours on a table partitioned by arrival (see {@link HourRange#where()}). */
    public String where() {
      return range.where();
    }

    @Override
    public String toString() {
      return "arrival hours " + range;
    }
  }

  /**
   * Hours of <em>event</em> time: when the flows happened ({@code timestamp_start}, else the next known time).
   * {@code kaminari.flows}, {@code port_vectors} and {@code anomaly_scores} are partitioned by them; {@code features}
   * and {@code score} work on them.
   *
   * <p>A set, not a range: the compaction of one arrival hour writes to the event hours of the records that arrived in
   * it, which are that hour and the earlier hours of its late records, with gaps between ({@link #ranges()} gives the
   * runs of consecutive hours). Sorted, without duplicates; empty only as what a run wrote (a compaction of an empty
   * landing hour).
   *
   * @param hours ascending, distinct
   */
  public record EventHours(List<Hour> hours) {
    /** No hour. */
    public static final EventHours NONE = new EventHours(List.of());

    public EventHours {
      hours = List.copyOf(new TreeSet<>(hours));
    }

    public static EventHours of(Collection<Hour> hours) {
      return new EventHours(List.copyOf(hours));
    }

    /** The hours of {@code range}. */
    public static EventHours of(HourRange range) {
      return new EventHours(range.hours());
    }

    /** The event hours that cover {@code [from, to)}: {@code from} rounded down to its hour, {@code to} up. */
    public static EventHours covering(Instant from, Instant to) {
      return of(HourRange.covering(from, to));
    }

    /** Parses the CLI's {@code --from 2024-05-01T10 --to 2024-05-01T12}. */
    public static EventHours parse(String from, String to) {
      return of(HourRange.parse(from, to));
    }

    /** Reads what {@link #strings()} wrote (null: none). */
    public static EventHours ofStrings(Collection<String> hours) {
      return hours == null ? NONE : of(hours.stream().map(Hour::parse).toList());
    }

    public boolean isEmpty() {
      return hours.isEmpty();
    }

    public int size() {
      return hours.size();
    }

    public boolean contains(Hour h) {
      return hours.contains(h);
    }

    /** These hours and {@code more}. */
    public EventHours with(Hour... more) {
      return new EventHours(Stream.concat(hours.stream(), Stream.of(more)).toList());
    }

    /** The runs of consecutive hours, in order. */
    public List<HourRange> ranges() {
      List<HourRange> out = new ArrayList<>();
      Hour first = null;
      Hour last = null;
      for (Hour h : hours) {
        if (first != null && h.index() != last.index() + 1) {
          out.add(new HourRange(first, last.plus(1)));
          first = null;
        }
        if (first == null) first = h;
        last = h;
      }
      if (first != null) out.add(new HourRange(first, last.plus(1)));
      return out;
    }

    /** From the first hour to the end of the last (the window a job run over them records); never empty. */
    public HourRange span() {
      if (hours.isEmpty()) throw new IllegalStateException("no event hours");
      return new HourRange(hours.get(0), hours.get(hours.size() - 1).plus(1));
    }

    /** Every hour as {@code 2024-05-01T10} (how {@code kaminari.job_runs} stores them). */
    public List<String> strings() {
      return hours.stream().map(Hour::toString).toList();
    }

    /**
     * A filter on the {@code dt}/{@code hour} partition columns selecting exactly these hours, in SQL text (see
     * {@link HourRange#where()}): one term per date, so a backfill of months stays a small expression.
     */
    public String where() {
      if (hours.isEmpty()) return "false";
      Map<String, List<Integer>> byDate = hours.stream().collect(Collectors.groupingBy(Hour::dt, TreeMap::new,
          Collectors.mapping(Hour::hourOfDay, Collectors.toList())));
      return byDate.entrySet().stream()
          .map(e -> "(" + DT + " = '" + e.getKey() + "' AND " + HOUR + " IN (" + e.getValue().stream()
              .map(String::valueOf).collect(Collectors.joining(", ")) + "))")
          .collect(Collectors.joining(" OR "));
    }

    /**
     * The hours by runs, first and last inclusive: {@code 2024-05-01T08,2024-05-01T10..2024-05-01T12}; "none" if
     * empty.
     */
    @Override
    public String toString() {
      return hours.isEmpty() ? "none" : ranges().stream()
          .map(r -> r.size() == 1 ? r.from().toString() : r.from() + ".." + r.to().plus(-1))
          .collect(Collectors.joining(","));
    }
  }
}
