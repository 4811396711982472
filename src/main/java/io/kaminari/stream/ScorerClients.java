package io.kaminari.stream;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The streaming scorer's Kafka clients, set up for its exactly-once delivery (docs/scorer.md, "Delivery"): any
 * {@code kafka.*} setting first, then the scorer's own (the ones the guarantee depends on among them), which a
 * setting cannot override.
 */
final class ScorerClients {
  private ScorerClients() {}

  /** The producer's transactional id: one per consumer group, so that a second scorer of the group fences the first. */
  static String transactionalId(ScorerOptions options) {
    return options.groupId() + "-tx";
  }

  /**
   * A consumer that commits nothing by itself and reads committed records only, so that reading the committed offsets
   * waits for a transactional offset commit still in flight (KIP-447), and refreshes its metadata every 30 s.
   */
  static KafkaConsumer<byte[], byte[]> consumer(ScorerOptions options) {
    Properties p = new Properties();
    // The scorer looks for new input partitions in the consumer's metadata cache: refresh it every 30 s rather than
    // Kafka's default 5 minutes (a setting may still choose otherwise).
    p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000);
    options.kafkaSettings().forEach(p::put);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, options.groupId());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Every partition's start is set explicitly (its committed offset, or its beginning); a reset is then only needed
    // when the position has left the log (retention deleted it), and "none" reports that instead of jumping silently.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The transactional producer of outputs, dead letters and offsets; the caller runs {@code initTransactions}. */
  static KafkaProducer<byte[], byte[]> producer(ScorerOptions options) {
    Properties p = new Properties();
    options.kafkaSettings().forEach(p::put);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(options));
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
