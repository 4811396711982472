package io.kaminari.features.spark;

import static io.kaminari.common.Columns.SPEC_ID;
import static io.kaminari.common.Columns.VECTOR;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;

import io.kaminari.common.Columns;
import io.kaminari.features.FeatureSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code feature_specs} table, where every spec that labels vectors is registered by its id, and the check that a
 * spec may write into {@code port_vectors}: the features job's reads and writes of specs, apart from its vectors.
 */
public final class SpecRegistry {
  private SpecRegistry() {}

  /**
   * Refuses (with {@link IllegalStateException}) a spec whose id is registered with another layout, or whose id
   * already labels vectors of another length in {@code vectorsTable} (checked on one sample row: the job writes one
   * length per id, so any row tells).
   */
  static void checkCompatible(SparkSession spark, String vectorsTable, String specsTable, FeatureSpec spec) {
    Optional<FeatureSpec> registered = registered(spark, specsTable, spec.id());
    if (registered.isPresent() && !registered.get().canonicalLayout().equals(spec.canonicalLayout())) {
      throw new IllegalStateException("refusing to write: spec id " + spec.id() + " is registered in " + specsTable
          + " with another layout " + registered.get().canonicalLayout() + ", not " + spec.canonicalLayout());
    }
    List<Row> sample = spark.table(vectorsTable).where(col(SPEC_ID).equalTo(spec.id()))
        .select(size(col(VECTOR))).limit(1).collectAsList();
    if (!sample.isEmpty() && sample.get(0).getInt(0) != spec.dimension()) {
      throw new IllegalStateException("refusing to write: " + vectorsTable + " holds vectors of length "
          + sample.get(0).getInt(0) + " for spec id " + spec.id() + ", but the spec '" + spec.name()
          + "' has dimension " + spec.dimension() + "; nothing was written");
    }
  }

  /** The spec registered under {@code specId} in {@code specsTable}, if any (the first, should there be several). */
  public static Optional<FeatureSpec> registered(SparkSession spark, String specsTable, String specId) {
    List<Row> rows = spark.table(specsTable).where(col(SPEC_ID).equalTo(specId))
        .select(Columns.SPEC_JSON).limit(1).collectAsList();
    if (rows.isEmpty()) return Optional.empty();
    try {
      return Optional.of(FeatureSpec.fromJson(rows.get(0).getString(0)));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(specsTable + " holds an unreadable spec for id " + specId + ": "
          + e.getMessage(), e);
    }
  }

  /** Appends {@code spec} to {@code specsTable} unless its id is there already; returns whether it appended. */
  public static boolean register(SparkSession spark, String specsTable, FeatureSpec spec) {
    if (registered(spark, specsTable, spec.id()).isPresent()) return false;
    Row row = RowFactory.create(spec.id(), spec.name(), spec.scope().jsonName(), spec.dimension(), spec.toJson(),
        Instant.now());
    spark.createDataFrame(List.of(row), spark.table(specsTable).schema()).coalesce(1).write().insertInto(specsTable);
    return true;
  }
}
