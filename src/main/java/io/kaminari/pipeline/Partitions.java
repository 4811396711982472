package io.kaminari.pipeline;

import io.kaminari.common.time.Hour;
import java.util.Arrays;
import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code dt}/{@code hour} partitions of a table as the metastore lists them ({@code SHOW PARTITIONS}: no scan),
 * and dropping them.
 */
public final class Partitions {
  private Partitions() {}

  /** The hours that have a partition in {@code table}. */
  public static SortedSet<Hour> hours(SparkSession spark, String table) {
    return hours(spark, table, null, null);
  }

  /**
   * The hours that have a partition in {@code table} whose partition column {@code column} is {@code value}
   * (any value if {@code column} is null): e.g. the hours holding one spec's vectors.
   */
  public static SortedSet<Hour> hours(SparkSession spark, String table, String column, String value) {
    SortedSet<Hour> out = new TreeSet<>();
    for (Row r : spark.sql("SHOW PARTITIONS " + table).collectAsList()) {
      String spec = r.getString(0);
      if (column == null || Arrays.asList(spec.split("/")).contains(column + "=" + value)) {
        out.add(Hour.ofPartition(spec));
      }
    }
    return out;
  }

  /**
   * Drops the partitions of {@code hours} from {@code table} in one statement (those that do not exist are skipped);
   * {@code more}, if not empty, names the values of the partition columns after {@code hour}, e.g.
   * {@code spec_id='x'}.
   */
  public static void drop(SparkSession spark, String table, Collection<Hour> hours, String more) {
    if (hours.isEmpty()) return;
    String suffix = more == null || more.isEmpty() ? "" : ", " + more;
    spark.sql("ALTER TABLE " + table + " DROP IF EXISTS " + hours.stream()
        .map(h -> "PARTITION (" + h.partitionValues() + suffix + ")").collect(Collectors.joining(", ")));
  }
}
