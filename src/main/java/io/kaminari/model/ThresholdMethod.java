package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * How the anomaly threshold is derived from the validation windows' scores: a quantile ({@code quantile:0.999}) or
 * mean plus k standard deviations ({@code sigma:3}). When the validation windows are fewer than
 * {@link #minimumScores()}, the trainer passes the scores of every window of the training range instead.
 *
 * <p>Validation windows are the most recent, unseen ones, so their scores stand in for "normal traffic the model has
 * not memorised"; a threshold fitted on training scores alone would be too low, because the model reconstructs those
 * best. The trainer mixes them in only when the validation windows are too few for the method (see
 * {@code Trainer.calibrate}).
 */
public sealed interface ThresholdMethod {

  /** Parses {@code quantile:Q} (0 &lt; Q &lt; 1) or {@code sigma:K} (K &gt; 0); other text throws with the accepted forms. */
  static ThresholdMethod parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("threshold method is required: \"quantile:0.999\" or \"sigma:3\"");
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    int colon = s.indexOf(':');
    String kind = colon < 0 ? s : s.substring(0, colon);
    double value;
    try {
      value = colon < 0 ? Double.NaN : Double.parseDouble(s.substring(colon + 1).trim());
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    return switch (kind) {
      case "quantile" -> new Quantile(value);
      case "sigma" -> new Sigma(value);
      default -> throw new IllegalArgumentException(
          "threshold method must be \"quantile:Q\" (0 < Q < 1) or \"sigma:K\" (K > 0), got \"" + text + "\"");
    };
  }

  /** The threshold for these scores; throws when there are none, because a threshold from nothing would be a guess. */
  double threshold(double[] scores);

  /**
   * How many scores the method needs to mean what it says: {@code ceil(1 / (1 - Q))} for a quantile (fewer, and the
   * nearest-rank quantile is simply the largest score), 1 for sigma. The trainer calibrates on more windows than the
   * validation set when it holds fewer.
   */
  long minimumScores();

  /** The textual form {@link #parse} reads back, e.g. {@code quantile:0.999}; also its JSON form. */
  @JsonValue
  String text();

  /**
   * The q-quantile by the nearest-rank method: the smallest score with at least q of the scores at or below it, so
   * with n scores about (1 - q)·n of them lie strictly above the threshold.
   */
  record Quantile(double q) implements ThresholdMethod {
    public Quantile {
      if (!(q > 0 && q < 1)) {
        throw new IllegalArgumentException("threshold quantile must be in (0, 1), e.g. \"quantile:0.999\", got " + q);
      }
    }

    @Override
    public double threshold(double[] scores) {
      requireScores(scores);
      double[] sorted = scores.clone();
      Arrays.sort(sorted);
      int rank = (int) Math.ceil(q * sorted.length);
      return sorted[Math.max(rank, 1) - 1];
    }

    @Override
    public long minimumScores() {
      // The rounding guard keeps 1 / (1 - 0.999) = 1000.0000000000009 at 1000.
      return (long) Math.ceil(1 / (1 - q) - 1e-9);
    }

    @Override
    public String text() {
      return "quantile:" + q;
    }
  }

  /** Mean + k × population standard deviation of the scores. */
  record Sigma(double k) implements ThresholdMethod {
    public Sigma {
      if (!(k > 0 && Double.isFinite(k))) {
        throw new IllegalArgumentException("threshold sigma multiplier must be > 0, e.g. \"sigma:3\", got " + k);
      }
    }

    @Override
    public double threshold(double[] scores) {
      requireScores(scores);
      double sum = 0;
      for (double s : scores) {
        sum += s;
      }
      double mean = sum / scores.length;
      double squares = 0;
      for (double s : scores) {
        squares += (s - mean) * (s - mean);
      }
      return mean + k * Math.sqrt(squares / scores.length);
    }

    @Override
    public long minimumScores() {
      return 1;
    }

    @Override
    public String text() {
      return "sigma:" + k;
    }
  }

  private static void requireScores(double[] scores) {
    if (scores == null || scores.length == 0) {
      throw new IllegalArgumentException("cannot calibrate a threshold without validation scores");
    }
  }
}
