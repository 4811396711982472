package io.kaminari.common.time;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

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
