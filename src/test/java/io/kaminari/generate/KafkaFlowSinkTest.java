package io.kaminari.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class KafkaFlowSinkTest {
  private static final byte[] MESSAGE = "{\"event_type\": \"purge\"}".getBytes(StandardCharsets.US_ASCII);

  private static MockProducer<byte[], byte[]> producer(boolean autoComplete) {
    return new MockProducer<>(autoComplete, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Test
  void sendsEachMessageWithANullKeyAndTheArrivalAsTimestamp() throws Exception {
    MockProducer<byte[], byte[]> producer = producer(true);
    try (KafkaFlowSink sink = new KafkaFlowSink(producer, "pmacct.flows")) {
      sink.accept(1_714_557_603_005L, MESSAGE);
    }

    ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
    assertThat(sent.topic()).isEqualTo("pmacct.flows");
    assertThat(sent.key()).isNull();
    assertThat(sent.value()).isEqualTo(MESSAGE);
    assertThat(sent.timestamp()).isEqualTo(1_714_557_603_005L);
    assertThat(producer.closed()).isTrue();
  }

  @Test
  void aFailedSendSurfacesOnCloseAndOnTheNextAccept() throws Exception {
    MockProducer<byte[], byte[]> producer = producer(false);
    KafkaFlowSink sink = new KafkaFlowSink(producer, "pmacct.flows");
    sink.accept(1L, MESSAGE);
    sink.accept(2L, MESSAGE);
    producer.errorNext(new RecordTooLargeException("too large"));

    assertThatThrownBy(() -> sink.accept(3L, MESSAGE))
        .isInstanceOf(IOException.class).hasRootCauseInstanceOf(RecordTooLargeException.class);
    assertThatThrownBy(sink::close)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("pmacct.flows")
        .hasRootCauseMessage("too large");
    assertThat(producer.closed()).isTrue();
  }

  @Test
  void producerSettingsFavourThroughputWithoutLoss() {
    assertThat(KafkaFlowSink.producerConfig("127.0.0.1:19092"))
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:19092")
        .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 20)
        .containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024)
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
  }
}
