package io.kaminari.stream;

import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentTracker;
import io.kaminari.incidents.VictimProfiles;
import io.kaminari.incidents.Victims;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer's incidents topic ({@code scorer.incidents-topic}): each incident's states as JSON, keyed by incident id,
 * written in the transactions of the windows that changed them; read back on a restore to continue the open ones.
 */
final class IncidentLog {
  private static final Logger LOG = LoggerFactory.getLogger(IncidentLog.class);
  /** How long a restore waits for the topic to be read to its end. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private IncidentLog() {}

  /**
   * The tracker's view of committed window results: the victim and what the incident records of each, with the
   * victim's traffic from the profiles of {@code closed} (the windows they were scored from) for anomalous results.
   */
  static List<IncidentTracker.WindowResult> results(List<ScoredWindow> windows,
      List<WindowManager.ClosedWindow> closed) {
    Map<Long, VictimProfiles> profiles = new HashMap<>();
    for (WindowManager.ClosedWindow c : closed) {
      if (c.victims() != null) profiles.put(c.startMicros(), c.victims());
    }
    List<IncidentTracker.WindowResult> out = new ArrayList<>(windows.size());
    for (ScoredWindow w : windows) {
      VictimProfiles p = w.isAnomaly() ? profiles.get(w.windowStartMicros()) : null;
      out.add(new IncidentTracker.WindowResult(w.model(), w.modelVersion(), w.scope(), w.victim(), w.windowStart(),
          w.windowEnd(), w.isAnomaly(), w.score(), w.packets(), w.flows(), w.explanation(),
          p == null ? null : p.traffic(w.victim(), w.windowStart())));
    }
    return out;
  }

  /**
   * Every committed state of {@code model}'s incidents in the topic, oldest first, read to the end offsets of its
   * partitions; a record that is not an incident state is skipped with a warning (it cannot be one of ours).
   *
   * @throws KafkaException if the topic cannot be read to its end within a minute (the loop retries the restore)
   */
  static List<IncidentEvent> read(ScorerOptions options, String model) {
    List<IncidentEvent> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = ScorerClients.consumer(options)) {
      List<TopicPartition> parts = c.partitionsFor(options.incidentsTopic(), READ_TIMEOUT).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> ends = c.endOffsets(parts, READ_TIMEOUT);
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("cannot read the incidents topic " + options.incidentsTopic() + " to its end in "
              + READ_TIMEOUT.toSeconds() + " s");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          try {
            IncidentEvent e = IncidentEvent.fromJson(r.value());
            if (e.model().equals(model)) out.add(e);
          } catch (IOException | RuntimeException notOurs) {
            LOG.warn("skipping a record that is not an incident state at {}-{} offset {}: {}", r.topic(),
                r.partition(), r.offset(), notOurs.toString());
          }
        }
      }
    }
    return out;
  }
}
