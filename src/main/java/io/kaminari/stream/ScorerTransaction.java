package io.kaminari.stream;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring loop's transactional producer: one Kafka transaction at a time, begun by the first record sent (or by
 * the commit of a transaction that sends nothing but offsets), holding the scores, dead letters and incident states
 * of the records read since the last commit, and committed together with the input offsets. {@link #abandon} drops an
 * open transaction with the producer; the next producer's {@code initTransactions} aborts it on the broker, and the
 * loop rebuilds its state from the offsets committed last. Owned by the loop's thread; not thread-safe.
 */
final class ScorerTransaction {
  private static final Logger LOG = LoggerFactory.getLogger(ScorerTransaction.class);
  /** Attempts of one transactional call that times out (each waits up to the producer's max.block.ms, 10 s). */
  static final int CALL_ATTEMPTS = 3;

  private final KafkaProducer<byte[], byte[]> producer;
  private boolean open;
  private long openedMillis;

  private ScorerTransaction(KafkaProducer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  /**
   * A new producer with the scorer's transactional id, initialised: this aborts whatever a crashed predecessor left
   * open and fences it, so a zombie cannot commit after this point.
   */
  static ScorerTransaction start(ScorerOptions options) {
    KafkaProducer<byte[], byte[]> producer = ScorerClients.producer(options);
    try {
      untilKnown("initTransactions", producer::initTransactions);
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
    return new ScorerTransaction(producer);
  }

  /** Sends a record within the transaction, beginning one if none is open. */
  void send(String topic, String key, byte[] value) {
    begin();
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
  }

  /** Whether a transaction is open: something was sent that no commit has covered yet. */
  boolean isOpen() {
    return open;
  }

  /** How long the open transaction has been open at {@code nowMillis}; 0 when none is. */
  long openFor(long nowMillis) {
    return open ? nowMillis - openedMillis : 0;
  }

  /** Commits everything sent since the last commit together with the consumer's {@code offsets}. */
  void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
    begin();
    untilKnown("sendOffsetsToTransaction", () -> producer.sendOffsetsToTransaction(offsets, group));
    untilKnown("commitTransaction", producer::commitTransaction);
    open = false;
  }

  /** Closes the producer at once, dropping an open transaction; this object is not used again. */
  void abandon() {
    try {
      producer.close(Duration.ZERO); // the next initTransactions aborts an open transaction
    } catch (RuntimeException ignored) {
      // closing a broken producer may fail; it is discarded either way
    }
    open = false;
  }

  private void begin() {
    if (!open) {
      producer.beginTransaction();
      open = true;
      openedMillis = System.currentTimeMillis();
    }
  }

  /**
   * Runs one transactional producer call until its outcome is known: a {@link TimeoutException} only says that the
   * answer did not come within max.block.ms, and Kafka requires that same call to be retried (any other call fails).
   * The retry returns the real outcome, which matters for fencing: a producer fenced while its call waited on the
   * coordinator first reports a timeout, then {@link ProducerFencedException}. Treating the timeout as transient would
   * rebuild the state, whose {@code initTransactions} fences the other scorer in turn, and both would stay healthy.
   * After {@link #CALL_ATTEMPTS} timeouts the last one is thrown (the loop rebuilds).
   */
  static void untilKnown(String call, Runnable transactional) {
    for (int attempt = 1; ; attempt++) {
      try {
        transactional.run();
        return;
      } catch (TimeoutException e) {
        if (attempt >= CALL_ATTEMPTS) throw e;
        LOG.warn("{} timed out (attempt {} of {}); retrying it, as Kafka requires: {}", call, attempt, CALL_ATTEMPTS,
            e.getMessage());
      }
    }
  }

  /** Whether {@code e} or one of its causes says that another producer with our transactional id took over. */
  static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ProducerFencedException) return true;
    }
    return false;
  }
}
