package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.incidents.IncidentEvent.Kind;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower under the alert and mitigation relays, against a real broker: of the states in the topic it hands on
 * those of its model that the scorer wrote within {@code incidents.max-age}, skips older ones (a relay started on a
 * topic with history does not page for the past), other models' and records that are not incident states, and a
 * second feed of the same group continues after what the first committed.
 */
class IncidentFeedIT {
  static final Instant START = Instant.parse("2024-05-02T03:00:00Z");

  @TempDir Path tmp;

  @Test
  void handsOnRecentStatesOfItsModelOnceAndSkipsTheRest() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      kafka.createTopics(1, "incidents");
      long now = System.currentTimeMillis();
      send(kafka, now - Duration.ofHours(3).toMillis(), state("aaaaaaaaaaaaaaaa", "flow-ae").toJson()); // last week's
      send(kafka, now, "not an incident state".getBytes(StandardCharsets.UTF_8));
      send(kafka, now, state("bbbbbbbbbbbbbbbb", "other-model").toJson());
      send(kafka, now, state("cccccccccccccccc", "flow-ae").toJson());

      List<String> handled = new CopyOnWriteArrayList<>();
      try (IncidentFeed feed = feed(kafka, handled)) {
        feed.start();
        await(handled, 1);
        Thread.sleep(1000); // anything else it would hand on arrives by now
      }
      assertThat(handled).containsExactly("cccccccccccccccc");

      send(kafka, System.currentTimeMillis(), state("dddddddddddddddd", "flow-ae").toJson());
      List<String> next = new CopyOnWriteArrayList<>();
      try (IncidentFeed feed = feed(kafka, next)) {
        feed.start();
        await(next, 1);
        Thread.sleep(1000);
      }
      assertThat(next).as("the same group goes on after what the first feed committed")
          .containsExactly("dddddddddddddddd");
    }
  }

  /**
   * The mitigation relay's two hooks: a state older than {@code incidents.max-age} that the follower still owes
   * something for (a route to withdraw) is handed on, the other old ones are not; and {@code onAssigned} runs when the
   * group assigns partitions, before any state of them.
   */
  @Test
  void anOldStateTheFollowerWantsIsHandedOnAfterTheAssignmentHook() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      kafka.createTopics(1, "incidents");
      long old = System.currentTimeMillis() - Duration.ofHours(3).toMillis();
      send(kafka, old, state("aaaaaaaaaaaaaaaa", "flow-ae").toJson());
      send(kafka, old, state("ffffffffffffffff", "flow-ae").toJson());
      List<String> seen = new CopyOnWriteArrayList<>();
      try (IncidentFeed feed = feed(kafka, seen)) {
        feed.handleOld(e -> e.id().equals("ffffffffffffffff"));
        feed.onAssigned(() -> seen.add("assigned"));
        feed.start();
        await(seen, 2);
        Thread.sleep(1000);
      }
      assertThat(seen).containsExactly("assigned", "ffffffffffffffff");
    }
  }

  /**
   * Without a group (the scale-out scorer's follower of open victims): every partition, from the states written within
   * {@code incidents.max-age}, and nothing committed, so a second feed reads the same states again.
   */
  @Test
  void withoutAGroupItReadsEveryPartitionFromMaxAgeAndCommitsNothing() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      kafka.createTopics(2, "incidents");
      long now = System.currentTimeMillis();
      send(kafka, 0, now - Duration.ofHours(3).toMillis(), state("aaaaaaaaaaaaaaaa", "flow-ae").toJson());
      send(kafka, 0, now, state("cccccccccccccccc", "flow-ae").toJson());
      send(kafka, 1, now, state("bbbbbbbbbbbbbbbb", "other-model").toJson());
      send(kafka, 1, now, state("eeeeeeeeeeeeeeee", "flow-ae").toJson());
      for (int run = 1; run <= 2; run++) {
        List<String> handled = new CopyOnWriteArrayList<>();
        Properties clients = new Properties();
        clients.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        clients.put(ConsumerConfig.GROUP_ID_CONFIG, "a-group-the-pass-through-set"); // dropped: no group
        try (IncidentFeed feed = new IncidentFeed(clients, null, "incidents", "flow-ae", "groupless",
            e -> handled.add(e.id()), "the test feed stopped", Duration.ofHours(1), Clock.systemUTC())) {
          feed.start();
          await(handled, 2);
          Thread.sleep(1000);
        }
        assertThat(handled).as("run %d", run).containsExactlyInAnyOrder("cccccccccccccccc", "eeeeeeeeeeeeeeee");
      }
    }
  }

  private static IncidentFeed feed(EmbeddedKafka kafka, List<String> handled) {
    Properties clients = new Properties();
    clients.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return new IncidentFeed(clients, "feed-test", "incidents", "flow-ae", "feed-test", e -> handled.add(e.id()),
        "the test feed stopped", Duration.ofHours(1), Clock.systemUTC());
  }

  private static IncidentEvent state(String id, String model) {
    return new IncidentEvent(Kind.START, 1, id, model, 3, "global", "203.0.113.0/24", START, START.plusSeconds(60),
        null, 1, 60, 4.2, 9000, 300, List.of(), START.plusSeconds(60), 4.2, null);
  }

  private static void send(EmbeddedKafka kafka, long timestamp, byte[] value) {
    send(kafka, 0, timestamp, value);
  }

  private static void send(EmbeddedKafka kafka, int partition, long timestamp, byte[] value) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(kafka.bootstrapServers()));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("incidents", partition, timestamp, null, value));
    }
  }

  private static void await(List<String> handled, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (handled.size() < n && System.nanoTime() < deadline) Thread.sleep(50);
  }
}
