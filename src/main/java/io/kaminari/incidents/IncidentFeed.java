package io.kaminari.incidents;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the committed states of one model's incidents in the streaming scorer's incidents topic, on a thread of its
 * own, with a consumer group of its own, and hands each to a {@link Handler}: what the alert relay and the mitigation
 * relay are built on. It reads only what the scorer committed ({@code read_committed}), from the start of the topic
 * for a new group, and commits its position after each batch the handler took, so every state is handled at least
 * once (after a crash the last batch again). A state written longer ago than {@code maxAge} (the record's time, when
 * the scorer committed it) is skipped and counted in the log: a feed that starts on a topic with history, or under a
 * new group, would otherwise page for last week. A record that is not an incident state is skipped with a warning; an
 * exception of the handler stops the feed with {@code stopped} logged, never the scorer.
 *
 * <p>Without a group it reads every partition of the topic from the states written within {@code maxAge} and commits
 * nothing, so each start reads them again: for a follower that rebuilds what is open rather than acting once per
 * state. It reads the partitions the topic has when it starts.
 */
public final class IncidentFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IncidentFeed.class);

  /** What a feed does with each state. */
  public interface Handler {
    /**
     * Handles one committed state of the followed model.
     *
     * @throws InterruptedException when the feed is closed during a wait; the state is not committed
     */
    void handle(IncidentEvent state) throws InterruptedException;
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final String model;
  private final Handler handler;
  private final String stopped;
  private final Duration maxAge;
  private final Clock clock;
  private final boolean grouped;
  private final Thread thread;
  private volatile boolean running = true;
  private Predicate<IncidentEvent> handleOld = e -> false;
  private Runnable onAssigned = () -> { };

  /**
   * A feed, not started yet.
   *
   * @param clients the Kafka client settings (bootstrap servers and the {@code kafka.*} pass-through; a
   *     {@code max.poll.records} there bounds the states handled between two polls, 100 otherwise)
   * @param group the consumer group, one per kind of follower; null for none (class doc)
   * @param name the thread's name
   * @param stopped what the log says if the handler fails: what no longer happens
   * @param maxAge states the scorer wrote longer ago than this, by {@code clock}, are skipped
   */
  public IncidentFeed(Properties clients, String group, String topic, String model, String name, Handler handler,
      String stopped, Duration maxAge, Clock clock) {
    Properties p = new Properties();
    p.putAll(clients);
    p.remove(ConsumerConfig.GROUP_ID_CONFIG);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    } else {
      p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // waiting for the scorer's topic must not make it
    }
    this.grouped = group != null;
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100); // a slow handler sets fewer in clients
    this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
    this.model = model;
    this.handler = handler;
    this.stopped = stopped;
    this.maxAge = maxAge;
    this.clock = clock;
    this.thread = new Thread(this::run, name);
  }

  public void start() {
    thread.start();
  }

  /** False once {@link #close} was called: a handler in a long task should give up. */
  public boolean running() {
    return running;
  }

  private void run() {
    try {
      if (grouped) {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) onAssigned.run();
          }
        });
      } else {
        // The scorer may not have created the topic yet.
        while (running && !assignFromMaxAge()) Thread.sleep(1000);
      }
      while (running) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        long oldest = clock.millis() - maxAge.toMillis();
        int stale = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (!handle(r, r.timestamp() >= 0 && r.timestamp() < oldest)) stale++;
          done.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        if (stale > 0) {
          LOG.info("{}: skipped {} incident state(s) written before {} (incidents.max-age {})", thread.getName(),
              stale, Instant.ofEpochMilli(oldest), maxAge);
        }
        if (grouped && !done.isEmpty()) consumer.commitSync(done);
      }
    } catch (WakeupException | InterruptException e) {
      // close(): a Kafka client woken or interrupted, here or in the handler
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("{} ({} stopped)", stopped, thread.getName(), e);
    } finally {
      // close() interrupts a handler's wait, possibly while the consumer closes: it still releases its resources
      boolean interrupted = Thread.interrupted();
      try {
        consumer.close(Duration.ofSeconds(2));
      } catch (InterruptException e) {
        interrupted = true;
      }
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * Without a group: every partition, from the first state written within {@code maxAge} (its end if none was); false
   * when the topic has no partitions (yet).
   */
  private boolean assignFromMaxAge() {
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(i -> new TopicPartition(topic, i.partition())).toList();
    if (partitions.isEmpty()) return false;
    consumer.assign(partitions);
    long from = clock.millis() - maxAge.toMillis();
    Map<TopicPartition, Long> at = new HashMap<>();
    for (TopicPartition tp : partitions) at.put(tp, from);
    Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(at);
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp o = offsets.get(tp);
      if (o == null) {
        consumer.seekToEnd(List.of(tp));
      } else {
        consumer.seek(tp, o.offset());
      }
    }
    return true;
  }

  /** Handles {@code r} unless it is {@code old} and not {@link #handleOld wanted}; false when it skips it so. */
  private boolean handle(ConsumerRecord<byte[], byte[]> r, boolean old) throws InterruptedException {
    IncidentEvent e;
    try {
      e = IncidentEvent.fromJson(r.value());
    } catch (IOException | RuntimeException notOurs) {
      LOG.warn("skipping a record that is not an incident state at {}-{} offset {}: {}", r.topic(), r.partition(),
          r.offset(), notOurs.toString());
      return true;
    }
    if (!model.equals(e.model())) return true;
    if (old && !handleOld.test(e)) return false;
    handler.handle(e);
    return true;
  }

  /**
   * Handles the states of {@code wanted} even when they were written before {@code maxAge}: a follower that owes
   * something for them (a route to withdraw) must not skip them. Called before {@link #start}; the predicate runs on
   * the feed's thread, as the handler does.
   */
  public void handleOld(Predicate<IncidentEvent> wanted) {
    this.handleOld = wanted;
  }

  /**
   * Runs {@code action} on the feed's thread whenever its group assigns it partitions, before it handles a state of
   * them: a follower that keeps an account of earlier states (written by another member before a rebalance) reads it
   * again there. Called before {@link #start}; only with a group.
   */
  public void onAssigned(Runnable action) {
    this.onAssigned = action;
  }

  /** Stops the feed: wakes its consumer, interrupts a handler's wait, and waits up to 30 s for the thread to end. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.interrupt();
    thread.join(Duration.ofSeconds(30).toMillis());
  }
}
