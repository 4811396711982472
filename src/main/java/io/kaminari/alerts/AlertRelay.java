package io.kaminari.alerts;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.IncidentFeed;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the streaming scorer's incident notifications where on-call looks: follows the committed incident states of
 * the incidents topic ({@code scorer.incidents-topic}, so only what the scorer committed) with a consumer group of its
 * own ({@code <scorer.group-id>-alerts}, an {@link IncidentFeed}) and hands each {@code start}, {@code update} and
 * {@code resolve} of the followed model to {@link AlertDelivery}. Delivery is at least once: after a crash the last
 * batch may be sent again, with the same {@code X-Kaminari-Delivery} id (webhook) or the same alert labels
 * (Alertmanager), which is what both deduplicate on. A thread of its own: a receiver that is down delays alerts, never
 * scoring.
 */
public final class AlertRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertRelay.class);

  /** What the relay reports to the scorer's metrics. */
  public interface Counters {
    void alertDelivered();

    void alertDeadLettered();
  }

  private final IncidentFeed feed;

  private AlertRelay(IncidentFeed feed) {
    this.feed = feed;
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
    Properties clients = new Properties();
    clients.putAll(kafka);
    clients.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(Settings.BOOTSTRAP_SERVERS));
    IncidentFeed feed = new IncidentFeed(clients, config.get(Settings.SCORER_GROUP) + "-alerts", topic, model,
        "kaminari-alerts", e -> {
          if (!e.kind().notifies()) return;
          int failed = delivery.deliver(e);
          for (int i = 0; i < failed; i++) counters.alertDeadLettered();
          if (failed == 0) counters.alertDelivered();
        }, "the alert relay stopped; incidents are still tracked and written to " + topic + ", but not sent",
        config.get(Settings.INCIDENT_MAX_AGE), Clock.systemUTC());
    LOG.info("sending the incidents of {} from {} to {}", model, topic,
        receivers.stream().map(Receiver::name).toList());
    feed.start();
    return new AlertRelay(feed);
  }

  /** Stops the relay, ending a back-off wait. */
  @Override
  public void close() throws InterruptedException {
    feed.close();
  }
}
