package io.kaminari.tools.generate;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes each message as one Kafka record (null key, timestamp = arrival), like nfacctd's Kafka plugin, and fails
 * loudly: the first asynchronous send failure is thrown as an IOException by the next {@link #accept} or by
 * {@link #close}, never dropped.
 */
public final class KafkaFlowSink implements FlowSink {
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final AtomicReference<Exception> failure = new AtomicReference<>();

  /** A sink producing to {@code topic} on {@code bootstrapServers} with {@link #producerConfig}. */
  public KafkaFlowSink(String bootstrapServers, String topic) {
    this(new KafkaProducer<>(producerConfig(bootstrapServers), new ByteArraySerializer(), new ByteArraySerializer()),
        topic);
  }

  /** A sink over a given producer, which it closes; for custom settings and for tests with a MockProducer. */
  public KafkaFlowSink(Producer<byte[], byte[]> producer, String topic) {
    this.producer = Objects.requireNonNull(producer, "producer must not be null");
    this.topic = Objects.requireNonNull(topic, "topic must not be null");
  }

  /**
   * Throughput settings (lz4, 20 ms linger, 256 KiB batches) with no loss or duplication on retry (acks=all,
   * idempotence).
   */
  public static Map<String, Object> producerConfig(String bootstrapServers) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return config;
  }

  @Override
  public void accept(long arrivalEpochMillis, byte[] message) throws IOException {
    throwIfFailed();
    try {
      producer.send(new ProducerRecord<>(topic, null, arrivalEpochMillis, null, message), (metadata, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
      });
    } catch (KafkaException e) {
      throw new IOException("sending to Kafka topic " + topic + " failed", e);
    }
  }

  /** Flushes every pending record, closes the producer, then reports the first send failure if there was one. */
  @Override
  public void close() throws IOException {
    try {
      producer.flush();
    } catch (KafkaException e) {
      failure.compareAndSet(null, e);
    } finally {
      producer.close();
    }
    throwIfFailed();
  }

  private void throwIfFailed() throws IOException {
    Exception e = failure.get();
    if (e != null) {
      throw new IOException("sending to Kafka topic " + topic + " failed", e);
    }
  }
}
