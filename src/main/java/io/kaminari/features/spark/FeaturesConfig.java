package io.kaminari.features.spark;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;

/**
 * What {@link FeaturesJob} builds: the vectors of {@code spec} for every window of the event hours {@code hours}.
 *
 * @param spec the vector layout (validated when it was parsed)
 * @param hours the event hours whose vectors are (re)built: the unit of replacement is the hour
 * @param database the Hive database holding {@code flows}, {@code port_vectors} and {@code feature_specs}
 *     (warehouse.database except for benchmarks, which work on a copy)
 * @param partitions tasks of the aggregation shuffle
 */
public record FeaturesConfig(FeatureSpec spec, EventHours hours, String database, int partitions) {
  public FeaturesConfig {
    if (spec == null) throw new IllegalArgumentException("a feature spec is required");
    if (hours == null || hours.isEmpty()) throw new IllegalArgumentException("no event hours to build");
    if (database == null || database.isBlank()) throw new IllegalArgumentException("database is required");
    if (partitions <= 0) throw new IllegalArgumentException("partitions must be > 0");
  }

  /** The job over the configured warehouse, with the configured shuffle width. */
  public static FeaturesConfig of(KaminariConfig config, FeatureSpec spec, EventHours hours) {
    return new FeaturesConfig(spec, hours, config.get(Settings.DATABASE), config.get(Settings.SHUFFLE_PARTITIONS));
  }

  /**
   * The job over the windows {@code [from, to)}, which must be aligned to the spec's windows: it rebuilds the whole
   * event hours that hold them.
   */
  public static FeaturesConfig of(KaminariConfig config, FeatureSpec spec, Instant from, Instant to) {
    return of(config, spec, hoursOf(spec, from, to));
  }

  /** The event hours holding the windows {@code [from, to)}, once these are checked against the spec's windows. */
  public static EventHours hoursOf(FeatureSpec spec, Instant from, Instant to) {
    if (from == null || to == null || !from.isBefore(to)) {
      throw new IllegalArgumentException("--from must be before --to, got [" + from + ", " + to + ")");
    }
    long w = spec.windowMicros();
    if (Micros.of(from) % w != 0 || Micros.of(to) % w != 0) {
      throw new IllegalArgumentException("--from and --to must be aligned to the spec's " + spec.windowSeconds()
          + " s windows, got [" + from + ", " + to + ")");
    }
    return EventHours.covering(from, to);
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
}
