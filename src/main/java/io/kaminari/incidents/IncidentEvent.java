package io.kaminari.incidents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kaminari.common.InstantText;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The state of one incident after a change, as the streaming scorer writes it to its incidents topic (keyed by
 * {@link #id}, so a compacted topic keeps each incident's latest state) in the same Kafka transaction as the window
 * results that changed it. The open incidents a restarted scorer continues are the latest states that are not
 * {@link Kind#RESOLVE}.
 *
 * @param kind what changed: {@code start}, {@code update} and {@code resolve} are notifications (alerts are sent for
 *     them), {@code progress} only records state (another anomalous window that did not warrant a notification)
 * @param seq the notification's number within the incident, 1 for the start; a {@code progress} state keeps the
 *     number of the last notification, so {@code id} and {@code seq} identify a notification (receivers dedupe on it)
 * @param id {@link IncidentGrouping#id}: the batch job computes the same id for the same incident
 * @param modelVersion the version that scored the latest anomalous window
 * @param start the first anomalous window's start
 * @param lastUpdate the latest anomalous window's end
 * @param end {@code lastUpdate} once {@code incidents.quiet-windows} quiet windows followed it; null while firing
 * @param windows anomalous windows so far
 * @param windowSeconds the model's window length
 * @param peakScore the largest verdict score (threshold 1.0)
 * @param peakPps the largest packets per second to the victim (sampling-scaled) in one anomalous window
 * @param peakFps the largest flow records per second
 * @param explanation the peak window's explanation (top features, AR series, top talkers)
 * @param notifiedAt event time of the last notification (the end of the window that caused it)
 * @param notifiedPeak the peak score at the last notification
 * @param traffic what the flows to the victim showed in the latest anomalous window that had a profile of them
 *     ({@link VictimProfiles}): attack vector, sources, source ASNs, destinations; null while none had
 */
@JsonPropertyOrder({"kind", "seq", "id", "model", "model_version", "scope", "victim", "start", "last_update", "end",
    "windows", "window_seconds", "peak_score", "peak_pps", "peak_fps", "explanation", "notified_at", "notified_peak",
    "traffic"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IncidentEvent(
    @JsonProperty("kind") Kind kind,
    @JsonProperty("seq") int seq,
    @JsonProperty("id") String id,
    @JsonProperty("model") String model,
    @JsonProperty("model_version") int modelVersion,
    @JsonProperty("scope") String scope,
    @JsonProperty("victim") String victim,
    @JsonProperty("start") Instant start,
    @JsonProperty("last_update") Instant lastUpdate,
    @JsonProperty("end") Instant end,
    @JsonProperty("windows") long windows,
    @JsonProperty("window_seconds") long windowSeconds,
    @JsonProperty("peak_score") double peakScore,
    @JsonProperty("peak_pps") double peakPps,
    @JsonProperty("peak_fps") double peakFps,
    @JsonProperty("explanation") List<String> explanation,
    @JsonProperty("notified_at") Instant notifiedAt,
    @JsonProperty("notified_peak") double notifiedPeak,
    @JsonProperty("traffic") VictimTraffic traffic) {

  /** What an incident state records. */
  public enum Kind {
    @JsonProperty("start") START,
    @JsonProperty("update") UPDATE,
    @JsonProperty("progress") PROGRESS,
    @JsonProperty("resolve") RESOLVE;

    /** Whether receivers are told (an alert is sent): all but {@link #PROGRESS}. */
    public boolean notifies() {
      return this != PROGRESS;
    }
  }

  private static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build()
      .registerModule(InstantText.MODULE);

  public IncidentEvent {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    explanation = explanation == null ? List.of() : List.copyOf(explanation);
  }

  /** Whether the incident is still running in this state. */
  public boolean firing() {
    return kind != Kind.RESOLVE;
  }

  /** The state as one JSON object, instants as RFC 3339 text. */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads {@link #toJson}'s form; unknown fields are ignored (states written by newer scorers). */
  public static IncidentEvent fromJson(byte[] json) throws IOException {
    return JSON.readValue(json, IncidentEvent.class);
  }

  /**
   * The incident as this state knows it, for its mitigation proposals ({@link Mitigations#proposals}): the span, peaks
   * and the victim's traffic of its latest profiled window (the batch {@link Incident} has them over all its windows;
   * bytes and flows are not tracked here and read 0); null while no window had a profile of the victim's flows.
   */
  public Incident incident() {
    if (traffic == null) return null;
    IncidentSpan span = new IncidentSpan(id, model, scope, victim, start, lastUpdate, end, Math.toIntExact(windows),
        peakScore, windowSeconds, true);
    return new Incident(span, modelVersion, peakPps, 0, peakFps, traffic.packets(), 0, 0, traffic.vector(),
        traffic.topSources(), traffic.sources(), traffic.topSourceAsns(), traffic.topDestinations());
  }

  /** Notification {@code seq} of incident {@code id}: what receivers deduplicate on. */
  public String deliveryId() {
    return id + "-" + seq;
  }
}
