package io.kaminari.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One partition of a Kaminari table as {@code SHOW PARTITIONS} lists it ({@code dt=2024-05-01/hour=3/model_name=x}),
 * and the time it covers: a {@code dt}/{@code hour} partition an hour, a {@code dt}-only partition a day.
 *
 * @param text the listed spec
 * @param values its columns and values, in order
 */
public record PartitionSpec(String text, Map<String, String> values) {
  public static final String DT = "dt";
  public static final String HOUR = "hour";

  /** Parses a listed spec; fails clearly on one without {@code dt} or with a value a statement could not quote. */
  public static PartitionSpec parse(String text) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String part : text.split("/")) {
      int eq = part.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("not a partition spec: '" + text + "'");
      String value = part.substring(eq + 1);
      // Kaminari's partition values are dates, hours, model names, versions and hex ids; a quote or an escaped
      // character (%xx) would need unescaping and quoting this class does not do, so such a partition is refused.
      if (!value.matches("[A-Za-z0-9_.:-]+")) {
        throw new IllegalArgumentException("partition '" + text + "' has a value this tool does not quote: " + value);
      }
      values.put(part.substring(0, eq), value);
    }
    if (!values.containsKey(DT)) throw new IllegalArgumentException("partition '" + text + "' has no dt");
    return new PartitionSpec(text, Collections.unmodifiableMap(values));
  }

  /** The end of the time the partition covers (exclusive). */
  public Instant end() {
    Instant day;
    try {
      day = LocalDate.parse(values.get(DT)).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("partition '" + text + "' has a dt that is not a date", e);
    }
    String hour = values.get(HOUR);
    return hour == null ? day.plus(Duration.ofDays(1)) : day.plus(Duration.ofHours(Integer.parseInt(hour) + 1));
  }

  /** The spec as {@code ALTER TABLE ... DROP PARTITION (...)} takes it: {@code dt='2024-05-01', hour='3'}. */
  public String sql() {
    return values.entrySet().stream().map(e -> e.getKey() + "='" + e.getValue() + "'")
        .collect(Collectors.joining(", "));
  }
}
