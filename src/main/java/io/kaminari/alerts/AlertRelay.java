package io.kaminari.alerts;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.IncidentEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the streaming scorer's incident notifications where on-call looks: reads the committed incident states of the
 * incidents topic ({@code scorer.incidents-topic}, so only what the scorer committed, once) with a consumer group of
 * its own ({@code <scorer.group-id>-alerts}), hands each {@code start}, {@code update} and {@code resolve} of the
 * followed model to {@link AlertDelivery}, and commits its position after each batch. Delivery is at least once: after
 * a crash the last batch may be sent again, with the same {@code X-Kaminari-Delivery} id (webhook) or the same alert
 * labels (Alertmanager), which is what both deduplicate on. A thread of its own: a receiver that is down delays
 * alerts, never scoring.
 */
public final class AlertRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertRelay.class);

  /** What the relay reports to the scorer's metrics. */
  public interface Counters {
    void alertDelivered();

    void alertDeadLettered();
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final String model;
  private final AlertDelivery delivery;
  private final Counters counters;
  private final Thread thread;
  private volatile boolean running = true;

  private AlertRelay(KafkaConsumer<byte[], byte[]> consumer, String topic, String model, AlertDelivery delivery,
      Counters counters) {
    this.consumer = consumer;
    this.topic = topic;
    this.model = model;
    this.delivery = delivery;
    this.counters = counters;
    this.thread = new Thread(this::run, "kaminari-alerts");
  }

  /**
   * The relay {@code config} asks for, started, or null when it names no receiver.
   *
   * @param kafka the {@code kafka.*} pass-through client settings, without their prefix
   * @param model the registry model name whose incidents are sent
   * @throws IllegalArgumentException when receivers are set but {@code scorer.incidents-topic} is not, or a receiver
   *     setting is malformed
   */
  public static AlertRelay start(KaminariConfig config, Map<String, String> kafka, String model, Counters counters) {
    List<Receiver> receivers = new ArrayList<>();
    String am = config.get(Settings.ALERTS_ALERTMANAGER_URL);
    if (!am.isBlank()) {
      receivers.add(new AlertmanagerReceiver(am, config.get(Settings.ALERTS_FIRING_VALIDITY), Clock.systemUTC()::instant));
    }
    String hook = config.get(Settings.ALERTS_WEBHOOK_URL);
    if (!hook.isBlank()) {
      receivers.add(new WebhookReceiver(hook, config.get(Settings.ALERTS_WEBHOOK_HEADERS),
          config.get(Settings.ALERTS_WEBHOOK_AUTH_TOKEN), config.get(Settings.ALERTS_WEBHOOK_SECRET)));
    }
    if (receivers.isEmpty()) return null;
    String topic = config.get(Settings.SCORER_INCIDENTS_TOPIC);
    if (topic.isBlank()) {
      throw new IllegalArgumentException("alerts.alertmanager-url and alerts.webhook-url need"
          + " scorer.incidents-topic: alerts are sent for the incidents the scorer tracks there");
    }
    String file = config.get(Settings.ALERTS_DEAD_LETTER_FILE);
    Path deadLetters = file.isBlank() ? Path.of(config.get(Settings.HOME), "alerts-dead-letters.jsonl") : Path.of(file);
    AlertDelivery delivery = new AlertDelivery(receivers, config.get(Settings.ALERTS_MAX_ATTEMPTS),
        config.get(Settings.ALERTS_RETRY_BACKOFF), deadLetters, d -> Thread.sleep(d.toMillis()));
    Properties p = new Properties();
    p.putAll(kafka);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(Settings.BOOTSTRAP_SERVERS));
    p.put(ConsumerConfig.GROUP_ID_CONFIG, config.get(Settings.SCORER_GROUP) + "-alerts");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    AlertRelay relay = new AlertRelay(new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
        topic, model, delivery, counters);
    LOG.info("sending the incidents of {} from {} to {}", model, topic,
        receivers.stream().map(Receiver::name).toList());
    relay.thread.start();
    return relay;
  }

  private void run() {
    try {
      consumer.subscribe(List.of(topic));
      while (running) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          relay(r);
          done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        if (!done.isEmpty()) consumer.commitSync(done);
      }
    } catch (WakeupException e) {
      // close()
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("the alert relay stopped; incidents are still tracked and written to {}, but not sent", topic, e);
    } finally {
      // close() interrupts a back-off wait; with the flag still set the consumer's own close would throw
      boolean interrupted = Thread.interrupted();
      consumer.close(Duration.ofSeconds(2));
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  private void relay(ConsumerRecord<byte[], byte[]> r) throws InterruptedException {
    IncidentEvent e;
    try {
      e = IncidentEvent.fromJson(r.value());
    } catch (IOException | RuntimeException notOurs) {
      LOG.warn("skipping a record that is not an incident state at {}-{} offset {}: {}", r.topic(), r.partition(),
          r.offset(), notOurs.toString());
      return;
    }
    if (!e.kind().notifies() || !model.equals(e.model())) return;
    int failed = delivery.deliver(e);
    for (int i = 0; i < failed; i++) counters.alertDeadLettered();
    if (failed == 0) counters.alertDelivered();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.interrupt(); // ends a back-off wait
    thread.join(Duration.ofSeconds(30).toMillis());
  }
}
