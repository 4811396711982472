package io.kaminari.tools.kafka;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reading a whole topic, for checks and reconciliation (the pipeline itself reads through Spark or the scorer). */
public final class Topics {
  private Topics() {}

  /** What to do with each record; may throw to stop the read. */
  @FunctionalInterface
  public interface RecordHandler {
    void accept(ConsumerRecord<byte[], byte[]> record) throws IOException;
  }

  /**
   * Hands every record of every partition of {@code topic}, from the beginning to the end offsets at the start of the
   * call, to {@code each} (partition by partition in poll order, no consumer group, nothing committed).
   *
   * @throws IOException if the end is not reached within {@code timeout}, or from {@code each}
   */
  public static void readToEnd(String bootstrap, String topic, Duration timeout, RecordHandler each)
      throws IOException {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IOException("could not read " + topic + " to its end offsets " + end + " within " + timeout);
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) each.accept(r);
      }
    }
  }
}
