package io.kaminari.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.kaminari.common.JdkHttpServerTimeouts;
import io.kaminari.incidents.AttackVector;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.VictimTraffic;
import io.kaminari.incidents.IncidentEvent.Kind;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery to a real HTTP endpoint (the JDK's server): signatures, headers, retries, back-off, the dead-letter file. */
class AlertDeliveryTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant START = Instant.parse("2024-05-02T03:00:00Z");
  static final IncidentEvent STARTED = new IncidentEvent(Kind.START, 1, "0123456789abcdef", "flow-ae", 3, "global",
      "203.0.113.0/24", START, START.plusSeconds(60), null, 1, 60, 4.2, 9000, 300,
      List.of("dst_port 80 pps (91%)"), START.plusSeconds(60), 4.2,
      new VictimTraffic(START, 540_000, new AttackVector(List.of(6), List.of(80), List.of(), 2, 60, 60, 0.97),
          List.of("198.51.100.7 (1%)"), 20_000, List.of("AS64500 (40%)"), List.of("203.0.113.10 (100%)")));

  @TempDir Path tmp;
  private HttpServer server;
  private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
  private final List<byte[]> bodies = new CopyOnWriteArrayList<>();

  /** A receiver that answers {@code statuses} in turn (then 200) and records every request. */
  private String serve(int... statuses) throws Exception {
    AtomicInteger n = new AtomicInteger();
    JdkHttpServerTimeouts.apply(); // before this JVM's first server: the scorer's HTTP tests rely on them
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      int i = n.getAndIncrement();
      requests.add(Map.of("method", ex.getRequestMethod(), "path", ex.getRequestURI().getPath(),
          "signature", String.valueOf(ex.getRequestHeaders().getFirst(WebhookReceiver.SIGNATURE)),
          "delivery", String.valueOf(ex.getRequestHeaders().getFirst(WebhookReceiver.DELIVERY)),
          "event", String.valueOf(ex.getRequestHeaders().getFirst(WebhookReceiver.EVENT)),
          "auth", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")),
          "team", String.valueOf(ex.getRequestHeaders().getFirst("X-Team"))));
      bodies.add(ex.getRequestBody().readAllBytes());
      int status = i < statuses.length ? statuses[i] : 200;
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) server.stop(0);
  }

  @Test
  void aSignedWebhookIsRetriedWithBackOffUntilItIsAccepted() throws Exception {
    String url = serve(503, 503, 429);
    List<Duration> waits = new ArrayList<>();
    Path dead = tmp.resolve("dead.jsonl");
    AlertDelivery d = new AlertDelivery(List.of(new WebhookReceiver(url + "/hook", "X-Team: noc; ", "t0ken", "s3cret")),
        6, Duration.ofSeconds(1), dead, waits::add);
    assertThat(d.deliver(STARTED)).isZero();
    assertThat(requests).hasSize(4);
    assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
    Map<String, String> last = requests.get(3);
    assertThat(last).containsEntry("method", "POST").containsEntry("path", "/hook")
        .containsEntry("delivery", "0123456789abcdef-1").containsEntry("event", "start")
        .containsEntry("auth", "Bearer t0ken").containsEntry("team", "noc");
    byte[] body = bodies.get(3);
    assertThat(last.get("signature")).isEqualTo(WebhookReceiver.signature("s3cret".getBytes(StandardCharsets.UTF_8),
        body)).startsWith("sha256=").hasSize(7 + 64);
    // The signature is over the exact body: one byte changed, another signature.
    body[body.length - 2] ^= 1;
    assertThat(WebhookReceiver.signature("s3cret".getBytes(StandardCharsets.UTF_8), body))
        .isNotEqualTo(last.get("signature"));
    assertThat(IncidentEvent.fromJson(bodies.get(0))).isEqualTo(STARTED);
    assertThat(dead).doesNotExist();
  }

  @Test
  void aReceiverThatStaysDownOrRefusesGetsTheNotificationInTheDeadLetterFile() throws Exception {
    String url = serve(500, 500, 500, 400);
    List<Duration> waits = new ArrayList<>();
    Path dead = tmp.resolve("alerts/dead.jsonl");
    AlertDelivery d = new AlertDelivery(List.of(new WebhookReceiver(url, "", "", "")), 3, Duration.ofMillis(40),
        dead, waits::add);
    assertThat(d.deliver(STARTED)).isEqualTo(1); // 500, 500, 500: given up after three attempts
    assertThat(waits).containsExactly(Duration.ofMillis(40), Duration.ofMillis(80));
    assertThat(d.deliver(STARTED)).isEqualTo(1); // 400: refused, not retried
    assertThat(requests).hasSize(4);
    assertThat(requests.get(0).get("signature")).isEqualTo("null"); // no secret, no signature
    List<String> lines = Files.readAllLines(dead);
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines.get(0));
    assertThat(first.path("receiver").asText()).isEqualTo("webhook " + url);
    assertThat(first.path("attempts").asInt()).isEqualTo(3);
    assertThat(first.path("error").asText()).contains("HTTP 500");
    assertThat(first.path("event").path("id").asText()).isEqualTo("0123456789abcdef");
    JsonNode second = JSON.readTree(lines.get(1));
    assertThat(second.path("attempts").asInt()).isEqualTo(1);
    assertThat(second.path("error").asText()).contains("HTTP 400");

    // Nobody listening at all: a connection failure is retried, then dead-lettered too.
    server.stop(0);
    server = null;
    assertThat(d.deliver(STARTED)).isEqualTo(1);
    assertThat(Files.readAllLines(dead)).hasSize(3);
  }

  @Test
  void alertmanagerAlertsAreOneAlertPerIncidentThatExpiresUnlessUpdatedAndResolvesAtTheEnd() {
    Instant now = Instant.parse("2024-05-02T03:10:00Z");
    AlertmanagerReceiver am = new AlertmanagerReceiver("http://am:9093/", Duration.ofHours(1), () -> now);
    assertThat(am.name()).isEqualTo("alertmanager http://am:9093/api/v2/alerts");
    JsonNode firing = am.alerts(STARTED).get(0);
    assertThat(firing.path("labels").path("alertname").asText()).isEqualTo("KaminariIncident");
    assertThat(firing.path("labels").path("incident_id").asText()).isEqualTo("0123456789abcdef");
    assertThat(firing.path("labels").path("victim").asText()).isEqualTo("203.0.113.0/24");
    assertThat(firing.path("startsAt").asText()).isEqualTo("2024-05-02T03:00:00Z");
    assertThat(firing.path("endsAt").asText()).isEqualTo("2024-05-02T04:10:00Z");
    assertThat(firing.path("annotations").path("description").asText()).contains("peak score 4.20")
        .contains("kaminari mitigate --incident 0123456789abcdef");
    // The victim's traffic, as the scorer profiled it: the attack vector and who sends it.
    assertThat(firing.path("annotations").path("summary").asText())
        .isEqualTo("Incident 0123456789abcdef: tcp dst port 80 flags SYN, 60-60 bytes/packet (97% of packets) to"
            + " 203.0.113.0/24 since 2024-05-02T03:00:00Z");
    assertThat(firing.path("annotations").path("sources").asText())
        .isEqualTo("198.51.100.7 (1%); 20000 distinct");
    assertThat(firing.path("annotations").path("source_asns").asText()).isEqualTo("AS64500 (40%)");
    IncidentEvent resolved = new IncidentEvent(Kind.RESOLVE, 2, STARTED.id(), "flow-ae", 3, "global",
        STARTED.victim(), START, START.plusSeconds(60), START.plusSeconds(60), 1, 60, 4.2, 9000, 300, List.of(),
        START.plusSeconds(240), 4.2, null);
    JsonNode ended = am.alerts(resolved).get(0);
    assertThat(ended.path("labels")).isEqualTo(firing.path("labels")); // the same alert
    assertThat(ended.path("endsAt").asText()).isEqualTo("2024-05-02T03:04:00Z");
  }

  @Test
  void badWebhookSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new WebhookReceiver("ftp://x/", "", "", ""))
        .hasMessage("alerts.webhook-url must be an http or https URL, got ftp://x/");
    assertThatThrownBy(() -> new WebhookReceiver("http://x/", "X-Team noc", "", ""))
        .hasMessage("alerts.webhook-headers: expected `Name: value`, got `X-Team noc`");
  }
}
