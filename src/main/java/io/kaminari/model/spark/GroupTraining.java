package io.kaminari.model.spark;

import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.VECTOR;
import static io.kaminari.common.Columns.WINDOW_START;
import static org.apache.spark.sql.functions.col;

import io.kaminari.common.FileTrees;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.model.DetectorTrainer;
import io.kaminari.model.EpochProgress;
import io.kaminari.model.HeldOut;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ScopeGroups;
import io.kaminari.model.VectorFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * Trains the traffic groups of a {@code dst-prefix} version on Spark's executors, one task per group, instead of one
 * after another on the driver.
 *
 * <p><b>Why one model per group, not data-parallel training.</b> The groups are independent models already
 * ({@link ScopeGroups}), at most {@value ScopeGroups#MAX_GROUPS} of about equal rows, so training each in its own task
 * is the same computation as on one thread, byte for byte, with no averaging step that would change what is learnt;
 * data-parallel training of one model would need a synchronised step per mini-batch across executors, which Spark
 * does not offer. Measured on 2M windows in docs/benchmarks.md ("dst-prefix training at 2M windows").
 *
 * <p><b>How.</b> The rows are shuffled to partition g = group g ({@link ByGroup}) and sorted within it by window start,
 * then scope key ({@code repartitionAndSortWithinPartitions}, which spills to disk rather than holding a group), which
 * is the order {@link TrainJob#trainingVectors} gives. Each task streams its rows into a local {@link VectorFile},
 * trains with {@link DetectorTrainer#trainGroup} in a temporary directory, picks its group's {@link HeldOut#tail} at
 * the stride the driver computed from the plan, and returns the group's files (a few kilobytes), its description and
 * its held-out rows. The driver writes them into the version. A retried task trains the same weights (the trainer
 * depends only on its data and seed), so a retry changes nothing.
 */
final class GroupTraining {

  /** How the manifest records this way of training ({@link ScopeGroups#training()}). */
  static final String TRAINING = "one autoencoder per traffic group, each trained in its own Spark task";

  private GroupTraining() {}

  /** A row's shuffle key: its group (the partition), then its window start and scope key (the order within it). */
  record RowKey(int group, long startMicros, String key) implements Serializable {}

  /** The order the trainer reads a group's rows in: window start, then scope key. */
  static final class InTimeOrder implements Comparator<RowKey>, Serializable {
    @Override
    public int compare(RowKey a, RowKey b) {
      int c = Long.compare(a.startMicros(), b.startMicros());
      return c != 0 ? c : a.key().compareTo(b.key());
    }
  }

  /** Partition g holds exactly group g: one task per group, and no group split across tasks. */
  static final class ByGroup extends Partitioner {
    private final int groups;

    ByGroup(int groups) {
      this.groups = groups;
    }

    @Override
    public int numPartitions() {
      return groups;
    }

    @Override
    public int getPartition(Object key) {
      return ((RowKey) key).group();
    }
  }

  /** What a task returns: the group's result, its model files by name, and its held-out rows as a VectorFile. */
  record Output(DetectorTrainer.GroupTrained trained, Map<String, byte[]> files, byte[] heldOut,
      List<String> heldOutKeys) implements Serializable {}

  /** The groups trained, in group order, with their files and held-out rows written by {@link #train}. */
  record Trained(List<DetectorTrainer.GroupTrained> groups, long heldOutRows) {}

  /**
   * Trains every group of {@code plan} on {@code vectors} (window_start, scope_key and vector columns, any order) and
   * writes each group's files into {@code out/group-N} and the version's held-out rows into {@code out}.
   *
   * @param work a driver-side directory for the held-out rows while they are merged
   */
  static Trained train(Dataset<Row> vectors, ScopeGroups.Plan plan, FeatureSpec spec, Hyperparameters hp, Path out,
      Path work) throws IOException {
    int groups = plan.groups();
    long stride = HeldOut.stride(plan.rows(), hp.validationFraction());
    String hyperparameters = hp.toJson(); // Hyperparameters is not Serializable; its JSON is the stored form anyway
    // Broadcast, not captured: the assignments hold every training key, and a closure ships them with every task.
    Broadcast<ScopeGroups.Plan> shared = JavaSparkContext.fromSparkContext(vectors.sparkSession().sparkContext())
        .broadcast(plan);
    List<Output> outputs;
    try {
      outputs = vectors.select(col(WINDOW_START), col(SCOPE_KEY), col(VECTOR)).javaRDD()
          .mapToPair(r -> new Tuple2<>(new RowKey(shared.value().assignments().getOrDefault(r.getString(1),
              ScopeGroups.UNSEEN_GROUP), Micros.of(r.<Instant>getAs(0)), r.getString(1)), TrainJob.vector(r, spec)))
          .repartitionAndSortWithinPartitions(new ByGroup(groups), new InTimeOrder())
          .mapPartitionsWithIndex((g, rows) -> trainTask(g, rows, shared.value(), spec, hyperparameters, stride),
              false)
          .collect();
    } finally {
      shared.destroy();
    }
    Output[] byGroup = new Output[groups];
    for (Output o : outputs) byGroup[o.trained().group().index()] = o;
    List<DetectorTrainer.GroupTrained> trained = new ArrayList<>();
    List<HeldOut.Tail> tails = new ArrayList<>();
    List<VectorFile> opened = new ArrayList<>();
    try {
      for (int g = 0; g < groups; g++) {
        Output o = byGroup[g];
        if (o == null) {
          throw new IllegalStateException("the task of scope group " + g + " returned nothing: it had no rows, but the"
              + " plan gives it " + plan.rows().get(g));
        }
        Path dir = Files.createDirectories(out.resolve(ScopeGroups.dir(g)));
        for (Map.Entry<String, byte[]> f : o.files().entrySet()) Files.write(dir.resolve(f.getKey()), f.getValue());
        Path tail = work.resolve("held-out-" + g + ".kvec");
        Files.write(tail, o.heldOut());
        VectorFile file = VectorFile.open(tail);
        opened.add(file);
        tails.add(new HeldOut.Tail(file, 0, 1, o.heldOutKeys()));
        trained.add(o.trained());
      }
      return new Trained(trained, HeldOut.merge(out, tails));
    } finally {
      opened.forEach(VectorFile::close);
    }
  }

  /**
   * One task: trains group {@code g} on its rows (in {@link InTimeOrder}) in a temporary directory and returns its
   * {@link Output}; nothing for a partition without rows.
   */
  static Iterator<Output> trainTask(int g, Iterator<Tuple2<RowKey, float[]>> rows, ScopeGroups.Plan plan,
      FeatureSpec spec, String hyperparameters, long stride) throws IOException {
    if (!rows.hasNext()) return Collections.emptyIterator();
    Hyperparameters hp = Hyperparameters.fromJson(hyperparameters);
    Path work = Files.createTempDirectory("kaminari-group-" + g + "-");
    List<Stream<String>> opened = new ArrayList<>(); // every key stream handed out, closed at the end
    try {
      Path vectors = work.resolve("vectors.kvec");
      Path keys = work.resolve("keys.txt");
      try (VectorFile.Writer writer = VectorFile.create(vectors, spec.dimension());
          BufferedWriter keyWriter = Files.newBufferedWriter(keys, StandardCharsets.UTF_8)) {
        while (rows.hasNext()) {
          Tuple2<RowKey, float[]> row = rows.next();
          if (row._1().group() != g) {
            throw new IllegalStateException("a row of group " + row._1().group() + " in the task of group " + g);
          }
          writer.append(row._1().startMicros(), row._2());
          keyWriter.write(row._1().key());
          keyWriter.newLine();
        }
      }
      Supplier<Iterator<String>> keyLines = () -> {
        try {
          Stream<String> lines = Files.lines(keys, StandardCharsets.UTF_8);
          opened.add(lines);
          return lines.iterator();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
      Path dir = work.resolve(ScopeGroups.dir(g));
      // An executor's stdout is its log; under local[*] that is the driver's console, as for the global model.
      Consumer<EpochProgress> progress = p -> System.out.println("scope group " + g + ": " + p.line());
      try (VectorFile source = VectorFile.open(vectors)) {
        DetectorTrainer.GroupTrained trained = DetectorTrainer.trainGroup(g, source, keyLines, plan, spec, hp, dir,
            progress);
        HeldOut.Tail tail = HeldOut.tail(source, keyLines.get(), hp.validationFraction(), stride);
        Path heldOut = work.resolve("held-out.kvec");
        tail.writeTo(heldOut);
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
          for (Path f : list.toList()) {
            if (!Files.isRegularFile(f)) {
              throw new IllegalStateException("training left a non-file " + f.getFileName() + " in " + dir);
            }
            files.put(f.getFileName().toString(), Files.readAllBytes(f));
          }
        }
        return List.of(new Output(trained, files, Files.readAllBytes(heldOut), tail.keys())).iterator();
      }
    } finally {
      opened.forEach(Stream::close);
      FileTrees.delete(work);
    }
  }
}
