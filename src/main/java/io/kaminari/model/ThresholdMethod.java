package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonValue;
import io.kaminari.model.threshold.LogScores;
import io.kaminari.model.threshold.NormalTail;
import io.kaminari.model.threshold.PeaksOverThreshold;
import io.kaminari.model.threshold.RobustScale;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How the anomaly threshold is derived from calibration scores, and what it reports having used. Four methods, by
 * their text form (also their JSON form, {@link #text()}):
 *
 * <ul>
 *   <li>{@code quantile:Q}: the nearest-rank Q-quantile; with fewer than {@code 1/(1 - Q)} scores, the largest.
 *   <li>{@code sigma:K}: mean + K population standard deviations.
 *   <li>{@code mad:K}: median + K · 1.4826 · MAD of the log scores, back on the raw scale: robust to a minority of
 *       outliers, refuses fewer than {@link Mad#MIN_SCORES} scores.
 *   <li>{@code pot:R/day} or {@code pot:Q}: peaks over threshold with a generalised Pareto tail
 *       ({@link PeaksOverThreshold}), the score exceeded R times a day per scope key (Q per window); optional
 *       {@code ,init=0.9,censor=0.01}. Refuses samples too small for its fit.
 * </ul>
 *
 * <p>The trainer calibrates on the validation windows' scores: the most recent, unseen windows stand in for "normal
 * traffic the model has not memorised" (a threshold fitted on training scores alone is low, because the model
 * reconstructs those best). When they are fewer than {@link #minimumScores()}, it passes the scores of every window
 * of the training range instead (see {@code Calibrator}).
 *
 * <p>One file of a little over 400 lines because the interface is sealed over its four methods: every form a manifest
 * can hold is parsed, validated and written back in one place. The numerics are in {@code io.kaminari.model.threshold}.
 */
public sealed interface ThresholdMethod {
  /** The accepted forms, for error messages. */
  String FORMS = "\"quantile:Q\" (0 < Q < 1), \"sigma:K\" (K > 0), \"mad:K\" (K > 0) or \"pot:R/day\" / \"pot:Q\""
      + " (R > 0 false alarms a day, or 0 < Q < 1 per window; options \",init=0.9,censor=0.01\")";

  /**
   * What the trainer knows about the calibration windows beyond their scores.
   *
   * @param windowSeconds the length of one window, which turns a risk per day into one per window; NaN if unknown
   * @param trimmedScores the scores, by the same model, of the windows of the same range that trimmed retraining
   *     dropped as presumed anomalies (empty without trimming). Quantile, sigma and mad ignore them: they calibrate on
   *     the kept windows. Pot adds them back, because it needs the top of the distribution that trimming cut off and
   *     is built to keep outliers from shaping its fit (far ones dropped, the top censored).
   */
  record Context(double windowSeconds, double[] trimmedScores) {
    /** Nothing known: no window length, nothing trimmed. */
    public static final Context NONE = new Context(Double.NaN);

    public Context {
      trimmedScores = trimmedScores == null ? new double[0] : trimmedScores.clone();
    }

    /** A context without trimmed windows. */
    public Context(double windowSeconds) {
      this(windowSeconds, new double[0]);
    }

    @Override
    public double[] trimmedScores() {
      return trimmedScores.clone();
    }
  }

  /**
   * A calibrated threshold and what it used.
   *
   * @param threshold scores above it are anomalies
   * @param scores how many scores it was calibrated on
   * @param parameters the method's parameters and fitted values (e.g. {@code median_log}, or {@code peaks},
   *     {@code shape}, {@code scale} for pot), for the manifest
   */
  record Calibrated(double threshold, int scores, Map<String, Double> parameters) {
    public Calibrated {
      if (!Double.isFinite(threshold)) {
        throw new IllegalArgumentException("the calibrated threshold is " + threshold);
      }
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
  }

  /** Parses any of the forms above (case and surrounding blanks ignored); other text throws naming the forms. */
  static ThresholdMethod parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("threshold method is required: " + FORMS);
    }
    String s = text.trim().toLowerCase(Locale.ROOT);
    int colon = s.indexOf(':');
    String kind = colon < 0 ? s : s.substring(0, colon);
    String argument = colon < 0 ? "" : s.substring(colon + 1).trim();
    return switch (kind) {
      case "quantile" -> new Quantile(number(argument));
      case "sigma" -> new Sigma(number(argument));
      case "mad" -> new Mad(number(argument));
      case "pot" -> Pot.parseArgument(argument, text);
      default -> throw new IllegalArgumentException("threshold method must be " + FORMS + ", got \"" + text + "\"");
    };
  }

  /**
   * Calibrates on {@code scores} (left unchanged); throws {@link IllegalArgumentException} when it cannot, naming the
   * method, the number of scores and what it needs, because a threshold from too little would be a guess.
   */
  Calibrated calibrate(double[] scores, Context context);

  /** The threshold alone, calibrated without context (so {@code pot:R/day} refuses: it needs the window length). */
  default double threshold(double[] scores) {
    return calibrate(scores, Context.NONE).threshold();
  }

  /**
   * How many scores the method needs to mean what it says: {@code ceil(1 / (1 - Q))} for a quantile (fewer, and the
   * nearest-rank quantile is simply the largest score), 1 for sigma, {@link Mad#MIN_SCORES} for mad, and for pot
   * enough for {@link PeaksOverThreshold#MIN_PEAKS} peaks. The trainer calibrates on more windows than the validation
   * set when it holds fewer.
   */
  long minimumScores();

  /**
   * Whether the method refuses fewer than {@link #minimumScores()} scores (mad, pot) rather than degrading (quantile
   * takes the largest score; sigma needs only one), so the trainer can refuse before it trains.
   */
  default boolean refusesFewer() {
    return false;
  }

  /**
   * This method with its false-alarm risk divided by {@code divisor} (&gt; 0): how a budget is shared out, among the
   * detectors of a verdict (2: the autoencoder and the AR forecaster each get half) and among the scope keys of a
   * window (the keys active per window: under {@code dst-prefix} a window fires when any of its prefixes does). The
   * risk is the share of windows above the threshold: {@code quantile:Q} keeps {@code (1 - Q) / divisor} above it,
   * {@code pot} divides its rate; for the methods stated in sigmas, {@code sigma:K} and {@code mad:K}, the K whose
   * normal tail beyond it is the original tail / divisor ({@code mad:3} / 2 = {@code mad:3.205}). {@code divisor} 1
   * returns this method.
   */
  ThresholdMethod withRiskDividedBy(double divisor);

  /** The K with a normal tail beyond it of {@code P(Z > k) / divisor}: the sigma methods' share of a budget. */
  private static double sharedSigmas(double k, double divisor) {
    return NormalTail.inverseUpper(NormalTail.upper(k) / divisor);
  }

  private static void checkDivisor(double divisor) {
    if (!(divisor >= 1 && Double.isFinite(divisor))) {
      throw new IllegalArgumentException("a false-alarm budget is shared by a divisor >= 1, got " + divisor);
    }
  }

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
    public Calibrated calibrate(double[] scores, Context context) {
      requireScores(scores, this);
      double[] sorted = scores.clone();
      Arrays.sort(sorted);
      int rank = Math.max((int) Math.ceil(q * sorted.length), 1);
      Map<String, Double> parameters = new LinkedHashMap<>();
      parameters.put("quantile", q);
      parameters.put("rank", (double) rank);
      return new Calibrated(sorted[rank - 1], scores.length, parameters);
    }

    @Override
    public ThresholdMethod withRiskDividedBy(double divisor) {
      checkDivisor(divisor);
      return divisor == 1 ? this : new Quantile(1 - (1 - q) / divisor);
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
    public Calibrated calibrate(double[] scores, Context context) {
      requireScores(scores, this);
      double sum = 0;
      for (double s : scores) {
        sum += s;
      }
      double mean = sum / scores.length;
      double squares = 0;
      for (double s : scores) {
        squares += (s - mean) * (s - mean);
      }
      double std = Math.sqrt(squares / scores.length);
      Map<String, Double> parameters = new LinkedHashMap<>();
      parameters.put("k", k);
      parameters.put("mean", mean);
      parameters.put("std", std);
      return new Calibrated(mean + k * std, scores.length, parameters);
    }

    @Override
    public ThresholdMethod withRiskDividedBy(double divisor) {
      checkDivisor(divisor);
      return divisor == 1 ? this : new Sigma(sharedSigmas(k, divisor));
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

  /** Median + k · 1.4826 · MAD of the log scores ({@link LogScores}), back on the raw scale. */
  record Mad(double k) implements ThresholdMethod {
    /**
     * Scores mad needs. The median and MAD of fewer are too coarse (a quarter of 40 scores is 10), and in a one-day
     * range of 5-minute windows the 29 validation windows are the last 2.4 hours: with this minimum such a range
     * calibrates on the whole day, the daily cycle included.
     */
    public static final int MIN_SCORES = 100;

    public Mad {
      if (!(k > 0 && Double.isFinite(k))) {
        throw new IllegalArgumentException("threshold mad multiplier must be > 0, e.g. \"mad:4\", got " + k);
      }
    }

    @Override
    public Calibrated calibrate(double[] scores, Context context) {
      requireScores(scores, this);
      if (scores.length < MIN_SCORES) {
        throw new IllegalArgumentException("cannot calibrate threshold " + text() + " on " + scores.length
            + " scores: it needs at least " + MIN_SCORES + " (train on a longer range)");
      }
      RobustScale robust = RobustScale.of(LogScores.of(scores, text()));
      if (!(robust.mad() > 0)) {
        throw new IllegalArgumentException("cannot calibrate threshold " + text() + " on " + scores.length
            + " scores: more than half of them are equal, so their spread (MAD) is 0");
      }
      Map<String, Double> parameters = new LinkedHashMap<>();
      parameters.put("k", k);
      parameters.put("median_log", robust.median());
      parameters.put("mad_log", robust.mad());
      return new Calibrated(Math.exp(robust.median() + k * robust.sigma()), scores.length, parameters);
    }

    @Override
    public ThresholdMethod withRiskDividedBy(double divisor) {
      checkDivisor(divisor);
      return divisor == 1 ? this : new Mad(sharedSigmas(k, divisor));
    }

    @Override
    public long minimumScores() {
      return MIN_SCORES;
    }

    @Override
    public boolean refusesFewer() {
      return true;
    }

    @Override
    public String text() {
      return "mad:" + k;
    }
  }

  /**
   * Peaks over threshold ({@link PeaksOverThreshold}): the score exceeded with probability q per window, where q is
   * given ({@code pot:Q}) or follows from a rate per day and the window length ({@code pot:R/day}: q = R · window
   * seconds / 86,400, R false alarms a day for each scope key, i.e. each series of windows).
   *
   * @param risk R (per day) or q (per window)
   * @param perDay whether {@code risk} is per day
   * @param init the quantile of the scores that sets the initial threshold t
   * @param censor the share of the scores, at least, whose largest peaks are censored
   */
  record Pot(double risk, boolean perDay, double init, double censor) implements ThresholdMethod {
    public static final double DEFAULT_INIT = 0.9;
    public static final double DEFAULT_CENSOR = 0.01;

    public Pot {
      if (!(risk > 0 && Double.isFinite(risk)) || (!perDay && !(risk < 1))) {
        throw new IllegalArgumentException("threshold pot risk must be R/day with R > 0 or a probability per window in"
            + " (0, 1), e.g. \"pot:1/day\" or \"pot:0.001\", got " + risk + (perDay ? "/day" : ""));
      }
      if (!(init > 0 && init < 1)) {
        throw new IllegalArgumentException("threshold pot init must be a quantile in (0, 1), e.g. 0.9, got " + init);
      }
      if (!(censor >= 0 && censor < 1 - init)) {
        throw new IllegalArgumentException("threshold pot censor must be in [0, 1 - init), e.g. 0.01, got " + censor);
      }
      PeaksOverThreshold.minimumScores(init, censor); // refuses a pair that leaves (almost) no peaks
    }

    static Pot parseArgument(String argument, String text) {
      String[] parts = argument.split(",");
      String first = parts[0].trim();
      boolean perDay = first.endsWith("/day");
      double risk = number(perDay ? first.substring(0, first.length() - "/day".length()) : first);
      double init = DEFAULT_INIT;
      double censor = DEFAULT_CENSOR;
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].split("=", 2);
        String key = kv[0].trim();
        double value = kv.length == 2 ? number(kv[1]) : Double.NaN;
        switch (key) {
          case "init" -> init = value;
          case "censor" -> censor = value;
          default -> throw new IllegalArgumentException("threshold pot accepts the options init=Q and censor=F, got \""
              + parts[i].trim() + "\" in \"" + text + "\"");
        }
      }
      return new Pot(risk, perDay, init, censor);
    }

    @Override
    public Calibrated calibrate(double[] scores, Context context) {
      requireScores(scores, this);
      double q = risk;
      if (perDay) {
        if (!(context.windowSeconds() > 0)) {
          throw new IllegalArgumentException("cannot calibrate threshold " + text() + ": turning a rate per day into"
              + " a risk per window needs the window length, which is unknown here (use pot:Q with Q per window)");
        }
        q = risk * context.windowSeconds() / 86_400;
        if (!(q < 1)) {
          throw new IllegalArgumentException("cannot calibrate threshold " + text() + ": " + risk + " a day is more"
              + " than one per window of " + context.windowSeconds() + " s");
        }
      }
      double[] trimmed = context.trimmedScores();
      double[] all = Arrays.copyOf(scores, scores.length + trimmed.length);
      System.arraycopy(trimmed, 0, all, scores.length, trimmed.length);
      PeaksOverThreshold.Fit fit = PeaksOverThreshold.fit(LogScores.of(all, text()), init, censor, q, text());
      Map<String, Double> parameters = new LinkedHashMap<>();
      parameters.put("risk_per_window", q);
      if (perDay) {
        parameters.put("risk_per_day", risk);
        parameters.put("window_seconds", context.windowSeconds());
      }
      parameters.put("init_quantile", init);
      parameters.put("initial_threshold", fit.initialThreshold());
      parameters.put("censor_fraction", censor);
      parameters.put("scores", (double) fit.scores());
      parameters.put("peaks", (double) fit.peaks());
      parameters.put("censored", (double) fit.censored());
      parameters.put("outliers", (double) fit.outliers());
      parameters.put("shape", fit.tail().shape());
      parameters.put("scale_log", fit.tail().scale());
      parameters.put("trimmed_scores", (double) trimmed.length);
      return new Calibrated(fit.threshold(), all.length, parameters);
    }

    @Override
    public ThresholdMethod withRiskDividedBy(double divisor) {
      checkDivisor(divisor);
      return divisor == 1 ? this : new Pot(risk / divisor, perDay, init, censor);
    }

    @Override
    public long minimumScores() {
      return PeaksOverThreshold.minimumScores(init, censor);
    }

    @Override
    public boolean refusesFewer() {
      return true;
    }

    @Override
    public String text() {
      return "pot:" + risk + (perDay ? "/day" : "") + ",init=" + init + ",censor=" + censor;
    }
  }

  private static double number(String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      return Double.NaN; // each constructor's range check names the field and the accepted form
    }
  }

  private static void requireScores(double[] scores, ThresholdMethod method) {
    if (scores == null || scores.length == 0) {
      throw new IllegalArgumentException("cannot calibrate threshold " + method.text() + " without validation scores");
    }
  }
}
