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
import io.kaminari.common.time.Micros;
import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import io.kaminari.incidents.AttackVector;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.VictimProfiles;
import io.kaminari.incidents.IncidentEvent.Kind;
import io.kaminari.incidents.IncidentGrouping;
import io.kaminari.incidents.VictimTraffic;
import io.kaminari.testing.Gobgpd;
import io.kaminari.tools.generate.FlowSink;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
        Webhook hook = new Webhook();
        Gobgpd gobgpd = Gobgpd.start(Files.createDirectories(tmp.resolve("gobgpd")))) {
      kafka.createTopics(1, "inc-proposals");
      KaminariConfig config = scorerWithIncidents(kafka, "inc")
          .with(Settings.ALERTS_ALERTMANAGER_URL, am.url())
          .with(Settings.ALERTS_WEBHOOK_URL, hook.url())
          .with(Settings.ALERTS_WEBHOOK_SECRET, Webhook.SECRET)
          .with(Settings.SCORER_MITIGATIONS_FILE, tmp.resolve("proposals.jsonl").toString())
          .with(Settings.SCORER_MITIGATIONS_TOPIC, "inc-proposals")
          .with(Settings.MITIGATION_MODE, Settings.MITIGATION_AUTO)
          .with(Settings.MITIGATION_GOBGP_API, gobgpd.address());
      String bootstrap = kafka.bootstrapServers();
      Instant attack = STREAM_START.plus(Duration.ofMinutes(3));

      try (Scorer first = Scorer.start(config)) {
        ScorerFixture.produce(bootstrap, "inc-in", ScorerFixture.benign(61, STREAM_START, Duration.ofMinutes(3)));
        webClients(bootstrap, "inc-in", STREAM_START, VICTIM_BENIGN);
        synFlood(bootstrap, "inc-in", attack, Duration.ofMinutes(2), 3000);
        ScorerFixture.produce(bootstrap, "inc-in", ScorerFixture.benign(62, attack, Duration.ofMinutes(2)));
        Duration lateness = ScorerIT.DEFAULT_LATENESS;
        ScorerFixture.flowAt(bootstrap, "inc-in", 0, attack.plus(Duration.ofMinutes(2)).plus(lateness)); // to 00:05
        List<IncidentEvent> states = states(bootstrap, s -> s.size() >= 2);
        assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS);
        assertThat(states.get(0).victim()).isEqualTo("203.0.113.0/24");
        assertThat(states.get(0).start()).isEqualTo(attack);
        floodTraffic(states, attack);
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
        JsonNode proposed = proposalsOfTheStart(id, tmp.resolve("proposals.jsonl"), bootstrap, "inc-proposals", attack);
        ScorerChaosIT.awaitMetric(first, "mitigation_proposals_total", 1);
        // mitigation.mode=auto: the Flowspec rule that passed its check is announced, the refused RTBH route is not.
        assertThat(proposed.path("text").asText()).contains("mitigation.mode=auto: the allowed ones are announced"
            + " through GoBGP's API at " + gobgpd.address());
        assertThat(proposed.path("proposals").get(1).path("allowed").asBoolean()).isTrue();
        assertThat(proposed.path("announced")).hasSize(1);
        assertThat(proposed.path("announced_now").get(0).asText()).startsWith("gobgp global rib -a ipv4-flowspec add"
            + " match destination " + VICTIM_IP + "/32 protocol tcp destination-port '==80'");
        assertThat(proposed.path("ended").asBoolean()).isFalse();
        ScorerChaosIT.awaitMetric(first, "mitigation_routes_announced_total", 1);
        assertThat(gobgpd.rib("ipv4-flowspec")).contains("[destination: " + VICTIM_IP + "/32][protocol: ==tcp]"
            + "[destination-port: ==80]");
        assertThat(gobgpd.rib("ipv4")).doesNotContain(VICTIM_IP);
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
        // The new scorer learnt from the mitigations topic what the first one announced, and withdraws it now that
        // the incident has resolved: the router holds nothing any more.
        ScorerChaosIT.awaitMetric(second, "mitigation_routes_withdrawn_total", 1);
        ScorerChaosIT.awaitMetric(second, "mitigation_route_failures_total", 0);
        ScorerChaosIT.awaitMetric(second, "mitigation_routes_owed", 0);
        assertThat(gobgpd.rib("ipv4-flowspec")).doesNotContain(VICTIM_IP);
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("proposals.jsonl"))) {
          records.add(new ObjectMapper().readTree(line));
        }
        JsonNode last = records.get(records.size() - 1);
        assertThat(last.path("kind").asText()).isEqualTo("resolve");
        assertThat(last.path("ended").asBoolean()).isTrue();
        assertThat(last.path("announced")).isEmpty();
        assertThat(last.path("withdrawn_now")).hasSize(1);
        assertThat(last.has("proposals")).as("a resolution proposes nothing").isFalse();
        // A proposal record written again after the restart (at least once) is the start's.
        for (JsonNode record : records.subList(0, records.size() - 1)) {
          assertThat(record.path("incident_id").asText() + "-" + record.path("seq").asInt())
              .isEqualTo(resolved.id() + "-1");
        }
      }
    }
  }

  /**
   * The scorer's mitigation proposals for the incident's start, in its file and its topic alike: an RTBH route and a
   * Flowspec rule for the victim address, each checked against the victim's flows it read back from the input topic.
   * The RTBH counts are recounted here from the generator's own flows (every flow record to the address: in the
   * incident's first window, the flood's 3,000 and the benign ones; in the reference hour, the benign ones of the 3
   * minutes before the attack), and its verdict follows from them: refused when it would drop more than 1% of the
   * address's benign records.
   */
  private static JsonNode proposalsOfTheStart(String id, Path file, String bootstrap, String topic, Instant attack)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(Files.exists(file) && !Files.readAllLines(file).isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).as("one proposal record for the start").hasSize(1);
    JsonNode written = new ObjectMapper().readTree(lines.get(0));
    List<ConsumerRecord<byte[], byte[]>> published = ScorerFixture.readCommitted(bootstrap, topic,
        Duration.ofSeconds(30), ScorerIT.atLeast(1));
    assertThat(new ObjectMapper().readTree(published.get(0).value())).as("the topic carries the same")
        .isEqualTo(written);
    assertThat(new String(published.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(id);
    assertThat(written.path("incident_id").asText()).isEqualTo(id);
    assertThat(written.path("kind").asText()).isEqualTo("start");
    assertThat(written.path("reference_complete").asBoolean()).isTrue();
    JsonNode proposals = written.path("proposals");
    assertThat(proposals).extracting(p -> p.path("kind").asText() + " " + p.path("target").asText())
        .containsExactly("rtbh " + VICTIM_IP + "/32", "flowspec " + VICTIM_IP + "/32");

    long[] before = victimFlows(ScorerFixture.benign(61, STREAM_START, Duration.ofMinutes(3)), STREAM_START, attack);
    before[0] += VICTIM_BENIGN;
    long[] during = victimFlows(ScorerFixture.benign(62, attack, Duration.ofMinutes(2)), attack,
        attack.plus(Duration.ofMinutes(1)));
    JsonNode rtbh = proposals.get(0);
    assertThat(rtbh.path("incident_flows").asLong()).isEqualTo(3000 + during[0]);
    assertThat(rtbh.path("incident_hits").asLong()).isEqualTo(3000 + during[0]);
    assertThat(rtbh.path("reference_flows").asLong()).isEqualTo(before[0]);
    assertThat(rtbh.path("reference_hits").asLong()).isEqualTo(before[0]);
    assertThat(rtbh.path("allowed").asBoolean()).as("the web server's clients would be cut off").isFalse();
    assertThat(rtbh.path("refusal").asText()).contains("it would drop 100.0% of the flow records to "
        + VICTIM_IP + "/32 in the 1h before the incident (" + before[0] + " of " + before[0] + ")");
    JsonNode flowspec = proposals.get(1);
    assertThat(flowspec.path("incident_hits").asLong()).as("every flood record, none of the benign ones to port 443")
        .isBetween(3000L, 3000 + during[1]);
    assertThat(flowspec.path("reference_flows").asLong()).isEqualTo(before[0]);
    assertThat(flowspec.path("reference_hits").asLong()).as("the HTTPS clients' records hold no SYN to port 80")
        .isEqualTo(before[1]);
    assertThat(flowspec.path("allowed").asBoolean()).isEqualTo(before[1] <= 0.01 * before[0]);
    assertThat(written.path("text").asText()).startsWith("# Mitigation proposals for incident " + id)
        .contains("# vector: tcp dst port 80 flags SYN");
    return written;
  }

  /**
   * The victim's traffic in the incident's first two states, as the scorer profiled it while each window was open: the
   * flood's vector, its 250 sources (and the benign clients of other addresses in the victim's /24), the victim address
   * first among the destinations.
   */
  private static void floodTraffic(List<IncidentEvent> states, Instant attack) {
    VictimTraffic started = states.get(0).traffic();
    assertThat(started).isNotNull();
    assertThat(started.windowStart()).isEqualTo(attack);
    assertThat(started.vector().protocols()).containsExactly(AttackVector.TCP);
    assertThat(started.vector().dstPorts()).containsExactly(80);
    assertThat(started.vector().tcpFlags()).as("SYN only").isEqualTo(2);
    assertThat(started.vector().share()).isGreaterThan(0.9);
    assertThat(started.sources()).isBetween(250L, 350L);
    assertThat(started.topDestinations().get(0)).startsWith(VICTIM_IP + " (");
    assertThat(states.get(1).traffic().windowStart()).isEqualTo(attack.plus(Duration.ofMinutes(1)));
  }

  /** The end offset of partition 0 of {@code topic}: how many records it holds. */
  private static long endOffset(String bootstrap, String topic) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return admin.listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest())).all().get()
          .get(new TopicPartition(topic, 0)).offset();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The generator's flow records to the victim address with their event time in {@code [from, to)}: all of them, and
   * those to port 80.
   */
  private static long[] victimFlows(GeneratorConfig config, Instant from, Instant to)
      throws IOException {
    long[] counts = new long[2];
    long lo = Micros.of(from);
    long hi = Micros.of(to);
    PmacctParser parser = new PmacctParser(ZoneOffset.UTC);
    PmacctParser.Sink sink = new PmacctParser.Sink() {
      @Override
      public void flow(int index, PmacctParser.Fields fields) {
        Flow f = fields.toFlow();
        if (f.ipDst().equals(VICTIM_IP) && f.eventTimeMicros() >= lo && f.eventTimeMicros() < hi) {
          counts[0]++;
          if (f.portDst() == 80) counts[1]++;
        }
      }

      @Override
      public void marker(int index, String eventType) {}

      @Override
      public void reject(int index, String rawObject, String reason) {}
    };
    try (FlowSink collect = new FlowSink() {
      @Override
      public void accept(long arrivalEpochMillis, byte[] message) {
        parser.parse(message, arrivalEpochMillis * 1000, sink);
      }

      @Override
      public void close() {}
    }) {
      new TrafficGenerator(config).run(collect);
    }
    return counts;
  }

  /**
   * The scale-out scorer ({@code scorer.mode=scale-out}) tracks the same incident, with the single scorer's id, in its
   * stage-two tasks: the flood is one incident, started once; an instance stopped while it is open is replaced by a
   * new one that continues it from the task's restored store (no second start) and resolves it. Its states carry the
   * victim's traffic, merged from the source tasks' profiles: the flood's vector and sources, as the single scorer's,
   * and the same mitigation proposals for its start.
   */
  @Test
  void theScaledOutScorerTracksTheIncidentAcrossARestart() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      kafka.createTopics(1, "so-proposals");
      KaminariConfig config = scorerWithIncidents(kafka, "so").with(Settings.SCORER_MODE, "scale-out")
          .with(Settings.SCORER_MITIGATIONS_FILE, tmp.resolve("so-proposals.jsonl").toString())
          .with(Settings.SCORER_MITIGATIONS_TOPIC, "so-proposals");
      Instant attack = STREAM_START.plus(Duration.ofMinutes(3));
      String id = IncidentGrouping.id(ScorerFixture.MODEL, "global", "203.0.113.0/24", attack);
      try (Scorer first = Scorer.start(config)) {
        ScorerFixture.produce(bootstrap, "so-in", ScorerFixture.benign(61, STREAM_START, Duration.ofMinutes(3)));
        webClients(bootstrap, "so-in", STREAM_START, VICTIM_BENIGN);
        synFlood(bootstrap, "so-in", attack, Duration.ofMinutes(2), 3000);
        ScorerFixture.produce(bootstrap, "so-in", ScorerFixture.benign(62, attack, Duration.ofMinutes(2)));
        ScorerFixture.flowAt(bootstrap, "so-in", 0, attack.plus(Duration.ofMinutes(2))
            .plus(ScorerIT.DEFAULT_LATENESS));
        List<IncidentEvent> states = states(bootstrap, "so-incidents", s -> s.size() >= 2);
        assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS);
        assertThat(states).extracting(IncidentEvent::id).containsOnly(id);
        assertThat(states.get(0).start()).isEqualTo(attack);
        floodTraffic(states, attack); // merged from the source tasks' profiles
        assertThat(proposalsOfTheStart(id, tmp.resolve("so-proposals.jsonl"), bootstrap, "so-proposals", attack)
            .path("text").asText()).contains("nothing is announced");
        ScorerChaosIT.awaitMetric(first, "incidents_open", 1);
        ScorerChaosIT.awaitMetric(first, "incidents_started_total", 1);
      }
      try (Scorer second = Scorer.start(config)) {
        ScorerFixture.produce(bootstrap, "so-in",
            ScorerFixture.benign(63, attack.plus(Duration.ofMinutes(2)), Duration.ofMinutes(5)));
        ScorerFixture.flowAt(bootstrap, "so-in", 0, attack.plus(Duration.ofMinutes(7))
            .plus(ScorerIT.DEFAULT_LATENESS));
        List<IncidentEvent> states = states(bootstrap, "so-incidents",
            s -> s.stream().anyMatch(e -> e.kind() == Kind.RESOLVE));
        assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS, Kind.RESOLVE);
        assertThat(states).extracting(IncidentEvent::id).containsOnly(id);
        assertThat(states.get(2).windows()).isEqualTo(2);
        assertThat(states.get(2).end()).isEqualTo(attack.plus(Duration.ofMinutes(2)));
        ScorerChaosIT.awaitMetric(second, "incidents_resolved_total", 1);
        ScorerChaosIT.awaitMetric(second, "incidents_started_total", 0);
        ScorerChaosIT.awaitMetric(second, "incidents_open", 0);
      }
    }
  }

  /**
   * The scale-out scorer's source tasks follow the open incident's victim, learnt from the incidents topic
   * ({@code OpenVictims}), as the single scorer's windows follow its tracker's. In the flood's second window eight other
   * prefixes' traffic comes first, so that the victim would be profiled only once its count passed twice theirs (its
   * first 200 packets missed); followed, its profile holds every packet of the window's flood.
   */
  @Test
  void theScaledOutScorersSourceTasksFollowTheOpenIncidentsVictim() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      KaminariConfig config = scorerWithIncidents(kafka, "sf").with(Settings.SCORER_MODE, "scale-out");
      Instant attack = STREAM_START.plus(Duration.ofMinutes(3));
      Instant second = attack.plus(Duration.ofMinutes(1));
      try (Scorer scorer = Scorer.start(config)) {
        ScorerFixture.produce(bootstrap, "sf-in", ScorerFixture.benign(61, STREAM_START, Duration.ofMinutes(3)));
        synFlood(bootstrap, "sf-in", attack, Duration.ofMinutes(1), 3000);
        // Past the first window and its lateness, to another prefix: the second window stays open and empty.
        otherPrefixes(bootstrap, "sf-in", second.plus(ScorerIT.DEFAULT_LATENESS).plusSeconds(1), 1);
        assertThat(states(bootstrap, "sf-incidents", s -> !s.isEmpty())).extracting(IncidentEvent::kind)
            .containsExactly(Kind.START);
        Thread.sleep(3000); // the instance's feed of the incidents topic polls every 500 ms

        otherPrefixes(bootstrap, "sf-in", second, VictimProfiles.PROFILED);
        synFlood(bootstrap, "sf-in", second, Duration.ofMinutes(1), 3000);
        otherPrefixes(bootstrap, "sf-in", second.plus(Duration.ofMinutes(1)).plus(ScorerIT.DEFAULT_LATENESS)
            .plusSeconds(1), 1);
        List<IncidentEvent> states = states(bootstrap, "sf-incidents", s -> s.size() >= 2);
        assertThat(states).extracting(IncidentEvent::kind).containsExactly(Kind.START, Kind.PROGRESS);
        assertThat(states.get(1).traffic()).as("the second window's profile of the victim").isNotNull();
        assertThat(states.get(1).traffic().packets()).as("every packet of the flood's second window")
            .isEqualTo(3000 * 10);
      }
    }
  }

  /** One flow of 100 packets at {@code at} to each of {@code n} /24s of 10.9.0.0/16, none the victim's. */
  private static void otherPrefixes(String bootstrap, String topic, Instant at, int n) {
    String[] flows = new String[n];
    for (int i = 0; i < n; i++) {
      flows[i] = "{\"ip_src\":\"192.0.2.7\",\"ip_dst\":\"10.9." + i + ".5\",\"port_src\":443,\"port_dst\":"
          + (40000 + i) + ",\"ip_proto\":\"tcp\",\"tcp_flags\":\"24\",\"packets\":100,\"bytes\":90000,"
          + "\"timestamp_start\":" + at.getEpochSecond() + "}";
    }
    ScorerFixture.sendRaw(bootstrap, topic, flows);
  }

  /**
   * When retention has deleted the start of the reference period from the input topic, the scorer's proposals are all
   * refused with that reason instead of being checked against the rest: the deleted records could be the benign
   * traffic a rule would drop.
   */
  @Test
  void proposalsAreRefusedWhenTheInputTopicNoLongerHoldsTheWholeReferencePeriod() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      String bootstrap = kafka.bootstrapServers();
      Path file = tmp.resolve("proposals.jsonl");
      KaminariConfig config = scorerWithIncidents(kafka, "ret")
          .with(Settings.SCORER_MITIGATIONS_FILE, file.toString());
      Instant attack = STREAM_START.plus(Duration.ofMinutes(3));
      webClients(bootstrap, "ret-in", STREAM_START, VICTIM_BENIGN);
      ScorerFixture.produce(bootstrap, "ret-in", ScorerFixture.benign(61, STREAM_START, Duration.ofMinutes(3)));
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
        admin.deleteRecords(Map.of(new TopicPartition("ret-in", 0), RecordsToDelete.beforeOffset(VICTIM_BENIGN / 2)))
            .all().get();
      }
      synFlood(bootstrap, "ret-in", attack, Duration.ofMinutes(2), 3000);
      // Ten more minutes of traffic, all in the topic before the scorer starts: the relay reads none past the point
      // where the incident's first window was past (its end + the allowed lateness), however much follows.
      ScorerFixture.produce(bootstrap, "ret-in",
          ScorerFixture.benign(64, attack.plus(Duration.ofMinutes(2)), Duration.ofMinutes(10)));
      long held = endOffset(bootstrap, "ret-in") - VICTIM_BENIGN / 2;
      try (Scorer scorer = Scorer.start(config)) {
        ScorerChaosIT.awaitMetric(scorer, "mitigation_proposals_total", 1);
      }
      JsonNode written = new ObjectMapper().readTree(Files.readAllLines(file).get(0));
      assertThat(written.path("kind").asText()).isEqualTo("start");
      assertThat(written.path("reference_complete").asBoolean()).isFalse();
      assertThat(written.path("proposals")).hasSize(2).allSatisfy(p -> {
        assertThat(p.path("allowed").asBoolean()).isFalse();
        assertThat(p.path("refusal").asText())
            .startsWith("the input topics no longer hold the whole reference period from " + attack.minusSeconds(3600)
                + " (retention deleted the records written before ")
            .endsWith("kaminari mitigate --incident " + written.path("incident_id").asText());
      });
      assertThat(written.path("proposals").get(0).path("reference_flows").asLong())
          .as("the benign records that were left").isEqualTo(VICTIM_BENIGN - VICTIM_BENIGN / 2);
      assertThat(written.path("proposals").get(0).path("incident_flows").asLong()).as("the flood's first minute")
          .isEqualTo(3000);
      assertThat(written.path("records_read").asLong()).as("not the %d the topic holds", held)
          .isGreaterThan(VICTIM_BENIGN / 2 + 3000).isLessThan(held);
    }
  }

  /**
   * A scorer's configuration with its topics {@code <prefix>-in}, {@code -out}, {@code -dlq} and {@code -incidents}
   * (created, one partition each) and a champion trained for {@link ScorerFixture#SPEC_60} under {@code tmp/home}.
   */
  private KaminariConfig scorerWithIncidents(EmbeddedKafka kafka, String prefix) {
    kafka.createTopics(1, prefix + "-in", prefix + "-out", prefix + "-dlq", prefix + "-incidents");
    Path home = tmp.resolve("home");
    ScorerFixture.publishChampion(ScorerFixture.registry(home.resolve("models")), ScorerFixture.SPEC_60);
    return ScorerFixture.config(home, kafka.bootstrapServers(), prefix + "-in", prefix + "-out", prefix + "-dlq")
        .with(Settings.SCORER_INCIDENTS_TOPIC, prefix + "-incidents");
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
    return states(bootstrap, "inc-incidents", done);
  }

  /** The committed incident states of {@code topic}, in order, once {@code done} holds (or after 60 s). */
  private static List<IncidentEvent> states(String bootstrap, String topic, Predicate<List<IncidentEvent>> done) {
    List<IncidentEvent> out = new ArrayList<>();
    ScorerFixture.readCommitted(bootstrap, topic, Duration.ofSeconds(60), records -> {
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

  /** Benign HTTPS records to the victim address before the attack, which an RTBH route would drop. */
  static final int VICTIM_BENIGN = 12;

  /** {@link #VICTIM_BENIGN} established HTTPS connections (ACK and PSH) to the victim, 10 s apart from {@code from}. */
  private static void webClients(String bootstrap, String topic, Instant from, int n) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(bootstrap));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = 0; i < n; i++) {
        String flow = "{\"ip_src\":\"192.0.2." + (100 + i) + "\",\"ip_dst\":\"" + VICTIM_IP + "\",\"port_src\":"
            + (50000 + i) + ",\"port_dst\":443,\"ip_proto\":\"tcp\",\"tcp_flags\":\"24\",\"packets\":8,"
            + "\"bytes\":4000,\"timestamp_start\":" + (from.getEpochSecond() + 10L * i) + "}";
        producer.send(new ProducerRecord<>(topic, 0, null, flow.getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  /** {@code perMinute} SYN flows of 10 packets a minute to port 80 of the victim, each from another source port. */
  private static void synFlood(String bootstrap, String topic, Instant from, Duration length, int perMinute) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(bootstrap));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      long flows = perMinute * length.toMinutes();
      for (long i = 0; i < flows; i++) {
        long second = from.getEpochSecond() + i * length.toSeconds() / flows;
        String flow = "{\"ip_src\":\"198.51.100." + (i % 250) + "\",\"ip_dst\":\"" + VICTIM_IP + "\",\"port_src\":"
            + (1024 + i % 60000) + ",\"port_dst\":80,\"ip_proto\":\"tcp\",\"tcp_flags\":\"2\",\"packets\":10,"
            + "\"bytes\":600,\"timestamp_start\":" + second + "}";
        producer.send(new ProducerRecord<>(topic, 0, null, flow.getBytes(StandardCharsets.UTF_8)));
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
