package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When the scoring loop counts as dead for {@code /healthz} (issue 16: a dead, fenced or stuck loop looked healthy). */
class LoopHealthTest {
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final LoopHealth health = new LoopHealth(60_000, clock::get);

  @Test
  void aLoopThatReportsProgressStaysAliveAndOneThatStopsGoesStaleAfterTheTimeout() {
    assertThat(health.problem()).isNull();
    clock.addAndGet(60_000);
    assertThat(health.problem()).as("exactly the timeout").isNull();
    health.progress();
    clock.addAndGet(59_999);
    assertThat(health.problem()).isNull();
    clock.addAndGet(2);
    assertThat(health.problem()).startsWith("no commit and no idle moment for 60 s").contains("scorer.stall-timeout");
    assertThat(health.isFatal()).isFalse();
    health.progress(); // a stall heals: the loop committed again
    assertThat(health.problem()).isNull();
  }

  @Test
  void aDeadOrFencedLoopIsDeadForGoodAndTheFirstCauseIsKept() {
    health.died(new OutOfMemoryError("Java heap space"));
    health.fenced("kaminari-scorer-tx");
    health.progress();
    assertThat(health.isFatal()).isTrue();
    assertThat(health.problem()).isEqualTo("the scoring loop died: java.lang.OutOfMemoryError: Java heap space");
    LoopHealth fenced = new LoopHealth(60_000, clock::get);
    fenced.fenced("kaminari-scorer-tx");
    assertThat(fenced.problem()).startsWith("fenced: another scorer with transactional id kaminari-scorer-tx");
  }

  @Test
  void fencingIsFoundAnywhereInTheCauseChain() {
    var fenced = new org.apache.kafka.common.errors.ProducerFencedException("epoch");
    assertThat(StreamingScorer.isFenced(fenced)).isTrue();
    assertThat(StreamingScorer.isFenced(new org.apache.kafka.common.KafkaException("commit failed",
        new IllegalStateException(fenced)))).isTrue();
    assertThat(StreamingScorer.isFenced(new org.apache.kafka.common.errors.TimeoutException("slow"))).isFalse();
  }
}
