package io.kaminari.model;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * A version's held-out windows: the rows its autoencoders validated on and never trained on (the most recent
 * {@code validation_fraction} of each training source, as {@link Trainer#validationRows} counts them: the whole range
 * under {@code global}, each traffic group under {@code dst-prefix}), kept in the version so that the promotion gate
 * can score the alias's current target on exactly the windows the candidate was judged on.
 *
 * <p>Files: {@value #VECTORS} (the raw vectors, a {@link VectorFile}) and {@value #KEYS} (their scope keys, UTF-8, one
 * per line, in the same order). At most {@link #MAX_ROWS} rows, evenly spaced over each source's held-out rows when
 * there are more in all (a busy {@code dst-prefix} range holds millions), so a version stays small: 100,000 rows of 40
 * features are 17 MB. Each source's share is chosen from that source alone ({@link #tail}), so a Spark task that trains
 * one traffic group picks its group's rows and the driver only merges them ({@link #merge}).
 *
 * <p>The comparison ({@link #compare}) is the mean squared reconstruction error in {@code log1p} space, where both
 * versions' inputs are the same numbers: each version's own standardised error depends on its normalisation (a version
 * trained on a quieter range has a smaller std and so a larger error on the same windows), which is why comparing each
 * version's {@code val_loss} on its own windows decided nothing.
 */
public final class HeldOut {
  public static final String VECTORS = "holdout.kvec";
  public static final String KEYS = "holdout.keys";
  /** The most rows a version keeps. */
  public static final int MAX_ROWS = 100_000;
  /** Rows per scoring call. */
  private static final int BATCH = 4096;

  private HeldOut() {}

  /**
   * Both versions' errors on the candidate's held-out rows.
   *
   * @param candidateError mean over the rows of each row's mean squared {@code log1p}-space error, by the candidate
   * @param currentError the same by the current target of the alias
   */
  public record Comparison(long rows, double candidateError, double currentError) {}

  /** Whether {@code manifest}'s version carries held-out windows (versions published before them do not). */
  public static boolean present(ModelManifest manifest) {
    return manifest.files().containsKey(VECTORS) && manifest.files().containsKey(KEYS);
  }

  /**
   * The held-out rows of one training source that a version keeps: its rows from {@code from} on, every
   * {@code stride}-th, whose scope keys are {@code keys} (one per kept row, in order).
   */
  public record Tail(VectorSource rows, long from, long stride, List<String> keys) {
    public Tail {
      if (from < 0 || stride < 1 || (!keys.isEmpty() && from + (keys.size() - 1L) * stride >= rows.size())) {
        throw new IllegalArgumentException("a held-out tail of " + keys.size() + " rows from " + from + " every "
            + stride + " does not fit a source of " + rows.size() + " rows");
      }
      keys = List.copyOf(keys);
    }

    long row(int k) {
      return from + k * stride;
    }

    /**
     * Copies the rows into the {@link VectorFile} {@code file} (created), so that {@code new Tail(file, 0, 1, keys)} is
     * the same tail: how a Spark task that trained one group hands its tail to the driver.
     */
    public void writeTo(Path file) {
      float[] v = new float[rows.dimension()];
      try (VectorFile.Writer writer = VectorFile.create(file, rows.dimension())) {
        for (int k = 0; k < keys.size(); k++) {
          rows.read(row(k), v, 0);
          writer.append(rows.windowStartMicros(row(k)), v);
        }
      }
    }
  }

  /**
   * Every how many held-out rows one is kept, for training sources of {@code sourceRows} rows each: 1 while their
   * held-out rows ({@link Trainer#validationRows} of each) are at most {@link #MAX_ROWS} in all, more so that a version
   * keeps at most that many.
   */
  public static long stride(Collection<Long> sourceRows, double validationFraction) {
    long heldOut = sourceRows.stream().mapToLong(rows -> Trainer.validationRows(rows, validationFraction)).sum();
    return Math.max(1, (heldOut + MAX_ROWS - 1) / MAX_ROWS);
  }

  /**
   * The held-out tail of {@code source}: its last {@link Trainer#validationRows} rows, every {@code stride}-th, with
   * their keys from {@code keys} (the keys of every row of the source, in row order, read once).
   */
  public static Tail tail(VectorSource source, Iterator<String> keys, double validationFraction, long stride) {
    long from = source.size() - Trainer.validationRows(source.size(), validationFraction);
    List<String> kept = new ArrayList<>();
    for (long i = 0; i < source.size(); i++) {
      String key = key(keys, i, source.size());
      if (i >= from && (i - from) % stride == 0) kept.add(key);
    }
    return new Tail(source, from, stride, kept);
  }

  /**
   * Writes the held-out rows of {@code sources} into {@code dir}: the {@link #tail} of each source with the scope keys
   * {@code keys} gives for its rows (one iterator per source), at the {@link #stride} of their total, merged in time
   * order. Returns the rows written.
   */
  public static long write(Path dir, List<? extends VectorSource> sources, List<? extends Iterator<String>> keys,
      double validationFraction) {
    if (sources.size() != keys.size() || sources.isEmpty()) {
      throw new IllegalArgumentException(sources.size() + " sources with " + keys.size() + " key lists");
    }
    long stride = stride(sources.stream().map(VectorSource::size).toList(), validationFraction);
    List<Tail> tails = new ArrayList<>();
    for (int s = 0; s < sources.size(); s++) {
      tails.add(tail(sources.get(s), keys.get(s), validationFraction, stride));
    }
    return merge(dir, tails);
  }

  /** Writes the rows of {@code tails} into {@code dir}, merged in time order (ties by tail); returns how many. */
  public static long merge(Path dir, List<Tail> tails) {
    if (tails.isEmpty()) throw new IllegalArgumentException("no held-out rows to merge");
    int n = tails.size();
    int[] next = new int[n];
    int dim = tails.get(0).rows().dimension();
    float[] row = new float[dim];
    // A VectorFile's rows must not go back in time, hence the merge.
    try (VectorFile.Writer vectors = VectorFile.create(dir.resolve(VECTORS), dim);
        BufferedWriter keyFile = Files.newBufferedWriter(dir.resolve(KEYS), StandardCharsets.UTF_8)) {
      while (true) {
        int s = -1;
        for (int t = 0; t < n; t++) {
          Tail tail = tails.get(t);
          if (next[t] < tail.keys().size() && (s < 0 || tail.rows().windowStartMicros(tail.row(next[t]))
              < tails.get(s).rows().windowStartMicros(tails.get(s).row(next[s])))) {
            s = t;
          }
        }
        if (s < 0) return vectors.count();
        Tail tail = tails.get(s);
        int k = next[s]++;
        String key = tail.keys().get(k);
        if (key.indexOf('\n') >= 0 || key.indexOf('\r') >= 0) {
          throw new IllegalArgumentException("a scope key with a line break: " + key);
        }
        tail.rows().read(tail.row(k), row, 0);
        vectors.append(tail.rows().windowStartMicros(tail.row(k)), row);
        keyFile.write(key);
        keyFile.newLine();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the held-out windows into " + dir, e);
    }
  }

  private static String key(Iterator<String> keys, long row, long rows) {
    if (!keys.hasNext()) {
      throw new IllegalArgumentException("a source has " + rows + " rows but only " + row + " keys");
    }
    return keys.next();
  }

  /**
   * Scores {@code candidate}'s held-out rows with both versions.
   *
   * @throws IllegalArgumentException if the candidate's held-out files are missing, disagree with each other, or do
   *     not fit the models' dimension
   */
  public static Comparison compare(LoadedModel candidateFiles, ScoringModel candidate, ScoringModel current) {
    if (!present(candidateFiles.manifest())) {
      throw new IllegalArgumentException(candidate + " carries no held-out windows");
    }
    try (VectorFile vectors = VectorFile.open(candidateFiles.file(VECTORS));
        BufferedReader keys = Files.newBufferedReader(candidateFiles.file(KEYS), StandardCharsets.UTF_8)) {
      long n = vectors.size();
      if (n == 0) throw new IllegalArgumentException(candidate + " has an empty held-out set");
      double candidateSum = 0;
      double currentSum = 0;
      for (long start = 0; start < n; start += BATCH) {
        int rows = (int) Math.min(BATCH, n - start);
        List<String> batchKeys = new ArrayList<>(rows);
        float[][] batch = new float[rows][vectors.dimension()];
        for (int k = 0; k < rows; k++) {
          String key = keys.readLine();
          if (key == null) {
            throw new IllegalArgumentException(candidate + ": " + KEYS + " has fewer lines than " + VECTORS + " rows ("
                + n + ")");
          }
          batchKeys.add(key);
          vectors.read(start + k, batch[k], 0);
        }
        for (double e : candidate.log1pErrors(batchKeys, batch)) candidateSum += e;
        for (double e : current.log1pErrors(batchKeys, batch)) currentSum += e;
      }
      if (keys.readLine() != null) {
        throw new IllegalArgumentException(candidate + ": " + KEYS + " has more lines than " + VECTORS + " rows ("
            + n + ")");
      }
      return new Comparison(n, candidateSum / n, currentSum / n);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the held-out windows of " + candidate, e);
    }
  }

  /** The comparison in words, for the alias history. */
  static String describe(Comparison c) {
    return String.format(Locale.ROOT, "on the candidate's %,d held-out windows (log1p-space mean squared error)",
        c.rows());
  }
}
