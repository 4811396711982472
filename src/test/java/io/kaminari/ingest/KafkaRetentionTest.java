package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class KafkaRetentionTest {
  @Test
  void parsesTheKafkaSourceOffsets() throws Exception {
    assertThat(KafkaRetention.parseOffsets("{\"a\":{\"0\":5,\"1\":7},\"b\":{\"0\":0}}")).isEqualTo(Map.of(
        new TopicPartition("a", 0), 5L, new TopicPartition("a", 1), 7L, new TopicPartition("b", 0), 0L));
  }

  @Test
  void aPartitionWhoseNextOffsetWasDeletedLostTheRangeUpToTheEarliest() {
    TopicPartition a0 = new TopicPartition("a", 0);
    TopicPartition a1 = new TopicPartition("a", 1);
    TopicPartition a10 = new TopicPartition("a", 10);
    var lost = KafkaRetention.lost(Map.of(a0, 5L, a1, 9L, a10, 3L), Map.of(a0, 8L, a1, 9L, a10, 4L));
    assertThat(lost).containsExactly(new LandJob.LostRange("a", 0, 5, 8), new LandJob.LostRange("a", 10, 3, 4));
    assertThat(KafkaRetention.describe(lost)).isEqualTo(
        "4 record(s) deleted by Kafka retention before they were landed: a-0 offsets [5, 8), a-10 offsets [3, 4)");
    // A partition the broker does not report, or one whose earliest is not past the checkpoint, lost nothing.
    assertThat(KafkaRetention.lost(Map.of(a0, 5L), Map.of())).isEmpty();
    assertThat(KafkaRetention.lost(Map.of(a0, 5L), Map.of(a0, 5L))).isEmpty();
  }
}
