package io.kaminari.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Micros;
import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import io.kaminari.incidents.Announcer;
import io.kaminari.incidents.ExposureTally;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentFeed;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.Mitigations.Decision;
import io.kaminari.incidents.Mitigations.Proposal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the mitigation proposals of the streaming scorer's incidents ({@code scorer.mitigations-topic} and/or
 * {@code scorer.mitigations-file}): for each committed {@code start} and {@code update} of the followed model's
 * incidents (an {@link IncidentFeed} of {@code scorer.incidents-topic} with the group {@code <group>-mitigations},
 * one state between two polls) it proposes what {@code kaminari mitigate --incident ID} would ({@link Mitigations}), and
 * runs the same safety check: each proposal against the victim's flow records of the incident's windows and of the
 * reference period before it ({@code mitigation.reference-period}). The scorer keeps no flows, so it reads them back
 * from its input topics, from the reference period's start (less {@code scorer.arrival-tolerance}: an exporter ahead
 * of its clock stamps flows later than they arrived) until the incident's windows are past, as the scorer's watermark
 * rule sees them ({@link #readFlows}), and counts them by event time ({@link ExposureTally}). Nothing is announced
 * (the proposals are text for a person to approve) unless {@code mitigation.mode=auto}: then the relay also announces
 * the allowed proposals, follows them as the incident's states change them, and withdraws them when it resolves
 * ({@link RouteLedger}). Which routes each incident holds is written with each state to the topic, which is how a
 * restarted relay knows what to withdraw ({@link #restoreLedger}).
 *
 * <p>A reference the topics no longer hold in full (retention deleted its start) refuses every proposal with that
 * reason instead of checking against part of it: a rule checked against a part could drop benign traffic the check
 * never saw; {@code kaminari mitigate} checks against the flows table. Each state is written at least once: after a
 * crash the last one may be written again, with the same {@code incident_id} and {@code seq}. A thread of its own,
 * so that reading an hour of flows back delays proposals, never scoring.
 */
final class MitigationRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MitigationRelay.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The record fields a restarted relay reads back under {@code mitigation.mode=auto}. */
  private static final String ANNOUNCE_TARGET = "announce_target";
  private static final String ANNOUNCED = "announced";
  private static final String ENDED = "ended";

  /** What the relay reports to the scorer's metrics. */
  interface Counters {
    void mitigationProposed();

    /** Under {@code mitigation.mode=auto}: routes announced, routes withdrawn, and routes that failed either. */
    void routesChanged(int announced, int withdrawn, int failed);

    /** Under {@code mitigation.mode=auto}: the routes of ended incidents still announced ({@link RouteLedger#owed}). */
    void routesOwed(int routes);
  }

  private final IncidentFeed feed;
  private final KafkaConsumer<byte[], byte[]> flows;
  private final KafkaProducer<byte[], byte[]> producer;
  private final ScorerOptions options;
  private final Mitigations.Options mitigation;
  private final String topic;
  private final Path file;
  private final Counters counters;
  private final PmacctParser parser;
  private final String model;
  /** Null unless {@code mitigation.mode=auto}. */
  private final RouteLedger ledger;

  private MitigationRelay(ScorerOptions options, String model, Mitigations.Options mitigation, String topic,
      Path file, Duration maxAge, Counters counters, Announcer announcer) {
    this.options = options;
    this.model = model;
    this.ledger = announcer == null ? null : new RouteLedger(announcer);
    this.mitigation = mitigation;
    this.topic = topic;
    this.file = file;
    this.counters = counters;
    Properties c = options.clientSettings();
    // Each state reads the reference period back: one at a time, well within max.poll.interval.ms.
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    this.feed = new IncidentFeed(c, options.groupId() + "-mitigations", options.incidentsTopic(), model,
        "kaminari-mitigations", this::handle, "the mitigation relay stopped; incidents are still tracked and"
            + " alerted, but no proposals are written (kaminari mitigate --incident ID makes them from the flows"
            + " table)", maxAge, Clock.systemUTC());
    Properties f = options.clientSettings();
    f.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    f.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, no group: it reads, never commits
    this.flows = new KafkaConsumer<>(f, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    if (topic.isBlank()) {
      this.producer = null;
    } else {
      Properties p = options.clientSettings();
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    this.parser = new PmacctParser(options.collectorZone(), options.eventTimes());
  }

  /**
   * The relay {@code config} asks for, started, or null when it sets neither {@code scorer.mitigations-topic} nor
   * {@code scorer.mitigations-file}.
   *
   * @throws IllegalArgumentException when one is set but {@code scorer.incidents-topic} is not, when
   *     {@code mitigation.mode=auto} lacks {@code scorer.mitigations-topic} or its target, or a {@code mitigation.*}
   *     setting is malformed
   */
  static MitigationRelay start(KaminariConfig config, ScorerOptions options, String model, Counters counters) {
    String topic = config.get(Settings.SCORER_MITIGATIONS_TOPIC);
    String file = config.get(Settings.SCORER_MITIGATIONS_FILE);
    boolean auto = config.get(Settings.MITIGATION_MODE).equals(Settings.MITIGATION_AUTO);
    if (auto && topic.isBlank()) {
      throw new IllegalArgumentException("mitigation.mode=auto needs scorer.mitigations-topic: the scorer records"
          + " there which routes it announced for each incident, so that it withdraws them even after a restart");
    }
    if (topic.isBlank() && file.isBlank()) return null;
    if (options.incidentsTopic().isBlank()) {
      throw new IllegalArgumentException("scorer.mitigations-topic and scorer.mitigations-file need"
          + " scorer.incidents-topic: proposals are made for the incidents the scorer tracks there");
    }
    MitigationRelay relay = new MitigationRelay(options, model,
        Mitigations.Options.of(config, Mitigations.Format.BOTH), topic, file.isBlank() ? null : Path.of(file),
        config.get(Settings.INCIDENT_MAX_AGE), counters, auto ? Announcer.of(config) : null);
    LOG.info("writing the mitigation proposals of the incidents of {} to {}", model,
        (topic.isBlank() ? "" : "topic " + topic + " ") + (file.isBlank() ? "" : "file " + file));
    if (auto) {
      // Read back at each assignment, the first included: after a rebalance the incidents of the partitions it
      // gains were another relay's, whose announcements are in the topic only.
      relay.feed.onAssigned(relay::restoreLedger);
      // A resolution the relay reads late still owes the withdrawal of what the incident holds.
      relay.feed.handleOld(e -> e.kind() == IncidentEvent.Kind.RESOLVE && relay.ledger.holds(e.id()));
      LOG.warn("mitigation.mode=auto: announcing the allowed proposals of the incidents of {} through {} without a"
          + " person, and withdrawing them when the incident resolves", model, relay.ledger.announcer().target());
    }
    relay.feed.start();
    return relay;
  }

  private void handle(IncidentEvent e) {
    if (ledger == null) {
      if (e.kind() == IncidentEvent.Kind.START || e.kind() == IncidentEvent.Kind.UPDATE) propose(e);
      return;
    }
    try {
      ledger.retryEnded().forEach((id, o) -> publishRoutes(id, "withdrawal-retry", o, true));
      if (e.kind() == IncidentEvent.Kind.RESOLVE && ledger.holds(e.id())) {
        publishRoutes(e.id(), "resolve", ledger.reconcile(e.id(), List.of(), true), true);
      } else if (e.kind() == IncidentEvent.Kind.START || e.kind() == IncidentEvent.Kind.UPDATE) {
        propose(e);
      }
    } finally {
      counters.routesOwed(ledger.owed());
    }
  }

  private void propose(IncidentEvent e) {
    Incident incident = e.incident();
    if (incident == null) {
      LOG.info("incident {} ({}): no profile of the victim's flows yet, so no vector to propose a rule for", e.id(),
          e.kind());
      return;
    }
    List<Proposal> proposals = Mitigations.proposals(incident);
    Instant referenceFrom = e.start().minus(mitigation.reference());
    ExposureTally tally = new ExposureTally(proposals, referenceFrom, e.start(), e.lastUpdate());
    Read read = readFlows(referenceFrom, e.lastUpdate(), tally);
    if (!feed.running()) return; // closing: the tally may be partial, and a partial check must not be written
    List<Decision> decisions = Mitigations.decide(proposals, tally.exposures(), mitigation);
    RouteLedger.Outcome routes = null;
    if (read.heldFrom() != null) {
      // Nothing can be checked: every proposal is refused, and the routes the incident holds stay as they are,
      // neither added to nor withdrawn mid-attack.
      decisions = refuseAll(decisions, read.heldFrom(), referenceFrom, e.id());
    } else if (ledger != null) {
      routes = ledger.reconcile(e.id(), ledger.announcer().routes(decisions, mitigation), false);
    }
    write(e, incident, decisions, read, routes);
    counters.mitigationProposed();
  }

  /**
   * Offers the flow records of the input topics to {@code tally}: from {@code referenceFrom} (less the arrival
   * tolerance, by Kafka's record time) until a partition's time, by the scorer's watermark rule (event time, at most
   * arrival + {@code scorer.arrival-tolerance}), passes {@code incidentTo} by {@code scorer.allowed-lateness} (what
   * arrives after that was late for the scorer too), or its end when the state was read. So a state of an old
   * incident (a new group reads the incidents topic from its start) reads its own hours, not the rest of the topic.
   */
  private Read readFlows(Instant referenceFrom, Instant incidentTo, ExposureTally tally) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String t : options.topics()) {
      for (PartitionInfo p : flows.partitionsFor(t)) partitions.add(new TopicPartition(t, p.partition()));
    }
    flows.assign(partitions);
    flows.resume(flows.paused());
    long seekMillis = referenceFrom.minus(options.arrivalTolerance()).toEpochMilli();
    Map<TopicPartition, Long> times = new HashMap<>();
    for (TopicPartition p : partitions) times.put(p, seekMillis);
    Map<TopicPartition, OffsetAndTimestamp> found = flows.offsetsForTimes(times);
    Map<TopicPartition, Long> begin = flows.beginningOffsets(partitions);
    Map<TopicPartition, Long> end = flows.endOffsets(partitions);
    Map<TopicPartition, Long> remaining = new HashMap<>();
    Instant heldFrom = null;
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp at = found.get(p);
      long from = at == null ? end.get(p) : at.offset();
      // The first record the partition holds is younger than the reference's start: retention deleted older ones.
      if (at != null && at.offset() == begin.get(p) && begin.get(p) > 0 && at.timestamp() > seekMillis) {
        Instant t = Instant.ofEpochMilli(at.timestamp());
        if (heldFrom == null || t.isAfter(heldFrom)) heldFrom = t;
      }
      flows.seek(p, from);
      if (from < end.get(p)) remaining.put(p, end.get(p));
    }
    long stopMicros = Micros.of(incidentTo.plus(options.allowedLateness()));
    long toleranceMicros = options.arrivalTolerance().toNanos() / 1000;
    ExposureSink sink = new ExposureSink(tally);
    long records = 0;
    while (!remaining.isEmpty() && feed.running()) {
      for (ConsumerRecord<byte[], byte[]> r : flows.poll(Duration.ofMillis(500))) {
        TopicPartition p = new TopicPartition(r.topic(), r.partition());
        Long stop = remaining.get(p);
        if (stop == null || r.offset() >= stop) continue;
        sink.latest = Long.MIN_VALUE;
        records++;
        RecordHandler.parseRecord(parser, r.value(), r.timestamp() * 1000, sink, (raw, err) -> { });
        long time = r.timestamp() < 0 ? sink.latest : Math.min(sink.latest, r.timestamp() * 1000 + toleranceMicros);
        if (r.offset() + 1 >= stop || time > stopMicros) done(p, remaining);
      }
      for (TopicPartition p : List.copyOf(remaining.keySet())) {
        if (flows.position(p) >= remaining.get(p)) done(p, remaining);
      }
    }
    return new Read(heldFrom, records);
  }

  /**
   * What {@link #readFlows} read.
   *
   * @param heldFrom null, or when retention has deleted records of the reference period, the latest write time
   *     (Kafka's record time) of a partition's oldest record left
   * @param records the input records offered to the tally
   */
  private record Read(Instant heldFrom, long records) {}

  /** Stops fetching {@code p}, read to the end it had: the others may have further to go. */
  private void done(TopicPartition p, Map<TopicPartition, Long> remaining) {
    remaining.remove(p);
    flows.pause(List.of(p));
  }

  /** {@code decisions} with every proposal refused because the topics no longer hold the whole reference period. */
  private static List<Decision> refuseAll(List<Decision> decisions, Instant heldFrom, Instant referenceFrom,
      String id) {
    String reason = "the input topics no longer hold the whole reference period from " + referenceFrom
        + " (retention deleted the records written before " + heldFrom + "): check it against the flows table with"
        + " kaminari mitigate --incident " + id;
    return decisions.stream().map(d -> new Decision(d.proposal(), d.exposure(), reason)).toList();
  }

  private void write(IncidentEvent e, Incident incident, List<Decision> decisions, Read read,
      RouteLedger.Outcome routes) {
    String header = "proposed by the streaming scorer on the incident's " + e.kind().name().toLowerCase(
        Locale.ROOT) + " (notification " + e.seq() + "), checked against the victim's flows read back from "
        + String.join(", ", options.topics()) + "; " + (ledger == null ? "nothing is announced"
            : "mitigation.mode=auto: the allowed ones are announced through " + ledger.announcer().target());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("incident_id", e.id());
    out.put("seq", e.seq());
    out.put("kind", e.kind().name().toLowerCase(Locale.ROOT));
    out.put("model", e.model());
    out.put("victim", e.victim());
    out.put("start", e.start().toString());
    out.put("last_update", e.lastUpdate().toString());
    out.put("reference_complete", read.heldFrom() == null);
    out.put("records_read", read.records());
    List<Map<String, Object>> proposals = new ArrayList<>();
    List<String> briefs = Mitigations.brief(decisions, mitigation);
    for (int i = 0; i < decisions.size(); i++) {
      Decision d = decisions.get(i);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("kind", d.proposal().kind().name().toLowerCase(Locale.ROOT));
      p.put("target", d.proposal().target());
      p.put("allowed", d.allowed());
      if (!d.allowed()) p.put("refusal", d.refusal());
      p.put("incident_flows", d.exposure().incidentFlows());
      p.put("incident_hits", d.exposure().incidentHits());
      p.put("reference_flows", d.exposure().referenceFlows());
      p.put("reference_hits", d.exposure().referenceHits());
      p.put("brief", briefs.get(i));
      proposals.add(p);
    }
    out.put("proposals", proposals);
    out.put("text", Mitigations.render(incident, decisions, mitigation, header));
    if (ledger != null) routeFields(out, routes == null ? ledger.unchanged(e.id()) : routes, false);
    publish(e.id(), out);
    LOG.info("mitigation proposals for incident {} ({} {}): {}", e.id(), e.kind(), e.seq(), briefs);
  }

  /** Writes the routes incident {@code id} holds after {@code o}, with no proposals: a resolution or a retry. */
  private void publishRoutes(String id, String kind, RouteLedger.Outcome o, boolean ended) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("incident_id", id);
    out.put("kind", kind);
    out.put("model", model);
    routeFields(out, o, ended);
    publish(id, out);
  }

  /**
   * Adds the fields a restarted relay reads back ({@code announce_target}, {@code announced}, {@code ended}) and what
   * this state changed, and counts it.
   */
  private void routeFields(Map<String, Object> out, RouteLedger.Outcome o, boolean ended) {
    out.put(ANNOUNCE_TARGET, ledger.announcer().target());
    out.put(ANNOUNCED, o.held());
    out.put(ENDED, ended);
    out.put("announced_now", o.announced().stream().map(ledger.announcer()::text).toList());
    out.put("withdrawn_now", o.withdrawn().stream().map(ledger.announcer()::text).toList());
    out.put("route_errors", o.errors());
    counters.routesChanged(o.announced().size(), o.withdrawn().size(), o.errors().size());
  }

  /** Appends {@code out} to the file and the topic (key {@code id}) of the relay, whichever are set. */
  private void publish(String id, Map<String, Object> out) {
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(out);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    if (file != null) {
      try {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        Files.write(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot append to scorer.mitigations-file " + file + ": " + ex, ex);
      }
    }
    if (producer != null) {
      try {
        producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), json)).get();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted writing to " + topic, ex);
      } catch (ExecutionException ex) {
        throw new IllegalStateException("cannot write to scorer.mitigations-topic " + topic + ": " + ex.getCause(),
            ex.getCause());
      }
    }
  }

  /**
   * Reads {@code scorer.mitigations-topic} from its start and takes over, per incident of this model, the routes its
   * last record says are announced through this target (and whether the incident had ended): whenever the feed is
   * assigned partitions, before it handles a state of them. Records of another target are skipped with a warning:
   * those routes are not this relay's to withdraw.
   */
  private void restoreLedger() {
    Properties c = options.clientSettings();
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    String target = ledger.announcer().target();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          JsonNode n;
          try {
            n = JSON.readTree(r.value());
          } catch (IOException | RuntimeException e) {
            LOG.warn("{} offset {}: not a mitigations record, skipped: {}", topic, r.offset(), e.getMessage());
            continue;
          }
          if (n == null || !n.has(ANNOUNCED) || !model.equals(n.path("model").asText())) continue;
          List<List<String>> routes = new ArrayList<>();
          for (JsonNode route : n.get(ANNOUNCED)) {
            List<String> args = new ArrayList<>();
            route.forEach(a -> args.add(a.asText()));
            if (!args.isEmpty()) routes.add(List.copyOf(args));
          }
          String id = n.path("incident_id").asText();
          if (target.equals(n.path(ANNOUNCE_TARGET).asText())) {
            ledger.restore(id, routes, n.path(ENDED).asBoolean());
          } else if (!routes.isEmpty()) {
            LOG.warn("incident {}: {} route(s) announced through {}, not this relay's target {}; withdraw them there"
                + " by hand if they are still announced", id, routes.size(), n.path(ANNOUNCE_TARGET).asText(),
                target);
          }
        }
      }
    }
    LOG.info("routes announced for the incidents of {}, as {} has them: {}", model, topic, ledger.held());
    counters.routesOwed(ledger.owed());
  }

  /** Feeds parsed flows to the tally; rejects are the scorer's business (it dead-letters them). */
  private static final class ExposureSink implements PmacctParser.Sink {
    private final ExposureTally tally;
    /** The latest event time of the record being read (µs), {@link Long#MIN_VALUE} before its first flow. */
    long latest = Long.MIN_VALUE;

    ExposureSink(ExposureTally tally) {
      this.tally = tally;
    }

    @Override
    public void flow(int index, PmacctParser.Fields fields) {
      try {
        Flow f = fields.toFlow();
        latest = Math.max(latest, f.eventTimeMicros());
        tally.add(f.eventTimeMicros(), f.ipDst(), f.ipProto(), f.portSrc(), f.portDst(),
            f.tcpFlags() == null ? 0 : f.tcpFlags(), f.bytes(), f.packets());
      } catch (RuntimeException e) {
        // a record the scorer dead-letters: it is no flow to the victim either
      }
    }

    @Override
    public void marker(int index, String eventType) {}

    @Override
    public void reject(int index, String rawObject, String reason) {}
  }

  /** Stops the relay: the feed interrupts a read of the reference period, then its clients close. */
  @Override
  public void close() throws InterruptedException {
    feed.close();
    flows.close(Duration.ofSeconds(2));
    if (producer != null) producer.close(Duration.ofSeconds(5));
  }
}
