package io.kaminari.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kaminari.common.InstantText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The scorer's output for one window and scope key: the value of a record on the output topic, whose key is
 * {@link #key()}; every JSON field name of that record is declared here and nowhere else.
 *
 * @param windowStart inclusive window start (UTC), e.g. {@code 2024-05-01T00:05:00Z}
 * @param windowEnd exclusive window end
 * @param scope the feature spec's scope ({@code global} or {@code dst-prefix})
 * @param scopeKey {@code global} or the destination prefix
 * @param score the production verdict's score, {@code max(ae / ae_threshold, ar / ar_threshold)}
 *     ({@code model.Fusion}); a version without detectors: the autoencoder's score
 * @param threshold the verdict's threshold, 1.0 (a version without detectors: the autoencoder's); {@code isAnomaly}
 *     is {@code score > threshold}
 * @param model model name in the registry
 * @param modelVersion the version that scored this window
 * @param specId the feature spec id the window was featurised with
 * @param topFeatures the features contributing most to the autoencoder's error, largest first
 * @param flows flow records in the window and key
 * @param packets packets in the window and key, scaled by the sampling rate
 * @param aeScore the autoencoder's score, mean squared reconstruction error
 * @param aeThreshold its threshold (the key's traffic group's under dst-prefix)
 * @param arScore the AR forecaster's score in robust sigmas, null without one
 * @param arThreshold its threshold, null without one
 * @param fired which detectors fired: {@code none}, {@code ae}, {@code ar}, {@code ae+ar}, {@code rate} or
 *     {@code ae+rate} ({@code Fusion.Fired})
 * @param trafficGroup the key's traffic-level group under dst-prefix, null under global
 * @param explanation as {@code anomaly_scores.explanation}: the autoencoder's top features, the AR's top series, the
 *     window's top talkers
 * @param victim the key's victim ({@link io.kaminari.incidents.Victims#of}): under dst-prefix the key, under global
 *     the window's top destination prefix; null when the window had no traffic
 */
@JsonPropertyOrder({"window_start", "window_end", "scope", "scope_key", "score", "threshold", "is_anomaly", "model",
    "model_version", "spec_id", "top_features", "flows", "packets", "ae_score", "ae_threshold", "ar_score",
    "ar_threshold", "fired", "traffic_group", "explanation", "victim"})
public record ScoredWindow(
    @JsonProperty("window_start") Instant windowStart,
    @JsonProperty("window_end") Instant windowEnd,
    @JsonProperty("scope") String scope,
    @JsonProperty("scope_key") String scopeKey,
    @JsonProperty("score") double score,
    @JsonProperty("threshold") double threshold,
    @JsonProperty("is_anomaly") boolean isAnomaly,
    @JsonProperty("model") String model,
    @JsonProperty("model_version") int modelVersion,
    @JsonProperty("spec_id") String specId,
    @JsonProperty("top_features") List<Contribution> topFeatures,
    @JsonProperty("flows") long flows,
    @JsonProperty("packets") long packets,
    @JsonProperty("ae_score") double aeScore,
    @JsonProperty("ae_threshold") double aeThreshold,
    @JsonProperty("ar_score") Double arScore,
    @JsonProperty("ar_threshold") Double arThreshold,
    @JsonProperty("fired") String fired,
    @JsonProperty("traffic_group") Integer trafficGroup,
    @JsonProperty("explanation") List<String> explanation,
    @JsonProperty("victim") String victim) {

  /** One feature's share of a window's reconstruction error, e.g. {@code dst_port 80 pps}, 0.87. */
  @JsonPropertyOrder({"feature", "share"})
  public record Contribution(@JsonProperty("feature") String feature, @JsonProperty("share") double share) {}

  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // consumers of newer outputs keep working
      .findAndAddModules()
      .build()
      .registerModule(InstantText.MODULE);

  public ScoredWindow {
    topFeatures = List.copyOf(topFeatures);
    explanation = explanation == null ? List.of() : List.copyOf(explanation);
  }

  /**
   * A window judged by the autoencoder alone ({@code score} and {@code threshold} are its own), as the scorer wrote
   * before the AR forecaster; the explanation is its top features.
   */
  public ScoredWindow(Instant windowStart, Instant windowEnd, String scope, String scopeKey, double score,
      double threshold, boolean isAnomaly, String model, int modelVersion, String specId,
      List<Contribution> topFeatures, long flows, long packets) {
    this(windowStart, windowEnd, scope, scopeKey, score, threshold, isAnomaly, model, modelVersion, specId,
        topFeatures, flows, packets, score, threshold, null, null, isAnomaly ? "ae" : "none", null,
        topFeatures.stream().map(c -> String.format(java.util.Locale.ROOT, "%s (%.0f%%)", c.feature(),
            c.share() * 100)).toList(), null);
  }

  /**
   * The record key, {@code model|specId|scope|scopeKey|windowStart}: the same window scored again (after a restart or
   * by a replay) gets the same key whatever version scored it, so consumers keep the last record per key.
   */
  public String key() {
    return model + '|' + specId + '|' + scope + '|' + scopeKey + '|' + windowStart;
  }

  /** Window start in microseconds since the epoch, the unit of flow times. */
  public long windowStartMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, windowStart);
  }

  public byte[] toJsonBytes() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ScoredWindow fromJson(byte[] json) {
    try {
      return JSON.readValue(json, ScoredWindow.class);
    } catch (IOException e) {
      throw new UncheckedIOException("not a scored window: " + new String(json, StandardCharsets.UTF_8), e);
    }
  }
}
