package io.kaminari.model;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * per line, in the same order). At most {@link #MAX_ROWS} rows, evenly spaced over the held-out rows when there are
 * more (a busy {@code dst-prefix} range holds millions), so a version stays small: 100,000 rows of 40 features are
 * 17 MB.
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
   * Writes the held-out rows of {@code sources} into {@code dir}: of each source, its last
   * {@link Trainer#validationRows} rows, with the scope keys {@code keys} gives for its rows in order (one iterator per
   * source, read once, from its first row), merged in time order. Returns the rows written.
   */
  public static long write(Path dir, List<? extends VectorSource> sources, List<? extends Iterator<String>> keys,
      double validationFraction) {
    if (sources.size() != keys.size() || sources.isEmpty()) {
      throw new IllegalArgumentException(sources.size() + " sources with " + keys.size() + " key lists");
    }
    int n = sources.size();
    long[] next = new long[n];
    long total = 0;
    for (int s = 0; s < n; s++) {
      VectorSource source = sources.get(s);
      next[s] = source.size() - Trainer.validationRows(source.size(), validationFraction);
      total += source.size() - next[s];
      for (long i = 0; i < next[s]; i++) key(keys.get(s), s, i, source.size());
    }
    long stride = Math.max(1, (total + MAX_ROWS - 1) / MAX_ROWS);
    int dim = sources.get(0).dimension();
    float[] row = new float[dim];
    // The sources' tails merged in time order (a VectorFile's rows must not go back in time), ties by source.
    try (VectorFile.Writer vectors = VectorFile.create(dir.resolve(VECTORS), dim);
        BufferedWriter keyFile = Files.newBufferedWriter(dir.resolve(KEYS), StandardCharsets.UTF_8)) {
      for (long seen = 0; seen < total; seen++) {
        int s = -1;
        for (int t = 0; t < n; t++) {
          if (next[t] < sources.get(t).size() && (s < 0
              || sources.get(t).windowStartMicros(next[t]) < sources.get(s).windowStartMicros(next[s]))) {
            s = t;
          }
        }
        VectorSource source = sources.get(s);
        long i = next[s]++;
        String key = key(keys.get(s), s, i, source.size());
        if (seen % stride != 0) continue;
        if (key.indexOf('\n') >= 0 || key.indexOf('\r') >= 0) {
          throw new IllegalArgumentException("a scope key with a line break: " + key);
        }
        source.read(i, row, 0);
        vectors.append(source.windowStartMicros(i), row);
        keyFile.write(key);
        keyFile.newLine();
      }
      return vectors.count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the held-out windows into " + dir, e);
    }
  }

  private static String key(Iterator<String> keys, int source, long row, long rows) {
    if (!keys.hasNext()) {
      throw new IllegalArgumentException("source " + source + " has " + rows + " rows but only " + row + " keys");
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
