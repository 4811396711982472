package io.kaminari.ingest;

import static io.kaminari.common.Columns.ARRIVAL_TIME;
import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static io.kaminari.common.Columns.LANDED_AT;
import static io.kaminari.common.Columns.LANDING_RUN;
import static io.kaminari.common.Columns.SOURCE;
import static io.kaminari.common.Columns.SOURCE_OFFSET;
import static io.kaminari.common.Columns.SOURCE_PARTITION;
import static io.kaminari.common.Columns.VALUE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.common.TopicPartition;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Lands raw pmacct records into {@code kaminari.flows_landing} exactly once, then stops.
 *
 * <p>A Structured Streaming query with {@code Trigger.AvailableNow} consumes everything new since the last run (its
 * checkpoint holds the offsets, or the files already seen) and writes each micro-batch with {@link #commitBatch}: the
 * batch is staged, then its files are renamed into the partitions under names derived from the query id and batch id.
 * A batch retried after a crash deletes its own earlier files first, so every Kafka offset (or file line) is in the
 * table once per checkpoint. A new checkpoint (or a replay) may land records again; compaction dedups them by their
 * coordinates. Running twice with no new data changes nothing.
 */
public final class LandJob {
  /** The {@code job_runs} name of a landing from Kafka (from files: {@code land-files}). */
  public static final String JOB = "land";

  /** The file source's {@code maxFileAge}: longer than any file can be old (about 10,000 years). */
  static final String FILES_NEVER_TOO_OLD = "3650000d";

  private final SparkSession spark;
  private final LandConfig config;

  public LandJob(SparkSession spark, LandConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /**
   * A landing run and the arrival hours it wrote into: what compaction must read next.
   *
   * @param arrivalHours the landing partitions the run added rows to, in order; empty when nothing was new
   */
  public record Landing(JobRun run, SortedSet<Hour> arrivalHours, List<LostRange> lost) {
    public Landing {
      arrivalHours = Collections.unmodifiableSortedSet(new TreeSet<>(arrivalHours));
      lost = List.copyOf(lost);
    }

    /** From the first arrival hour written to the last (compaction's unit is a range); empty if nothing was new. */
    public Optional<ArrivalHours> span() {
      return arrivalHours.isEmpty() ? Optional.empty()
          : Optional.of(new ArrivalHours(new HourRange(arrivalHours.first(), arrivalHours.last().plus(1))));
    }
  }

  /** Offsets {@code [from, to)} of a Kafka partition that were deleted (retention) before they were landed. */
  public record LostRange(String topic, int partition, long from, long to) {
    public long records() {
      return to - from;
    }
  }

  /** Consumes everything available now, records the run in job_runs, and returns it. */
  public JobRun run() throws Exception {
    return land().run();
  }

  /** {@link #run}, also returning the arrival hours the run wrote into. */
  public Landing land() throws Exception {
    String job = config.filesDir() == null ? JOB : "land-files";
    // Ordered by time (dt=yyyy-MM-dd/hour=HH sorts by time once the hour is zero-padded).
    TreeMap<String, Long> partitions = new TreeMap<>();
    List<LostRange> lost = new ArrayList<>();
    JobRun run = JobRuns.run(spark, job, null, null, runId -> {
      if (config.filesDir() == null) lost.addAll(lostToRetention());
      AtomicLong rows = new AtomicLong();
      String tableLocation = Warehouse.location(spark, Warehouse.FLOWS_LANDING);
      StreamingQuery q = source().writeStream()
          .queryName(job)
          .option("checkpointLocation", checkpoint())
          .trigger(Trigger.AvailableNow())
          .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (batch, batchId) -> {
            String queryId = batch.sparkSession().sparkContext().getLocalProperty("sql.streaming.queryId");
            commitBatch(batch, tableLocation, queryId, batchId, rows, partitions);
          })
          .start();
      q.awaitTermination();
      // The batches ran in the query's cloned session: files renamed into an existing partition stay invisible to
      // this session's cached file listing until it is refreshed.
      spark.catalog().refreshTable(Warehouse.FLOWS_LANDING);
      String where = partitions.isEmpty() ? "nothing new"
          : partitions.size() + " landing partition(s) " + partitions.firstKey() + " .. " + partitions.lastKey();
      long lostRecords = lost.stream().mapToLong(LostRange::records).sum();
      String loss = lost.isEmpty() ? "" : "DATA LOSS, land.on-data-loss=skip-and-record: " + KafkaRetention.describe(lost)
          + "; ";
      return JobRuns.counts(rows.get(), rows.get(), rows.get(), 0, lostRecords, 0, loss + where);
    });
    SortedSet<Hour> hours = new TreeSet<>();
    partitions.keySet().forEach(p -> hours.add(Hour.ofPartition(p)));
    return new Landing(run, hours, lost);
  }

  /**
   * The offset ranges Kafka deleted before this checkpoint landed them; with {@code land.on-data-loss=fail} (the
   * default) any such range fails the run, naming the ranges and the way out.
   */
  private List<LostRange> lostToRetention() throws IOException {
    Map<TopicPartition, Long> next =
        KafkaRetention.nextOffsets(new Path(checkpoint()), spark.sparkContext().hadoopConfiguration());
    if (next.isEmpty()) return List.of();
    List<LostRange> lost = KafkaRetention.lost(next,
        KafkaRetention.earliestOffsets(config.bootstrapServers(), config.kafkaOptions(), next.keySet()));
    if (!lost.isEmpty() && !config.skipDataLoss()) {
      throw new IllegalStateException(KafkaRetention.describe(lost) + ". With land.on-data-loss=fail every run fails"
          + " until this changes: set land.on-data-loss=skip-and-record for one run to land from the earliest offset"
          + " still there and record the lost ranges in kaminari.job_runs (docs/operations.md, \"Kafka retention\")");
    }
    return lost;
  }

  /** The streaming source with the landing columns (without dt/hour and landing_run, added per batch). */
  Dataset<Row> source() {
    if (config.filesDir() == null) {
      DataStreamReader r = spark.readStream().format("kafka")
          .option("kafka.bootstrap.servers", config.bootstrapServers())
          .option("subscribe", String.join(",", config.topics()))
          .option("startingOffsets", "earliest")
          // Spark's own check stays on unless lost ranges are to be skipped (lostToRetention names them first).
          .option("failOnDataLoss", String.valueOf(!config.skipDataLoss()))
          .option("maxOffsetsPerTrigger", config.maxRecordsPerBatch());
      // Kaminari's kafka.* pass-through keys are exactly the Kafka source's option names for client settings.
      config.kafkaOptions().forEach(r::option);
      return r.load().select(
          col("topic").as(SOURCE),
          col("partition").as(SOURCE_PARTITION),
          col("offset").as(SOURCE_OFFSET),
          col("timestamp").as(ARRIVAL_TIME),
          col("value").as(VALUE),
          current_timestamp().as(LANDED_AT));
    }
    // binaryFile lists the files without reading them (no content column is selected); each file is then read line
    // by line where its row lands, so memory holds a line, never a file. The line number is the coordinate.
    Map<String, String> hadoop = new HashMap<>();
    spark.sparkContext().hadoopConfiguration().forEach(e -> hadoop.put(e.getKey(), e.getValue()));
    Dataset<Row> files = spark.readStream().format("binaryFile")
        .schema(BINARY_FILE)
        .option("maxFilesPerTrigger", 64)
        // The file source skips a file more than maxFileAge (default 7 days) older than the newest file it has seen,
        // silently: a late sink flush or a restored backup would never land. Every file is remembered in the
        // checkpoint's log anyway, so "never too old" costs nothing more than the default.
        .option("maxFileAge", FILES_NEVER_TOO_OLD)
        .load(config.filesDir())
        .select(col("_metadata.file_path").as(SOURCE), col("_metadata.file_modification_time").as(ARRIVAL_TIME));
    return files.flatMap(fileRows(hadoop), Encoders.row(FILE_LINE)).withColumn(LANDED_AT, current_timestamp());
  }

  /** What the file source lists: binaryFile's fixed schema (a streaming source must be given its schema). */
  private static final StructType BINARY_FILE = new StructType()
      .add("path", DataTypes.StringType, false)
      .add("modificationTime", DataTypes.TimestampType, false)
      .add("length", DataTypes.LongType, false)
      .add("content", DataTypes.BinaryType, true);

  /** A file line as a landing row, before {@code landed_at}: the Kafka branch's columns and types. */
  private static final StructType FILE_LINE = new StructType()
      .add(SOURCE, DataTypes.StringType, false)
      .add(SOURCE_PARTITION, DataTypes.IntegerType, false)
      .add(SOURCE_OFFSET, DataTypes.LongType, false)
      .add(ARRIVAL_TIME, DataTypes.TimestampType, false)
      .add(VALUE, DataTypes.BinaryType, false);

  /**
   * A listed file (source, arrival time) to its non-blank lines as landing rows, read lazily; the file is closed when
   * its lines run out or the task ends, whichever comes first.
   */
  private static FlatMapFunction<Row, Row> fileRows(Map<String, String> hadoop) {
    return file -> {
      String source = file.getString(0);
      Object arrival = file.get(1);
      FileLines lines = FileLines.open(source, hadoop);
      TaskContext task = TaskContext.get();
      if (task != null) task.addTaskCompletionListener((TaskCompletionListener) ctx -> closeQuietly(lines));
      return new Iterator<Row>() {
        @Override
        public boolean hasNext() {
          if (lines.hasNext()) return true;
          closeQuietly(lines);
          return false;
        }

        @Override
        public Row next() {
          FileLines.Line l = lines.next();
          return RowFactory.create(source, -1, l.number(), arrival, l.bytes());
        }
      };
    };
  }

  private static void closeQuietly(FileLines lines) {
    try {
      lines.close();
    } catch (IOException e) {
      // Every line was read (or the task is over): a failed close loses nothing.
    }
  }

  private String checkpoint() {
    String key = config.filesDir() == null ? "kafka-" + String.join("_", config.topics()) : "files-" + sha(config.filesDir());
    return config.checkpointRoot() + "/land/" + key;
  }

  /**
   * Writes one micro-batch into the landing table so that a retry of the same batch replaces, never adds to, what an
   * earlier attempt wrote.
   */
  static void commitBatch(Dataset<Row> batch, String tableLocation, String queryId, long batchId, AtomicLong rows,
      TreeMap<String, Long> partitions) throws IOException {
    SparkSession spark = batch.sparkSession();
    String prefix = "land-" + queryId.substring(0, 8) + "-b" + batchId + "-";
    Path table = new Path(tableLocation);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    FileSystem fs = table.getFileSystem(hadoop);
    Path staging = new Path(table, "_staging/" + queryId + "/" + batchId);
    fs.delete(staging, true);
    batch.withColumn(LANDING_RUN, lit(queryId + ":" + batchId))
        .withColumn(DT, date_format(col(ARRIVAL_TIME), "yyyy-MM-dd"))
        .withColumn(HOUR, functions.hour(col(ARRIVAL_TIME)))
        .write().partitionBy(DT, HOUR).parquet(staging.toString());
    List<String> specs = new ArrayList<>();
    for (FileStatus dtDir : listDirs(fs, staging)) {
      for (FileStatus hourDir : listDirs(fs, dtDir.getPath())) {
        String rel = dtDir.getPath().getName() + "/" + hourDir.getPath().getName();
        Path target = new Path(table, rel);
        fs.mkdirs(target);
        for (FileStatus old : fs.listStatus(target, p -> p.getName().startsWith(prefix))) {
          fs.delete(old.getPath(), false);
        }
        int n = 0;
        for (FileStatus f : fs.listStatus(hourDir.getPath(), p -> p.getName().endsWith(".parquet"))) {
          if (!fs.rename(f.getPath(), new Path(target, prefix + (n++) + ".parquet"))) {
            throw new IOException("cannot move " + f.getPath() + " into " + target);
          }
        }
        long count = spark.read().parquet(new Path(target, prefix + "*").toString()).count();
        rows.addAndGet(count);
        partitions.merge(String.format("%s/%s=%02d", dtDir.getPath().getName(), HOUR,
            Integer.parseInt(hourDir.getPath().getName().substring(HOUR.length() + 1))), count, Long::sum);
        specs.add("PARTITION (" + DT + "='" + dtDir.getPath().getName().substring(DT.length() + 1) + "', " + HOUR
            + "=" + hourDir.getPath().getName().substring(HOUR.length() + 1) + ")");
      }
    }
    if (!specs.isEmpty()) {
      spark.sql("ALTER TABLE " + Warehouse.FLOWS_LANDING + " ADD IF NOT EXISTS " + String.join(" ", specs));
    }
    fs.delete(staging, true);
  }

  private static FileStatus[] listDirs(FileSystem fs, Path p) throws IOException {
    return fs.listStatus(p, x -> !x.getName().startsWith("_") && !x.getName().startsWith("."));
  }

  private static String sha(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
