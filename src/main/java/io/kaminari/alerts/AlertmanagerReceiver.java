package io.kaminari.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.VictimTraffic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Prometheus Alertmanager's v2 API ({@code POST /api/v2/alerts}): an incident is one alert, identified by its labels
 * ({@code alertname=KaminariIncident}, {@code incident_id}, model, scope, victim), so every notification of it updates
 * the same alert and Alertmanager groups, silences and routes it like any other.
 *
 * <p>A firing incident's {@code endsAt} is now + {@code alerts.firing-validity}: updates move it on; if they stop
 * (the scorer died) the alert expires instead of firing forever. The resolution sets {@code endsAt} to the end of the
 * incident's last quiet window (or now, if that lies ahead of the clock), which resolves the alert.
 */
final class AlertmanagerReceiver implements Receiver {
  static final String ALERTNAME = "KaminariIncident";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI uri;
  private final Duration firingValidity;
  private final Supplier<Instant> clock;

  AlertmanagerReceiver(String baseUrl, Duration firingValidity, Supplier<Instant> clock) {
    this.uri = URI.create(baseUrl.replaceAll("/+$", "") + "/api/v2/alerts");
    this.firingValidity = firingValidity;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "alertmanager " + uri;
  }

  @Override
  public void deliver(IncidentEvent e) throws IOException, Rejected, InterruptedException {
    Receiver.post(uri, JSON.writeValueAsBytes(alerts(e)), HttpRequest.newBuilder());
  }

  /** The request body: a postableAlerts array holding the incident's alert. */
  ArrayNode alerts(IncidentEvent e) {
    Instant now = clock.get();
    ObjectNode alert = JSON.createObjectNode();
    ObjectNode labels = alert.putObject("labels");
    labels.put("alertname", ALERTNAME);
    labels.put("incident_id", e.id());
    labels.put("model", e.model());
    labels.put("scope", e.scope());
    labels.put("victim", e.victim());
    labels.put("severity", "critical");
    ObjectNode annotations = alert.putObject("annotations");
    annotations.put("summary", summary(e));
    annotations.put("description", description(e));
    annotations.put("explanation", String.join("; ", e.explanation()));
    annotations.put("notification", e.kind().name().toLowerCase(Locale.ROOT) + " #" + e.seq());
    VictimTraffic t = e.traffic();
    if (t != null) {
      annotations.put("vector", t.vector().describe());
      annotations.put("sources", String.join(", ", t.topSources()) + "; " + t.sources() + " distinct");
      if (!t.topSourceAsns().isEmpty()) annotations.put("source_asns", String.join(", ", t.topSourceAsns()));
      annotations.put("destinations", String.join(", ", t.topDestinations()));
    }
    alert.put("startsAt", e.start().toString());
    Instant ends = e.firing() ? now.plus(firingValidity) : min(e.notifiedAt(), now);
    alert.put("endsAt", ends.toString());
    return JSON.createArrayNode().add(alert);
  }

  /** One line: {@code Incident ID: tcp dst port 80 flags SYN (97% of packets) to VICTIM since START}. */
  static String summary(IncidentEvent e) {
    String what = e.traffic() == null ? "anomalous traffic" : e.traffic().vector().describe();
    return String.format(Locale.ROOT, "%s %s: %s to %s since %s", e.firing() ? "Incident" : "Resolved", e.id(), what,
        e.victim(), e.start());
  }

  static String description(IncidentEvent e) {
    return String.format(Locale.ROOT, "%d anomalous %d-s window(s) of %s/%s (%s scope), %s to %s; peak score %.2f"
        + " (threshold 1.0), peak %.0f packets/s and %.0f flows/s. `kaminari mitigate --incident %s` proposes a"
        + " mitigation.", e.windows(), e.windowSeconds(), e.model(), e.modelVersion(), e.scope(), e.start(),
        e.end() == null ? "now" : e.end(), e.peakScore(), e.peakPps(), e.peakFps(), e.id());
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
