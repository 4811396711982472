package io.kaminari.stream;

import static io.kaminari.stream.ScorerFixture.STREAM_START;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.kaminari.alerts.RealAlertmanager;
import io.kaminari.common.JdkHttpServerTimeouts;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.AttackVector;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentEvent.Kind;
import io.kaminari.incidents.VictimTraffic;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incidents in the streaming scorer and their alerts (issue 17), against a real broker and a real Alertmanager: a
 * two-minute SYN flood in benign traffic is one incident, started once, with its victim and its attack vector; the
 * scorer is stopped while the incident is open and a new one continues it from the incidents topic (no second start,
 * no lost window, the vector kept), and resolves it after the quiet windows. Alertmanager holds one alert for it while it fires and none once resolved; a
 * signed webhook receives the start and the resolution, each verified against its HMAC.
 */
class StreamIncidentsIT {
  static final String VICTIM_IP = "203.0.113.10";

  @TempDir Path tmp;

  @Test
  void anAttackIsOneIncidentThatARestartNeitherReopensNorLoses() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
        RealAlertmanager am = RealAlertmanager.start(tmp.resolve("alertmanager"));
        Webhook hook = new Webhook()) {
      kafka.createTopics(1, "inc-in", "inc-out", "inc-dlq", "inc-incidents");
      Path home = tmp.resolve("home");
      ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
      KaminariConfig config = ScorerFixture.config(home, kafka.bootstrapServers(), "inc-in", "inc-out", "inc-dlq")
          .with(Settings.SCORER_INCIDENTS_TOPIC, "inc-incidents")
          .with(Settings.ALERTS_ALERTMANAGER_URL, am.url())
          .with(Settings.ALERTS_WEBHOOK_URL, hook.url())
          .with(Settings.ALERTS_WEBHOOK_SECRET, Webhook.SECRET);
      String bootstrap = kafka.bootstrapServers();
      Instant attack = STREAM_START.plus(Duration.ofMinutes(3));

      try (Scorer first = Scorer.start(config)) {
        ScorerFixture.produce(bootstrap, "inc-in", ScorerFixture.benign(61, STREAM_START, Duration.ofMinutes(3)));
        synFlood(bootstrap, attack, Duration.ofMinutes(2), 3000);
        ScorerFixture.produce(bootstrap, "inc-in", ScorerFixture.benign(62, attack, Duration.ofMinutes(2)));
        Duration lateness = ScorerIT.DEFAULT_LATENESS;
        ScorerFixture.flowAt(bootstrap, "inc-in", 0, attack.plus(Duration.ofMinutes(2)).plus(lateness)); // to 00:05
        List<IncidentEvent> states = states(bootstrap, s -> s.size() >= 2);
        assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS);
        assertThat(states.get(0).victim()).isEqualTo("203.0.113.0/24");
        assertThat(states.get(0).start()).isEqualTo(attack);
        // The victim's traffic as the scorer profiled it while the window was open: the flood's vector and sources.
        VictimTraffic started = states.get(0).traffic();
        assertThat(started).isNotNull();
        assertThat(started.vector().protocols()).containsExactly(AttackVector.TCP);
        assertThat(started.vector().dstPorts()).containsExactly(80);
        assertThat(started.vector().tcpFlags()).as("SYN only").isEqualTo(2);
        assertThat(started.vector().share()).isGreaterThan(0.9);
        // The flood's 250 sources, and the benign clients of other addresses in the victim's /24.
        assertThat(started.sources()).isBetween(250L, 350L);
        assertThat(started.topDestinations().get(0)).startsWith(VICTIM_IP + " (");
        assertThat(states.get(1).traffic().windowStart()).isEqualTo(attack.plus(Duration.ofMinutes(1)));
        ScorerChaosIT.awaitMetric(first, "incidents_open", 1);
        ScorerChaosIT.awaitMetric(first, "incidents_started_total", 1);
        List<ScoredWindow> scored = ScorerFixture.scored(ScorerFixture.readCommitted(bootstrap, "inc-out",
            Duration.ofSeconds(30), ScorerIT.atLeast(5)));
        assertThat(scored.stream().filter(ScoredWindow::isAnomaly).map(ScoredWindow::windowStart))
            .containsExactly(attack, attack.plus(Duration.ofMinutes(1)));
        assertThat(scored).allSatisfy(w -> assertThat(w.victim()).isNotNull());
        String id = states.get(0).id();
        // The scorer's own dashboard and API show it, open, in its latest committed state.
        JsonNode api = awaitIncidentApi(first, "progress");
        assertThat(api).hasSize(1);
        assertThat(api.get(0).path("id").asText()).isEqualTo(id);
        assertThat(ScorerIT.get(first, "/").body()).contains("<h2>Incidents</h2>", "<table id=\"incidents\">", id,
            "<td>open</td><td>203.0.113.0/24</td>");
        assertThat(hook.await(1)).extracting(IncidentEvent::deliveryId).containsExactly(id + "-1");
        JsonNode alerts = awaitAlerts(am, id, 1);
        assertThat(alerts.get(0).path("labels").path("victim").asText()).isEqualTo("203.0.113.0/24");
        assertThat(alerts.get(0).path("startsAt").asText()).startsWith("2024-05-02T00:03:00");
        assertThat(alerts.get(0).path("annotations").path("vector").asText()).startsWith("tcp dst port 80 flags SYN");
      }

      // A new scorer of the same group: it continues the open incident, and quiet windows resolve it.
      try (Scorer second = Scorer.start(config)) {
        ScorerFixture.produce(bootstrap, "inc-in",
            ScorerFixture.benign(63, attack.plus(Duration.ofMinutes(2)), Duration.ofMinutes(5)));
        Instant through10 = attack.plus(Duration.ofMinutes(7)).plus(ScorerIT.DEFAULT_LATENESS);
        ScorerFixture.flowAt(bootstrap, "inc-in", 0, through10); // closes through 00:10
        List<IncidentEvent> states = states(bootstrap, s -> s.stream().anyMatch(e -> e.kind() == Kind.RESOLVE));
        assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS, Kind.RESOLVE);
        assertThat(states).extracting(IncidentEvent::id).containsOnly(states.get(0).id());
        IncidentEvent resolved = states.get(2);
        assertThat(resolved.windows()).isEqualTo(2);
        assertThat(resolved.end()).isEqualTo(attack.plus(Duration.ofMinutes(2)));
        assertThat(resolved.seq()).isEqualTo(2);
        assertThat(resolved.peakPps()).isGreaterThan(3000 * 10 / 60.0);
        assertThat(resolved.traffic()).as("restored with the incident").isEqualTo(states.get(1).traffic());
        ScorerChaosIT.awaitMetric(second, "incidents_resolved_total", 1);
        ScorerChaosIT.awaitMetric(second, "incidents_open", 0);
        ScorerChaosIT.awaitMetric(second, "incidents_started_total", 0);
        // Delivered at least once: a redelivery after the restart carries the same id, which receivers dedupe on.
        List<IncidentEvent> delivered = hook.await(2);
        assertThat(delivered.stream().map(IncidentEvent::deliveryId).distinct())
            .containsExactly(resolved.id() + "-1", resolved.id() + "-2");
        assertThat(delivered.get(delivered.size() - 1)).isEqualTo(resolved);
        awaitAlerts(am, resolved.id(), 0); // resolved: no longer active
        // The new scorer read the incident back on its restore; its dashboard shows it resolved.
        assertThat(awaitIncidentApi(second, "resolve")).hasSize(1);
        assertThat(ScorerIT.get(second, "/").body()).contains("<td>resolved</td><td>203.0.113.0/24</td>");
        ScorerChaosIT.awaitMetric(second, "alerts_dead_lettered_total", 0);
      }
    }
  }

  /** Alertmanager's active alerts of incident {@code id}, once there are {@code n} of them (or after 60 s). */
  private static JsonNode awaitAlerts(RealAlertmanager am, String id, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode alerts = am.alerts("incident_id=\"" + id + "\"");
    while (alerts.size() != n && System.nanoTime() < deadline) {
      Thread.sleep(200);
      alerts = am.alerts("incident_id=\"" + id + "\"");
    }
    assertThat(alerts).as("alerts of incident %s", id).hasSize(n);
    return alerts;
  }

  /** A webhook receiver that checks each request's HMAC signature (the JDK's HTTP server). */
  static final class Webhook implements AutoCloseable {
    static final String SECRET = "webhook-s3cret";
    private final HttpServer server;
    private final List<IncidentEvent> received = new CopyOnWriteArrayList<>();
    private final List<String> badSignatures = new CopyOnWriteArrayList<>();

    Webhook() throws IOException {
      JdkHttpServerTimeouts.apply(); // before this JVM's first server: the scorer's HTTP tests rely on them
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", ex -> {
        byte[] body = ex.getRequestBody().readAllBytes();
        String signature = ex.getRequestHeaders().getFirst("X-Kaminari-Signature");
        if (!("sha256=" + hmac(body)).equals(signature)) badSignatures.add(String.valueOf(signature));
        received.add(IncidentEvent.fromJson(body));
        ex.sendResponseHeaders(204, -1);
        ex.close();
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/kaminari";
    }

    /** What it received once it holds {@code distinct} notifications (or after 60 s); every signature valid. */
    List<IncidentEvent> await(int distinct) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (received.stream().map(IncidentEvent::deliveryId).distinct().count() < distinct
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(badSignatures).as("requests with a wrong signature").isEmpty();
      return List.copyOf(received);
    }

    private static String hmac(byte[] body) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** The committed incident states, in order, once {@code done} holds (or after 60 s). */
  private static List<IncidentEvent> states(String bootstrap, Predicate<List<IncidentEvent>> done) {
    List<IncidentEvent> out = new ArrayList<>();
    ScorerFixture.readCommitted(bootstrap, "inc-incidents", Duration.ofSeconds(60), records -> {
      out.clear();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        try {
          out.add(IncidentEvent.fromJson(r.value()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return done.test(out);
    });
    return out;
  }

  /** {@code perMinute} SYN flows of 10 packets a minute to port 80 of the victim, each from another source port. */
  private static void synFlood(String bootstrap, Instant from, Duration length, int perMinute) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(bootstrap));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      long flows = perMinute * length.toMinutes();
      for (long i = 0; i < flows; i++) {
        long second = from.getEpochSecond() + i * length.toSeconds() / flows;
        String flow = "{\"ip_src\":\"198.51.100." + (i % 250) + "\",\"ip_dst\":\"" + VICTIM_IP + "\",\"port_src\":"
            + (1024 + i % 60000) + ",\"port_dst\":80,\"ip_proto\":\"tcp\",\"tcp_flags\":\"2\",\"packets\":10,"
            + "\"bytes\":600,\"timestamp_start\":" + second + "}";
        producer.send(new ProducerRecord<>("inc-in", 0, null, flow.getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  /** {@code /api/incidents} once its newest state is of {@code kind} (states reach it just after their commit). */
  private static JsonNode awaitIncidentApi(Scorer scorer, String kind) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode api = new ObjectMapper().readTree(ScorerIT.get(scorer, "/api/incidents").body());
      if (api.size() > 0 && api.get(0).path("kind").asText().equals(kind)) return api;
      if (System.nanoTime() > deadline) throw new AssertionError("no " + kind + " state on /api/incidents: " + api);
      Thread.sleep(200);
    }
  }
}
