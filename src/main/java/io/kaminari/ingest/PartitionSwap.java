package io.kaminari.ingest;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.Warehouse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.catalog.CatalogTablePartition;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * Replaces whole hour partitions of a table so that a listed partition is never empty: the new rows are written to a
 * fresh directory, each partition is repointed at it ({@code ALTER TABLE ... PARTITION ... SET LOCATION}, one atomic
 * metastore update per partition), and only then is the old directory deleted.
 *
 * <p>Spark's dynamic partition overwrite deletes a partition's directory and then renames the new one in; a run killed
 * between the two left an empty listed partition, and the rerun merged into it wrote back only its own rows. Here a
 * kill at any point leaves every partition pointing at a complete directory, old or new. What such a kill leaves over
 * (a new directory not yet pointed at, an old one not yet deleted) is named in a journal written before anything is
 * moved, {@code _merged/<run>.swap} under the table, and {@link #recover} (run by the next compaction under its lock)
 * deletes whichever of the two each partition no longer points at.
 *
 * <p>The new directories are {@code _merged/<run>/dt=.../hour=...} under the table's location; a partition that was
 * merged once keeps such a location. The caller holds the compaction lock: two swaps of one table must not interleave.
 */
final class PartitionSwap {
  static final String DIR = "_merged";
  private static final String JOURNAL = ".swap";
  private static final String END = "end";
  private static final String ROWS = "rows";

  private final SparkSession spark;
  private final String table;
  private final Path root;
  private final FileSystem fs;
  private final CompactJob.Faults faults;

  PartitionSwap(SparkSession spark, String table, CompactJob.Faults faults) throws IOException {
    this.spark = spark;
    this.table = table;
    this.root = new Path(Warehouse.location(spark, table), DIR);
    this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
    this.faults = faults;
  }

  /** One partition of a swap: its hour, the directory it pointed at (null: no partition) and the new one. */
  private record Entry(Hour hour, String from, String to) {}

  /**
   * Writes {@code rows} (the table's columns, {@code dt} and {@code hour} last, only rows of {@code hours}) into fresh
   * directories, points the partition of each hour at its directory (adding the partitions that do not exist), deletes
   * the directories they pointed at, and returns the rows written. {@code check} runs before each partition is moved
   * (the caller's lock: it throws when the lock was lost).
   */
  long replace(Dataset<Row> rows, List<Hour> hours, String runId, Runnable check) throws Exception {
    Path run = new Path(root, runId);
    List<Entry> entries = new ArrayList<>();
    for (Hour h : hours) {
      entries.add(new Entry(h, location(h), new Path(run, h.partitionSpec()).toUri().toString()));
    }
    writeJournal(journal(runId), entries);
    Observation written = new Observation("compact-merge-" + runId);
    rows.observe(written, count(lit(1)).as(ROWS)).write().options(parquetOptions())
        .partitionBy(Columns.DT, Columns.HOUR).parquet(run.toString());
    long count = ((Number) written.getAsJava().get(ROWS)).longValue();
    faults.at(CompactJob.Faults.SWAP_WRITTEN);
    for (Entry e : entries) {
      check.run();
      if (!fs.exists(new Path(e.to()))) {
        throw new IllegalStateException("the merge wrote no rows for " + e.hour() + " into " + e.to());
      }
      spark.sql("ALTER TABLE " + table + (e.from() == null ? " ADD PARTITION (" + e.hour().partitionValues()
          + ") LOCATION '" + e.to() + "'"
          : " PARTITION (" + e.hour().partitionValues() + ") SET LOCATION '" + e.to() + "'"));
      faults.at(CompactJob.Faults.SWAP_MOVED_ONE);
    }
    faults.at(CompactJob.Faults.SWAP_MOVED);
    for (Entry e : entries) {
      deleteUnused(e, e.to());
    }
    fs.delete(journal(runId), false);
    return count;
  }

  /**
   * Finishes what killed swaps left: for each journal, deletes per partition the directory it does not point at (the
   * new one if the swap never reached it, else the old one), then the journal.
   */
  void recover() throws IOException {
    if (!fs.exists(root)) return;
    for (FileStatus j : fs.listStatus(root, p -> p.getName().endsWith(JOURNAL))) {
      List<Entry> entries = readJournal(j.getPath());
      String runName = j.getPath().getName().substring(0, j.getPath().getName().length() - JOURNAL.length());
      boolean anyMoved = false;
      for (Entry e : entries == null ? List.<Entry>of() : entries) {
        String current = location(e.hour());
        deleteUnused(e, current);
        anyMoved |= sameDir(e.to(), current);
      }
      if (!anyMoved) { // nothing points into the run's directory: it holds no partition, only a killed write
        fs.delete(new Path(root, runName), true);
      }
      fs.delete(j.getPath(), false);
    }
  }

  /**
   * Deletes the directories of {@code e} that its partition, now at {@code current}, does not point at: the old one,
   * the new one, and the hour's default directory (which a kill after the first swap of a directly written hour
   * leaves), but only those under the table's location.
   */
  private void deleteUnused(Entry e, String current) throws IOException {
    Path tableDir = root.getParent();
    List<String> candidates = new ArrayList<>();
    if (e.from() != null) candidates.add(e.from());
    candidates.add(e.to());
    candidates.add(new Path(tableDir, e.hour().partitionSpec()).toUri().toString());
    for (String c : candidates) {
      if (!sameDir(c, current) && isUnder(c, tableDir)) {
        fs.delete(new Path(c), true);
      }
    }
  }

  /** The location of the partition of {@code h}, or null when it has none. */
  private String location(Hour h) {
    var catalog = spark.sessionState().catalog();
    Map<String, String> spec = new HashMap<>();
    spec.put(Columns.DT, h.dt());
    spec.put(Columns.HOUR, String.valueOf(h.hourOfDay()));
    scala.collection.immutable.Map<String, String> scalaSpec = JavaConverters.mapAsScalaMap(spec).toMap(
        scala.Predef.$conforms());
    try {
      List<CatalogTablePartition> found = JavaConverters.seqAsJavaList(
          catalog.listPartitions(Warehouse.metadata(spark, table).identifier(), Option.apply(scalaSpec)));
      return found.isEmpty() ? null : found.get(0).location().toString();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the partition " + h + " of " + table + ": " + e, e);
    }
  }

  /** The table's {@code parquet.*} properties, which Spark's insert into the table would pass to the writer. */
  private Map<String, String> parquetOptions() {
    Map<String, String> out = new HashMap<>();
    JavaConverters.mapAsJavaMap(Warehouse.metadata(spark, table).properties())
        .forEach((k, v) -> {
          if (k.startsWith("parquet.")) out.put(k, v);
        });
    return out;
  }

  private Path journal(String runId) {
    return new Path(root, runId + JOURNAL);
  }

  private void writeJournal(Path path, List<Entry> entries) throws IOException {
    try (FSDataOutputStream out = fs.create(path, true);
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      for (Entry e : entries) {
        w.write(e.hour() + "\t" + (e.from() == null ? "" : e.from()) + "\t" + e.to() + "\n");
      }
      w.write(END + "\n");
    }
  }

  /** The entries of a journal, or null when it is incomplete (its run was killed while writing it). */
  private List<Entry> readJournal(Path path) throws IOException {
    List<Entry> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.equals(END)) return out;
        String[] f = line.split("\t", -1);
        if (f.length != 3) return null;
        out.add(new Entry(Hour.parse(f[0]), f[1].isEmpty() ? null : f[1], f[2]));
      }
    }
    return null;
  }

  private boolean sameDir(String a, String b) {
    return b != null && fs.makeQualified(new Path(a)).equals(fs.makeQualified(new Path(b)));
  }

  private boolean isUnder(String dir, Path parent) {
    URI d = fs.makeQualified(new Path(dir)).toUri();
    URI p = fs.makeQualified(parent).toUri();
    return d.getPath().startsWith(p.getPath() + "/") && java.util.Objects.equals(d.getAuthority(), p.getAuthority());
  }
}
