package io.kaminari.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 * @param score mean squared reconstruction error
 * @param threshold the model's threshold; {@code isAnomaly} is {@code score > threshold}
 * @param model model name in the registry
 * @param modelVersion the version that scored this window
 * @param specId the feature spec id the window was featurised with
 * @param topFeatures the features contributing most to the error, largest first
 * @param flows flow records in the window and key
 * @param packets packets in the window and key, scaled by the sampling rate
 */
@JsonPropertyOrder({"window_start", "window_end", "scope", "scope_key", "score", "threshold", "is_anomaly", "model",
    "model_version", "spec_id", "top_features", "flows", "packets"})
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
    @JsonProperty("packets") long packets) {

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
