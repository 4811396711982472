package io.kaminari.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which windows trimmed retraining keeps: in the training and in the validation windows each, all but the
 * {@code round(fraction · n)} with the highest first-pass scores, the presumed anomalies.
 *
 * <p>Each part is trimmed on its own because the first-pass model fitted the training windows and not the validation
 * ones: ranked together, the unseen validation windows would be trimmed for being unseen, not for being odd. The
 * kept and the trimmed windows are views of the original source, so the vectors stay where they are; the heap holds
 * one int per kept window, and during {@link #select} one score per window.
 */
final class Trimming {
  /** Keeps everything: the single-pass run. */
  static final Trimming NONE = new Trimming(0, null, null, 0, 0, List.of());

  private final double fraction;
  private final int[] keptTrain;
  private final int[] keptValidation;
  private final int trimmedTrain;
  private final int trimmedValidation;
  private final List<String> trimmedStarts;

  private Trimming(double fraction, int[] keptTrain, int[] keptValidation, int trimmedTrain, int trimmedValidation,
      List<String> trimmedStarts) {
    this.fraction = fraction;
    this.keptTrain = keptTrain;
    this.keptValidation = keptValidation;
    this.trimmedTrain = trimmedTrain;
    this.trimmedValidation = trimmedValidation;
    this.trimmedStarts = List.copyOf(trimmedStarts);
  }

  /**
   * Trims {@code fraction} of each part by its first-pass scores (one per window, in source order); ties at the cut
   * are trimmed in time order, so the choice is deterministic.
   */
  static Trimming select(double fraction, VectorSource train, double[] trainScores, VectorSource validation,
      double[] validationScores) {
    boolean[] trimTrain = top(trainScores, fraction);
    boolean[] trimValidation = top(validationScores, fraction);
    List<String> starts = new ArrayList<>();
    listStarts(train, trimTrain, starts);
    listStarts(validation, trimValidation, starts);
    return new Trimming(fraction, kept(trimTrain), kept(trimValidation), count(trimTrain), count(trimValidation),
        starts);
  }

  double fraction() {
    return fraction;
  }

  int trimmedTrain() {
    return trimmedTrain;
  }

  int trimmedValidation() {
    return trimmedValidation;
  }

  int trimmed() {
    return trimmedTrain + trimmedValidation;
  }

  /** The trimmed windows' starts in time order, at most {@link Calibration#MAX_LISTED}. */
  List<String> trimmedStarts() {
    return trimmedStarts;
  }

  /** The kept training windows of {@code train} (the source {@link #select} ranked), or all of it for {@link #NONE}. */
  VectorSource keptTrain(VectorSource train) {
    return keptTrain == null ? train : kept(train, keptTrain);
  }

  /** The kept validation windows, as {@link #keptTrain}. */
  VectorSource keptValidation(VectorSource validation) {
    return keptValidation == null ? validation : kept(validation, keptValidation);
  }

  /** The trimmed training windows of {@code train}, in order; null when none was trimmed. */
  VectorSource trimmedTrain(VectorSource train) {
    return trimmedTrain == 0 ? null : kept(train, complement(keptTrain, (int) train.size()));
  }

  /** The trimmed validation windows, as {@link #trimmedTrain}. */
  VectorSource trimmedValidation(VectorSource validation) {
    return trimmedValidation == 0 ? null : kept(validation, complement(keptValidation, (int) validation.size()));
  }

  /**
   * Marks the {@code round(fraction · n)} highest scores: at most half of them and never all, since fraction &lt; 0.5.
   */
  static boolean[] top(double[] scores, double fraction) {
    int n = scores.length;
    int k = (int) Math.round(fraction * n);
    boolean[] trim = new boolean[n];
    if (k == 0) {
      return trim;
    }
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    double cut = sorted[n - k];
    int marked = 0;
    for (int i = 0; i < n; i++) {
      if (scores[i] > cut || Double.isNaN(scores[i])) {
        trim[i] = true;
        marked++;
      }
    }
    for (int i = 0; i < n && marked < k; i++) {
      if (scores[i] == cut) {
        trim[i] = true;
        marked++;
      }
    }
    return trim;
  }

  private static void listStarts(VectorSource source, boolean[] trimmed, List<String> out) {
    for (int i = 0; i < trimmed.length && out.size() < Calibration.MAX_LISTED; i++) {
      if (trimmed[i]) {
        long micros = source.windowStartMicros(i);
        out.add(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L)
            .toString());
      }
    }
  }

  /** The rows of [0, n) not in {@code rows} (ascending). */
  private static int[] complement(int[] rows, int n) {
    int[] out = new int[n - rows.length];
    int j = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (k < rows.length && rows[k] == i) {
        k++;
      } else {
        out[j++] = i;
      }
    }
    return out;
  }

  private static int count(boolean[] marks) {
    int c = 0;
    for (boolean m : marks) {
      if (m) c++;
    }
    return c;
  }

  private static int[] kept(boolean[] trimmed) {
    int[] rows = new int[trimmed.length - count(trimmed)];
    int j = 0;
    for (int i = 0; i < trimmed.length; i++) {
      if (!trimmed[i]) rows[j++] = i;
    }
    return rows;
  }

  /** The rows {@code rows} (ascending) of {@code source}, in order, as a source of their own. */
  private static VectorSource kept(VectorSource source, int[] rows) {
    return new VectorSource() {
      @Override
      public int dimension() {
        return source.dimension();
      }

      @Override
      public long size() {
        return rows.length;
      }

      @Override
      public long windowStartMicros(long index) {
        return source.windowStartMicros(rows[(int) VectorSource.checkIndex(index, rows.length)]);
      }

      @Override
      public void read(long index, float[] dst, int offset) {
        source.read(rows[(int) VectorSource.checkIndex(index, rows.length)], dst, offset);
      }
    };
  }
}
