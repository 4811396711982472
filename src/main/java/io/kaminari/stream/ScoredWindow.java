package io.kaminari.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kaminari.common.InstantText;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.features.WindowGroup;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.Victims;
import io.kaminari.model.ArStates;
import io.kaminari.model.Detection;
import io.kaminari.model.Score;
import io.kaminari.model.ScoringModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scorer's output for one window and scope key: the value of a record on the output topic, whose key is
 * {@link #key()}; every JSON field name of that record is declared here and nowhere else.
 *
 * <p>Closed windows become scored windows through {@link ScoringModel#score}, the scoring function of batch scoring
 * too ({@link #score}); {@link #scoreFlows} computes, as a pure function of a list of flows and a model, what the
 * streaming scorer emits for them, for parity tests against batch scoring.
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

  /**
   * The scored windows of {@code flows} under {@code model}, ordered by window start then scope key: exactly what the
   * streaming scorer commits for the same flows when none arrives late, every window has closed and the scorer saw
   * them all from the start. Under the global scope every window between the first and the last flow's window is
   * scored, empty ones as the zero vector.
   */
  public static List<ScoredWindow> scoreFlows(Iterable<Flow> flows, ScoringModel model) {
    FeatureSpec spec = model.spec();
    Featurizer<WindowGroup> windows = Featurizer.of(spec);
    for (Flow f : flows) windows.add(f);
    if (!windows.isEmpty()) windows.fillGlobal(windows.firstStartMicros(), windows.lastStartMicros() + 1);
    ArStates states = model.newArStates();
    List<WindowManager.ClosedWindow> closed = new ArrayList<>();
    for (WindowGroup w : windows.windows()) {
      closed.add(new WindowManager.ClosedWindow(spec, w.startMicros(), model, w.byKeySorted(), states, null));
    }
    return score(closed);
  }

  /**
   * Scores closed windows, one call per model (so one libtorch batch per model and group); results in input order,
   * keys in key order. Each model's AR states advance through its windows in the order given, which is start order.
   */
  static List<ScoredWindow> score(List<WindowManager.ClosedWindow> closed) {
    Map<ScoringModel, List<ScoringModel.Window>> inputs = new IdentityHashMap<>();
    Map<ScoringModel, ArStates> states = new IdentityHashMap<>();
    for (WindowManager.ClosedWindow w : closed) {
      List<ScoringModel.Window> list = inputs.computeIfAbsent(w.model(), m -> new ArrayList<>());
      states.putIfAbsent(w.model(), w.arStates());
      w.byKey().forEach((key, acc) -> list.add(window(w.startMicros(), key, acc)));
    }
    Map<ScoringModel, List<Detection>> detections = new IdentityHashMap<>();
    inputs.forEach((m, list) -> detections.put(m, m.score(list, states.get(m))));
    Map<ScoringModel, int[]> cursor = new IdentityHashMap<>();
    List<ScoredWindow> out = new ArrayList<>();
    for (WindowManager.ClosedWindow w : closed) {
      ScoringModel m = w.model();
      int[] next = cursor.computeIfAbsent(m, x -> new int[1]);
      Instant start = Instant.EPOCH.plus(w.startMicros(), ChronoUnit.MICROS);
      Instant end = start.plusSeconds(w.spec().windowSeconds());
      for (int k = 0; k < w.byKey().size(); k++) {
        out.add(toScoredWindow(m, w.spec(), start, end, detections.get(m).get(next[0]++)));
      }
    }
    return out;
  }

  /** A closing window's accumulator as the scorer's input: the same fields a {@code port_vectors} row holds. */
  static ScoringModel.Window window(long startMicros, String scopeKey, WindowAccumulator acc) {
    return new ScoringModel.Window(startMicros, scopeKey, acc.toVector(), acc.flowCount(), acc.packetCount(),
        acc.sources(), acc.busiestDstFlows(), acc.busiestPairFlows(), acc.servicePorts(), acc.topDstPrefixes(),
        acc.topSources(), acc.topDstPorts());
  }

  private static ScoredWindow toScoredWindow(ScoringModel m, FeatureSpec spec, Instant start, Instant end,
      Detection d) {
    Score s = d.ae();
    List<Contribution> top = new ArrayList<>(s.topFeatures().length);
    for (int i = 0; i < s.topFeatures().length; i++) {
      top.add(new Contribution(m.featureNames().get(s.topFeatures()[i]), s.topShares()[i]));
    }
    ScoringModel.Window w = d.window();
    return new ScoredWindow(start, end, spec.scope().jsonName(), w.scopeKey(), d.verdict().score(),
        d.verdict().threshold(), d.verdict().anomaly(), m.name(), m.version(), spec.id(), top, w.flows(), w.packets(),
        s.score(), d.aeThreshold(), d.ar() == null ? null : d.arScore(), d.ar() == null ? null : d.arThreshold(),
        d.verdict().fired().text(), d.group() < 0 ? null : d.group(), d.explanation(),
        Victims.of(spec.scope().jsonName(), w.scopeKey(), w.topDstPrefixes()));
  }
}
