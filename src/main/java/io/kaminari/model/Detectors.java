package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What a version's production verdict is made of, as the manifest's {@code detectors} field records it: the
 * false-alarm budget, how it was shared out, the AR forecaster beside the autoencoder (or why there is none), the
 * fusion rule, and under {@code dst-prefix} the traffic-level groups. Manifests written before it existed have none:
 * their verdict is the autoencoder's alone, against the manifest's threshold.
 *
 * @param budget the false-alarm budget per scope, as the method that calibrates it ({@code Hyperparameters.threshold})
 * @param rule the verdict in words
 * @param fusion how the two detectors make the verdict ({@link Fusion.Rule#text()}); null without an AR forecaster
 *     and in manifests written before the choice existed, whose verdict is the {@code union}
 * @param aeRiskDivisor the autoencoder's share of the budget: its method is the budget's with the risk divided by this
 *     (2 with an AR forecaster; under {@code dst-prefix} the keys per window)
 * @param ar the AR forecaster, or null
 * @param arNote why there is no AR forecaster; null when there is one
 * @param scopeGroups the traffic-level groups under {@code dst-prefix}; null under {@code global}
 * @param keyHistory under {@code dst-prefix}, the per-prefix rule ({@link KeyHistory}); null under {@code global} and
 *     in versions trained before it, whose prefixes are all judged by their group's threshold
 */
@JsonPropertyOrder({"budget", "rule", "fusion", "ae_risk_divisor", "ar", "ar_note", "scope_groups", "key_history"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Detectors(
    @JsonProperty("budget") String budget,
    @JsonProperty("rule") String rule,
    @JsonProperty("fusion") String fusion,
    @JsonProperty("ae_risk_divisor") double aeRiskDivisor,
    @JsonProperty("ar") Ar ar,
    @JsonProperty("ar_note") String arNote,
    @JsonProperty("scope_groups") ScopeGroups scopeGroups,
    @JsonProperty("key_history") KeyHistory keyHistory) {

  /** The verdict with both detectors, by the {@code union} rule. */
  public static final String RULE_FUSED = "anomalous when the autoencoder or the AR forecaster fires (score above its"
      + " own threshold); score = max(ae / threshold_ae, ar / threshold_ar) against 1.0; each detector calibrated to"
      + " half the budget";
  /** The verdict with both detectors, by the {@code ar-led} rule. */
  public static final String RULE_AR_LED = "anomalous when the AR forecaster fires (score above its own threshold);"
      + " score = ar / threshold_ar against 1.0; the autoencoder's score and top features explain the window but do"
      + " not raise a verdict alone; the AR forecaster calibrated to the whole budget, the autoencoder to half";
  /** The verdict under {@code dst-prefix} with {@link KeyHistory}. */
  public static final String RULE_KEY_HISTORY = "a prefix with a threshold of its own (the " + KeyHistory.QUANTILE
      + " quantile of its training scores) is anomalous when its autoencoder score is above it in this window and in"
      + " at least " + KeyHistory.SUSTAIN + " of its last " + KeyHistory.SPAN + " windows; score = min(ae / own"
      + " threshold, the " + KeyHistory.SUSTAIN + "-th largest of the last " + KeyHistory.SPAN + ") against 1.0,"
      + " unless the window is one conversation's traffic (its top source and its top destination port each carry"
      + " more than half of its packets) and has no more packets than its traffic group's busiest training window"
      + " (then score = at most 1.0); any"
      + " other prefix is anomalous when its autoencoder score is above its traffic group's threshold; and any"
      + " prefix is anomalous when its flow records exceed the training range's largest in a window, its own (or its"
      + " traffic group's without a threshold of its own), by the larger of " + io.kaminari.model.ar.RateRule.MARGIN
      + " x and " + (int) io.kaminari.model.ar.RateRule.SIGMAS + " Poisson sigmas; score = the larger of the two"
      + " ratios";
  /** The verdict of the autoencoder alone. */
  public static final String RULE_AE = "anomalous when the autoencoder fires (score above its threshold); score ="
      + " ae / threshold_ae against 1.0";

  /**
   * The AR forecaster of the version.
   *
   * @param file its file in the version directory ({@code ar-forecaster.json})
   * @param threshold its threshold, in robust sigmas (the file holds the same)
   * @param thresholdMethod how the threshold was calibrated, in words
   * @param calibration the same as data
   * @param riskDivisor its share of the budget: the AR method with the risk divided by this
   * @param series how many series it forecasts
   * @param trainWindows the present windows it was fitted on
   */
  @JsonPropertyOrder({"file", "threshold", "threshold_method", "calibration", "risk_divisor", "series",
      "train_windows"})
  public record Ar(
      @JsonProperty("file") String file,
      @JsonProperty("threshold") double threshold,
      @JsonProperty("threshold_method") String thresholdMethod,
      @JsonProperty("calibration") Calibration calibration,
      @JsonProperty("risk_divisor") double riskDivisor,
      @JsonProperty("series") int series,
      @JsonProperty("train_windows") long trainWindows) {
    public Ar {
      ModelManifest.checkRelativePath(file);
      if (!(threshold > 0 && Double.isFinite(threshold))) {
        throw new IllegalArgumentException("detectors.ar.threshold must be finite and > 0, got " + threshold);
      }
    }
  }

  /**
   * Whether a key's verdict depends on its earlier windows (an AR forecaster, or a {@link KeyHistory}): then its
   * windows must be scored in time order, after the windows before a range.
   */
  public boolean keyState() {
    return ar != null || keyHistory != null;
  }

  /** The rule the verdict is made by: {@code union} where {@link #fusion()} is absent. */
  public Fusion.Rule fusionRule() {
    return fusion == null ? Fusion.Rule.UNION : Fusion.Rule.parse(fusion);
  }

  public Detectors {
    if (budget == null || budget.isBlank()) throw new IllegalArgumentException("detectors.budget is required");
    if (!(aeRiskDivisor >= 1 && Double.isFinite(aeRiskDivisor))) {
      throw new IllegalArgumentException("detectors.ae_risk_divisor must be >= 1, got " + aeRiskDivisor);
    }
    if (ar == null && (arNote == null || arNote.isBlank())) {
      throw new IllegalArgumentException("detectors without an AR forecaster must say why (ar_note)");
    }
    if (keyHistory != null && scopeGroups == null) {
      throw new IllegalArgumentException("detectors.key_history needs the dst-prefix scope_groups");
    }
    if (fusion != null) {
      if (ar == null) throw new IllegalArgumentException("detectors.fusion needs an AR forecaster to fuse with");
      Fusion.Rule.parse(fusion);
    }
  }
}
