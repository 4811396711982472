package io.kaminari.ingest;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.util.List;
import java.util.Map;

/**
 * What {@link LandJob} lands and where it keeps its progress.
 *
 * @param bootstrapServers Kafka bootstrap servers (ignored for file landing)
 * @param topics Kafka topics to land (ignored for file landing)
 * @param kafkaOptions Kafka client settings passed through to the consumer (security, SASL, TLS)
 * @param filesDir when not null, land the JSON-lines files of this directory instead of Kafka
 * @param checkpointRoot root of the streaming checkpoints (one sub-directory per source)
 * @param maxRecordsPerBatch upper bound of Kafka records per micro-batch
 * @param skipDataLoss when Kafka deleted records not landed yet: land from the earliest offset still there and record
 *     the lost ranges ({@code land.on-data-loss=skip-and-record}) instead of failing
 */
public record LandConfig(
    String bootstrapServers,
    List<String> topics,
    Map<String, String> kafkaOptions,
    String filesDir,
    String checkpointRoot,
    long maxRecordsPerBatch,
    boolean skipDataLoss) {

  public LandConfig {
    if (filesDir == null && (topics == null || topics.isEmpty())) {
      throw new IllegalArgumentException("land needs at least one Kafka topic or a files directory");
    }
    topics = List.copyOf(topics);
    kafkaOptions = Map.copyOf(kafkaOptions);
  }

  /** Failing on data loss. */
  public LandConfig(String bootstrapServers, List<String> topics, Map<String, String> kafkaOptions, String filesDir,
      String checkpointRoot, long maxRecordsPerBatch) {
    this(bootstrapServers, topics, kafkaOptions, filesDir, checkpointRoot, maxRecordsPerBatch, false);
  }

  /** Kafka landing as configured. */
  public static LandConfig kafka(KaminariConfig c) {
    return new LandConfig(c.get(Settings.BOOTSTRAP_SERVERS), c.get(Settings.TOPICS),
        c.passThrough(Settings.KAFKA_PREFIX), null, c.get(Settings.CHECKPOINTS), c.get(Settings.MAX_OFFSETS_PER_TRIGGER),
        c.get(Settings.LAND_ON_DATA_LOSS).equals("skip-and-record"));
  }

  /** File landing of {@code dir} as configured. */
  public static LandConfig files(KaminariConfig c, String dir) {
    return new LandConfig(null, List.of(), Map.of(), dir, c.get(Settings.CHECKPOINTS),
        c.get(Settings.MAX_OFFSETS_PER_TRIGGER));
  }
}
