package io.kaminari.retention;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One retention run: drop every partition of {@code tables} whose time ends at or before {@code cutoff}.
 *
 * @param cutoff partitions covering only time before it go; one that reaches past it stays whole
 * @param tables qualified table names, each partitioned by {@code dt} (and possibly {@code hour} and more)
 * @param dryRun list what would go, drop nothing
 */
public record RetainConfig(Instant cutoff, List<String> tables, boolean dryRun) {
  public RetainConfig {
    Objects.requireNonNull(cutoff, "cutoff");
    tables = List.copyOf(tables);
    if (tables.isEmpty()) throw new IllegalArgumentException("no table to apply retention to");
  }
}
