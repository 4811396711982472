package io.kaminari.model;

/**
 * The production verdict of a window from its two detectors' scores, each against its own calibrated threshold, with a
 * combined score against 1.0, by one of two rules ({@link Rule}, the model definition's {@code fusion}).
 *
 * <p><b>The rules.</b> A detector fires when its score is strictly above its threshold (as {@code is_anomaly} always
 * was: a score equal to the threshold does not fire).
 * <ul>
 *   <li>{@code union}: anomalous when the autoencoder or the AR forecaster fires; the combined score is
 *       {@code max(ae / thresholdAe, ar / thresholdAr)}, which ranks windows by how far past its own threshold the more
 *       alarmed detector is (the raw scores are on unrelated scales: a mean squared error and robust sigmas).
 *   <li>{@code ar-led} (the default): anomalous when the AR forecaster fires; the combined score is
 *       {@code ar / thresholdAr}. The autoencoder's score, threshold and top features stay in every row, and
 *       {@link Verdict#fired()} still says when it was above its threshold, but it does not raise a verdict alone.
 *       Why: over every run of the evaluation suite (16 runs, 288 to 1,440 test windows each), the windows the
 *       autoencoder flagged alone were all false alarms, and every attack window it flagged the AR forecaster flagged
 *       too (docs/evaluation.md, "The fusion rule"). Where a version has no AR forecaster (under {@code dst-prefix}, or
 *       a range too short for one) the verdict is the autoencoder's ({@link #aeOnly}), whatever the rule.
 * </ul>
 * Either way the combined score is above {@link #THRESHOLD} = 1.0 exactly when the verdict is anomalous, so
 * {@code is_anomaly == score > threshold} keeps holding for the fused row.
 *
 * <p><b>Calibration.</b> With a false-alarm budget α (per window, or per day for a risk-based method), calibrate each
 * detector to α / 2 on its own scores: by the union bound, P(AE or AR fires) ≤ P(AE) + P(AR) = α, whatever the
 * dependence between them (for a quantile method, {@code quantile:Q} becomes {@code quantile:(1 + Q) / 2}). The bound
 * is tight when the two rarely fire together and conservative when they are correlated, which they are on floods
 * (both see the volume): then the total false-alarm rate is below α, never above. Under {@code ar-led} the
 * autoencoder's half is not spent, so the verdict is conservative by that much. A jointly calibrated threshold on the
 * combined score would spend the whole budget, but it needs both detectors' scores on the same held-out windows, and
 * the autoencoder's training scores are not out of sample; the union bound needs neither, so it is the default.
 *
 * <p>Where the AR score is unavailable (no forecaster for the scope, see {@link #aeOnly}), the verdict is the
 * autoencoder's alone, still against its halved budget.
 */
public final class Fusion {
  private Fusion() {}

  /** The combined score's threshold: each detector's score is divided by its own threshold. */
  public static final double THRESHOLD = 1.0;

  /** How the two detectors make the verdict: the model definition's {@code fusion}, recorded in the manifest. */
  public enum Rule {
    UNION("union"), AR_LED("ar-led");

    /** The forms {@link #parse} accepts, for messages. */
    public static final String FORMS = "\"union\" or \"ar-led\"";

    private final String text;

    Rule(String text) {
      this.text = text;
    }

    /** {@code union} or {@code ar-led}. */
    public String text() {
      return text;
    }

    /** The rule named {@code text}; anything else is an {@link IllegalArgumentException} saying what is accepted. */
    public static Rule parse(String text) {
      for (Rule r : values()) {
        if (r.text.equals(text)) return r;
      }
      throw new IllegalArgumentException("fusion must be " + FORMS + ", got \"" + text + "\"");
    }
  }

  /**
   * Which detectors fired (were above their own thresholds): the {@code fired} column of {@code anomaly_scores}. Under
   * {@code dst-prefix}, where there is no AR forecaster, the prefix rate ({@link PrefixRate}) takes its place:
   * {@code rate} or {@code ae+rate}.
   */
  public enum Fired {
    NONE("none"), AE("ae"), AR("ar"), BOTH("ae+ar"), RATE("rate"), AE_RATE("ae+rate");

    private final String text;

    Fired(String text) {
      this.text = text;
    }

    /** {@code none}, {@code ae}, {@code ar}, {@code ae+ar}, {@code rate} or {@code ae+rate}. */
    public String text() {
      return text;
    }

    static Fired of(boolean ae, boolean ar) {
      return ae ? (ar ? BOTH : AE) : (ar ? AR : NONE);
    }
  }

