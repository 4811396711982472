package io.kaminari.stream;

import io.kaminari.flow.EventTimePolicy;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The {@link StreamingScorer}'s settings: where to read and write, the event-time rules and the state's bounds
 * (docs/scorer.md).
 */
public record ScorerOptions(String bootstrapServers, List<String> topics, String outputTopic, String deadLetterTopic,
    String groupId, Duration allowedLateness, EventTimePolicy eventTimes, Duration idleTimeout, ZoneId collectorZone,
    Map<String, String> kafkaSettings, Duration arrivalTolerance, Duration maxGapFill, int maxKeysPerWindow,
    Duration stallTimeout, String incidentsTopic, int incidentQuietWindows, Duration incidentUpdateInterval,
    Duration maxExporterLag) {

  /** Whether the loop tracks incidents ({@code scorer.incidents-topic} is set). */
  boolean tracksIncidents() {
    return !incidentsTopic.isBlank();
  }

  /** The settings every Kafka client of the scorer starts from: the {@code kafka.*} pass-through and the brokers. */
  Properties clientSettings() {
    Properties p = new Properties();
    p.putAll(kafkaSettings);
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
  }

  WindowManager.Limits limits() {
    return new WindowManager.Limits(allowedLateness.toNanos() / 1000, maxGapFill.toNanos() / 1000,
        maxKeysPerWindow, exporterBounds());
  }

  /** How long the watermark waits for exporters behind, and how long a silent one is remembered (the idle timeout). */
  ExporterClocks.Bounds exporterBounds() {
    return new ExporterClocks.Bounds(maxExporterLag.toNanos() / 1000, Math.max(1, idleTimeout.toNanos() / 1000));
  }
}
