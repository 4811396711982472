package io.kaminari.features.spark;

import io.kaminari.features.FeatureSpec;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * What {@link FeaturesJob} builds: the vectors of {@code spec} for the windows in {@code [from, to)}.
 *
 * @param spec the vector layout (validated when it was parsed)
 * @param from first window start, inclusive; aligned to the spec's window length
 * @param to end, exclusive; aligned to the window length and after {@code from}
 * @param database the Hive database holding {@code flows}, {@code port_vectors} and {@code feature_specs}
 *     ({@link Warehouse#DATABASE} except for benchmarks, which work on a copy)
 * @param partitions tasks of the aggregation shuffle
 */
public record FeaturesConfig(FeatureSpec spec, Instant from, Instant to, String database, int partitions) {
  private static final DateTimeFormatter TIME_ARG = new DateTimeFormatterBuilder()
      .appendPattern("yyyy-MM-dd'T'HH").optionalStart().appendPattern(":mm").optionalEnd()
      .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0).toFormatter();

  /** Validates the range against the spec's windows. */
  public FeaturesConfig {
    if (spec == null) throw new IllegalArgumentException("a feature spec is required");
    if (from == null || to == null || !from.isBefore(to)) {
      throw new IllegalArgumentException("--from must be before --to, got [" + from + ", " + to + ")");
    }
    long w = spec.windowMicros();
    if (micros(from) % w != 0 || micros(to) % w != 0) {
      throw new IllegalArgumentException("--from and --to must be aligned to the spec's " + spec.windowSeconds()
          + " s windows, got [" + from + ", " + to + ")");
    }
    if (database == null || database.isBlank()) throw new IllegalArgumentException("database is required");
    if (partitions <= 0) throw new IllegalArgumentException("partitions must be > 0");
  }

  /** The job over the configured warehouse, with the configured shuffle width. */
  public static FeaturesConfig of(KaminariConfig config, FeatureSpec spec, Instant from, Instant to) {
    return new FeaturesConfig(spec, from, to, Warehouse.DATABASE, config.get(Settings.SHUFFLE_PARTITIONS));
  }

  /** Parses {@code 2024-05-01T10} or {@code 2024-05-01T10:05} (UTC), with a clear error otherwise. */
  public static Instant parseTime(String s) {
    try {
      return LocalDateTime.parse(s, TIME_ARG).toInstant(ZoneOffset.UTC);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + s + "' is not a time of the form 2024-05-01T10 or 2024-05-01T10:05 (UTC)");
    }
  }

  public String flowsTable() {
    return Warehouse.inDatabase(Warehouse.FLOWS, database);
  }

  public String vectorsTable() {
    return Warehouse.inDatabase(Warehouse.PORT_VECTORS, database);
  }

  public String specsTable() {
    return Warehouse.inDatabase(Warehouse.FEATURE_SPECS, database);
  }

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }
}
