package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(ScorerTransaction.isFenced(fenced)).isTrue();
    assertThat(ScorerTransaction.isFenced(new org.apache.kafka.common.KafkaException("commit failed",
        new IllegalStateException(fenced)))).isTrue();
    assertThat(ScorerTransaction.isFenced(new org.apache.kafka.common.errors.TimeoutException("slow"))).isFalse();
  }

  @Test
  void aTransactionalCallThatTimesOutIsRetriedUntilItsOutcomeIsKnown() {
    AtomicLong calls = new AtomicLong();
    ScorerTransaction.untilKnown("commitTransaction", () -> {
      if (calls.incrementAndGet() < ScorerTransaction.CALL_ATTEMPTS) {
        throw new org.apache.kafka.common.errors.TimeoutException("slow coordinator");
      }
    });
    assertThat(calls).hasValue(ScorerTransaction.CALL_ATTEMPTS);

    // Fenced while the call waited: the retry surfaces the fencing, which must not pass for a transient failure.
    calls.set(0);
    assertThatThrownBy(() -> ScorerTransaction.untilKnown("sendOffsetsToTransaction", () -> {
      if (calls.incrementAndGet() == 1) throw new org.apache.kafka.common.errors.TimeoutException("AddOffsetsToTxn");
      throw new org.apache.kafka.common.errors.ProducerFencedException("epoch bumped");
    })).satisfies(e -> assertThat(ScorerTransaction.isFenced(e)).isTrue());
    assertThat(calls).hasValue(2);

    calls.set(0);
    assertThatThrownBy(() -> ScorerTransaction.untilKnown("initTransactions", () -> {
      calls.incrementAndGet();
      throw new org.apache.kafka.common.errors.TimeoutException("broker down");
    })).isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    assertThat(calls).hasValue(ScorerTransaction.CALL_ATTEMPTS);
  }
}