  /**
   * The verdict of one window.
   *
   * @param score {@code max(aeRatio, arRatio)} under {@code union}, {@code arRatio} under {@code ar-led}; compare
   *     with {@link #THRESHOLD}
   * @param anomaly the verdict; equal to {@code score > THRESHOLD}
   * @param fired which detectors were above their own thresholds (under {@code ar-led}, {@code ae} alone is not a
   *     verdict)
   * @param aeRatio the autoencoder's score / its threshold
   * @param arRatio the AR score / its threshold, NaN when there was no AR score
   */
  public record Verdict(double score, boolean anomaly, Fired fired, double aeRatio, double arRatio) {
    public double threshold() {
      return THRESHOLD;
    }
  }

  /**
   * The verdict from both detectors by {@code rule}. Scores must be finite and ≥ 0, thresholds finite and &gt; 0: a
   * threshold of 0 would fire on every window, and a non-finite value is a bug upstream that must not pass as a
   * verdict.
   */
  public static Verdict of(Rule rule, double aeScore, double aeThreshold, double arScore, double arThreshold) {
    double ae = ratio("AE", aeScore, aeThreshold);
    double ar = ratio("AR", arScore, arThreshold);
    boolean aeFires = aeScore > aeThreshold;
    boolean arFires = arScore > arThreshold;
    Fired fired = Fired.of(aeFires, arFires);
    return switch (rule) {
      case UNION -> new Verdict(Math.max(ae, ar), aeFires || arFires, fired, ae, ar);
      case AR_LED -> new Verdict(ar, arFires, fired, ae, ar);
    };
  }

  /** The verdict by the {@code union} rule. */
  public static Verdict of(double aeScore, double aeThreshold, double arScore, double arThreshold) {
    return of(Rule.UNION, aeScore, aeThreshold, arScore, arThreshold);
  }

  /** The verdict when there is no AR score for the window: the autoencoder's alone ({@code arRatio} is NaN). */
  public static Verdict aeOnly(double aeScore, double aeThreshold) {
    double ae = ratio("AE", aeScore, aeThreshold);
    boolean fires = aeScore > aeThreshold;
    return new Verdict(ae, fires, fires ? Fired.AE : Fired.NONE, ae, Double.NaN);
  }

  /**
   * The verdict of a {@code dst-prefix} key judged by its own history ({@link KeyHistory}): {@code sustained} (already
   * a ratio to the key's own threshold) against 1.0; {@code aeRatio} is this window's score over that threshold.
   */
  public static Verdict sustained(double aeScore, double ownThreshold, double sustained) {
    double ae = ratio("AE", aeScore, ownThreshold);
    boolean fires = sustained > THRESHOLD;
    return new Verdict(sustained, fires, fires ? Fired.AE : Fired.NONE, ae, Double.NaN);
  }

  /**
   * {@code v} with the {@code dst-prefix} prefix rate ({@link PrefixRate}) beside it, as the {@code union} rule joins
   * two detectors: the score is the larger of {@code v}'s and {@code rateRatio} (the window's rate over the rule's
   * threshold), anomalous when either is above 1.0, and {@code fired} gains {@code rate} when the rate is.
   *
   * @throws IllegalArgumentException if {@code rateRatio} is not finite and ≥ 0, or {@code v} has an AR score (the
   *     rule exists only where there is no forecaster)
   */
  public static Verdict withRate(Verdict v, double rateRatio) {
    if (!(rateRatio >= 0 && Double.isFinite(rateRatio))) {
      throw new IllegalArgumentException("rate ratio must be finite and >= 0, got " + rateRatio);
    }
    if (!Double.isNaN(v.arRatio())) {
      throw new IllegalArgumentException("the prefix rate joins verdicts without an AR score, got " + v);
    }
    boolean fires = rateRatio > THRESHOLD;
    Fired fired = !fires ? v.fired() : v.fired() == Fired.AE ? Fired.AE_RATE : Fired.RATE;
    return new Verdict(Math.max(v.score(), rateRatio), v.anomaly() || fires, fired, v.aeRatio(), v.arRatio());
  }

  private static double ratio(String detector, double score, double threshold) {
    if (!(threshold > 0 && Double.isFinite(threshold))) {
      throw new IllegalArgumentException(detector + " threshold must be finite and > 0, got " + threshold);
    }
    if (!(score >= 0 && Double.isFinite(score))) {
      throw new IllegalArgumentException(detector + " score must be finite and >= 0, got " + score);
    }
    return score / threshold;
  }
}
