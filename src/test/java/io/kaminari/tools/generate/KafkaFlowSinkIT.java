package io.kaminari.tools.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generator's Kafka sink against a real KRaft broker: what it sends, and that failures are never swallowed. */
class KafkaFlowSinkIT {
  private static final byte[] MESSAGE = "{\"event_type\": \"purge\"}".getBytes(StandardCharsets.US_ASCII);
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void start() {
    kafka = EmbeddedKafka.start(Path.of("target/kafka-sink-it"));
    kafka.createTopics(1, "sink.ok", "sink.fail");
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  @Test
  void sendsEachMessageWithANullKeyAndTheArrivalAsTimestamp() throws Exception {
    try (KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), "sink.ok")) {
      sink.accept(1_714_557_603_005L, MESSAGE);
      sink.accept(1_714_557_604_000L, MESSAGE);
    }
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.GROUP_ID_CONFIG, "sink-it"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of("sink.ok"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got.size() < 2 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(got::add);
      }
    }
    assertThat(got).hasSize(2);
    assertThat(got.get(0).key()).isNull();
    assertThat(got.get(0).value()).isEqualTo(MESSAGE);
    assertThat(got).extracting(ConsumerRecord::timestamp).containsExactly(1_714_557_603_005L, 1_714_557_604_000L);
  }

  @Test
  void aFailedSendSurfacesOnClose() throws Exception {
    KafkaFlowSink sink = new KafkaFlowSink(kafka.bootstrapServers(), "sink.fail");
    sink.accept(1L, MESSAGE);
    sink.accept(2L, new byte[2 * 1024 * 1024]); // above the producer's max.request.size: the real client refuses it
    assertThatThrownBy(sink::close)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sink.fail")
        .hasRootCauseInstanceOf(RecordTooLargeException.class);
  }

  @Test
  void producerSettingsFavourThroughputWithoutLoss() {
    assertThat(KafkaFlowSink.producerConfig("127.0.0.1:19092"))
        .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
  }
}
