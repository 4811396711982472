package io.kaminari.retention;

import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.catalyst.catalog.CatalogTablePartition;
import org.apache.spark.sql.catalyst.catalog.CatalogTableType;
import scala.collection.JavaConverters;

/**
 * {@code kaminari retain}: drops the partitions of the warehouse's tables that lie wholly before a cutoff, as a
 * scheduled retention policy does. Managed tables lose their files with the partition; for external tables, whose
 * files a dropped partition leaves in place, the job deletes each expired partition's directory first, so that a
 * failure in between leaves the partition listed (and empty) for the rerun to drop.
 *
 * <p>Idempotent: a rerun finds nothing more to drop. It reads partitions from the metastore ({@code SHOW PARTITIONS}:
 * no scan) and drops each table's expired ones in one statement, so a table is never left half-dropped by this job;
 * a failure between tables leaves the earlier tables done and the run recorded as failed, and a rerun completes it.
 * A compaction that later merges late records into an expired hour creates that partition again, and the next run
 * drops it.
 */
public final class RetainJob {
  /** The {@code job_runs} name of a run. */
  public static final String JOB = "retain";

  private final SparkSession spark;
  private final RetainConfig config;

  public RetainJob(SparkSession spark, RetainConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /** What one table loses (or would lose, in a dry run). */
  public record Expired(String table, List<PartitionSpec> partitions) {}

  /** The partitions of {@code specs} that end at or before {@code cutoff}, in listed order. */
  static List<PartitionSpec> expired(List<PartitionSpec> specs, Instant cutoff) {
    return specs.stream().filter(p -> !p.end().isAfter(cutoff)).toList();
  }

  /** Drops (or lists, in a dry run) the expired partitions of every table; returns them per table. */
  public List<Expired> run() throws Exception {
    List<Expired> out = new ArrayList<>();
    if (config.dryRun()) {
      for (String table : config.tables()) out.add(new Expired(table, expired(table)));
      out.forEach(e -> print(e, "would drop"));
      return out;
    }
    JobRuns.run(spark, JOB, null, config.cutoff(), runId -> {
      long dropped = 0;
      for (String table : config.tables()) {
        List<PartitionSpec> gone = expired(table);
        if (!gone.isEmpty()) {
          CatalogTable meta = Warehouse.metadata(spark, table);
          if (meta.tableType().equals(CatalogTableType.EXTERNAL())) deleteFiles(meta, gone);
          spark.sql("ALTER TABLE " + table + " DROP IF EXISTS " + gone.stream()
              .map(p -> "PARTITION (" + p.sql() + ")").collect(Collectors.joining(", ")));
        }
        dropped += gone.size();
        out.add(new Expired(table, gone));
        print(out.get(out.size() - 1), "dropped");
      }
      return JobRuns.counts(0, 0, dropped, 0, 0, 0, dropped + " partition(s) before " + config.cutoff()
          + " dropped from " + config.tables().size() + " table(s)");
    });
    return out;
  }

  private List<PartitionSpec> expired(String table) {
    List<PartitionSpec> specs = new ArrayList<>();
    for (Row r : spark.sql("SHOW PARTITIONS " + table).collectAsList()) specs.add(PartitionSpec.parse(r.getString(0)));
    return expired(specs, config.cutoff());
  }

  /** Deletes the directories of {@code partitions} of the external {@code table}. */
  private void deleteFiles(CatalogTable table, List<PartitionSpec> partitions) throws Exception {
    TableIdentifier id = table.identifier();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    for (PartitionSpec p : partitions) {
      CatalogTablePartition partition = spark.sessionState().catalog()
          .getPartition(id, JavaConverters.mapAsScalaMap(p.values()).toMap(scala.Predef.$conforms()));
      Path dir = new Path(partition.location());
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.exists(dir) && !fs.delete(dir, true)) {
        throw new IllegalStateException("cannot delete " + dir + " of the expired partition " + p.text() + " of "
            + id);
      }
    }
  }

  private static void print(Expired e, String verb) {
    System.out.printf("%s: %s %d partition(s)%s%n", e.table(), verb, e.partitions().size(), e.partitions().isEmpty()
        ? "" : ", " + e.partitions().get(0).text() + " .. " + e.partitions().get(e.partitions().size() - 1).text());
  }
}
