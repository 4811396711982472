package io.kaminari.common.time;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

  /** The hours by runs, first and last inclusive: {@code 2024-05-01T08,2024-05-01T10..2024-05-01T12}; "none" if empty. */
  @Override
  public String toString() {
    return hours.isEmpty() ? "none" : ranges().stream()
        .map(r -> r.size() == 1 ? r.from().toString() : r.from() + ".." + r.to().plus(-1))
        .collect(Collectors.joining(","));
  }
}
