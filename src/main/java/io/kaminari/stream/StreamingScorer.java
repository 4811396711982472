package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring loop: consumes pmacct JSON, keeps event-time windows in a {@link WindowManager}, scores each window once
 * when it closes, and commits its results together with the input offsets in one Kafka transaction.
 *
 * <p>Delivery (docs/scorer.md): each partition's committed offset is the first record of a still-open window, and
 * the offset metadata carries a {@link CommitMarker} (end of the last closed window, models in use, read position).
 * After any failure (scorer crash, broker restart, aborted transaction) the state is rebuilt from exactly that: the
 * re-read records refill the open windows, windows before the marker are never emitted again, and records before the
 * read position produce no second dead letter. What is committed and the rebuild from it are the {@link Checkpoint}'s;
 * this class runs the loop (poll, parse, close and score windows, swap models, transactions). One thread owns all
 * input partitions, so the global scope sees every flow; run one scorer per consumer group (a second one with the
 * same transactional id fences the first).
 */
public final class StreamingScorer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingScorer.class);
  private static final long COMMIT_IDLE_MS = 5_000;
  private static final long DEAD_LETTER_COMMIT_MS = 500;

  /** Where to read and write, and the event-time settings. */
  public record Options(String bootstrapServers, List<String> topics, String outputTopic, String deadLetterTopic,
      String groupId, Duration allowedLateness, Duration maxFutureSkew, Duration idleTimeout, ZoneId collectorZone,
      Map<String, String> kafkaSettings) {}

  private final Options options;
  private final ModelProvider provider;
  private final ScorerMetrics metrics;
  private final RecentScores recent;
  private final PmacctParser parser;
  private final RecordSink sink = new RecordSink();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long lastPollMillis;

  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<byte[], byte[]> producer;
  private List<TopicPartition> partitions;
  private final Map<TopicPartition, Integer> index = new HashMap<>();
  private Checkpoint checkpoint;
  private WindowManager state;
  /** Models this loop owns, by version; the newest one adopted from the provider is {@link #newest}. */
  private final Map<Integer, ScoringModel> models = new HashMap<>();
  private ScoringModel newest;
  private boolean inTransaction;
  private long transactionStartMillis;
  private long lastCommitMillis;
  private boolean progressed;
  private final List<ScoredWindow> uncommitted = new ArrayList<>();
  private long firstCloseNanos = -1;
  private long lastLagMillis;
  private long lastIdleCheckMillis;

  StreamingScorer(Options options, ModelProvider provider, ScorerMetrics metrics, RecentScores recent) {
    this.options = options;
    this.provider = provider;
    this.metrics = metrics;
    this.recent = recent;
    this.parser = new PmacctParser(options.collectorZone());
    this.thread = new Thread(this::run, "kaminari-scorer");
  }

  void start() {
    thread.start();
  }

  /** Whether the loop has a model, has rebuilt its state and polled Kafka successfully in the last 5 s. */
  boolean ready() {
    return running && state != null && System.currentTimeMillis() - lastPollMillis < 5_000;
  }

  private void run() {
    consumer = ScorerClients.consumer(options);
    try {
      while (running) {
        try {
          if (state == null && !restore()) {
            TimeUnit.MILLISECONDS.sleep(200);
            continue;
          }
          step();
        } catch (ProducerFencedException e) {
          LOG.error("another scorer with transactional id {} took over; stopping", ScorerClients.transactionalId(options));
          running = false;
        } catch (WakeupException e) {
          // close() woke the consumer up
        } catch (KafkaException | IllegalStateException e) {
          LOG.warn("Kafka failure; rebuilding the window state from the last committed offsets: {}", e.toString());
          reset();
          TimeUnit.MILLISECONDS.sleep(500);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      reset();
      consumer.close(Duration.ofSeconds(2));
      models.values().forEach(ScoringModel::close);
      models.clear();
    }
  }

  private void step() {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
    lastPollMillis = System.currentTimeMillis();
    sink.maxEventMicros = (lastPollMillis + options.maxFutureSkew().toMillis()) * 1000;
    for (TopicPartition tp : records.partitions()) {
      int p = index.get(tp);
      state.delivered(p);
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) process(p, r);
    }
    if (state.needsCaughtUpCheck() && lastPollMillis - lastIdleCheckMillis > 1000) {
      // A partition read to its end that never delivered a flow, or delivered none for scorer.idle-timeout, must not
      // hold the watermark back forever: it is idle until it delivers again.
      lastIdleCheckMillis = lastPollMillis;
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(5));
      for (TopicPartition tp : partitions) {
        Long end = ends.get(tp);
        state.caughtUp(index.get(tp), end != null && consumer.position(tp) >= end);
      }
    }
    metrics.flowsIn.add(sink.flows);
    metrics.recordsIn.add(sink.records);
    sink.flows = 0;
    sink.records = 0;
    ScoringModel offered = provider.take();
    if (offered != null) adopt(offered);
    List<WindowManager.ClosedWindow> closed = state.closeReady();
    if (!closed.isEmpty()) {
      if (firstCloseNanos < 0) firstCloseNanos = System.nanoTime();
      for (ScoredWindow w : WindowScorer.score(closed)) {
        send(options.outputTopic(), w.key(), w.toJsonBytes());
        uncommitted.add(w);
      }
    }
    for (ScoringModel m : state.drainRetired()) {
      if (m != newest && models.remove(m.version()) != null) m.close();
    }
    long now = System.currentTimeMillis();
    if (!uncommitted.isEmpty() || (inTransaction && now - transactionStartMillis > DEAD_LETTER_COMMIT_MS)
        || (progressed && now - lastCommitMillis > COMMIT_IDLE_MS)) {
      commit();
    }
    if (now - lastLagMillis > 1000) {
      long lag = 0;
      for (TopicPartition tp : partitions) lag += consumer.currentLag(tp).orElse(0);
      metrics.consumerLag = lag;
      metrics.idlePartitions = state.idlePartitions();
      lastLagMillis = now;
    }
  }

  private void process(int p, ConsumerRecord<byte[], byte[]> r) {
    sink.record = r;
    sink.partition = p;
    sink.replay = checkpoint.replay(p, r.offset());
    if (sink.replay) metrics.replayedRecords.increment(); else sink.records++;
    checkpoint.read(p, r.offset());
    progressed = true;
    if (r.value() == null) {
      sink.reject(-1, "", "record has no value (a tombstone)");
    } else {
      parser.parse(r.value(), r.timestamp() * 1000, sink);
    }
  }

  /** Receives the parser's output for the record being processed. */
  private final class RecordSink implements PmacctParser.Sink {
    ConsumerRecord<byte[], byte[]> record;
    int partition;
    boolean replay;
    long maxEventMicros;
    /** Counted here and added to the metrics once per poll: a shared adder per flow costs measurable time. */
    long flows;
    long records;

    @Override
    public void flow(int i, PmacctParser.Fields fields) {
      Flow flow = fields.toFlow();
      if (flow.eventTimeMicros() > maxEventMicros) {
        reject(i, flow.toString(), "event time " + flow.eventTimeMicros() + " µs is more than "
            + options.maxFutureSkew() + " ahead of the scorer's clock");
        return;
      }
      if (!replay) flows++;
      boolean added;
      try {
        added = state.add(partition, record.offset(), flow);
      } catch (IllegalArgumentException e) {
        reject(i, flow.toString(), e.getMessage());
        return;
      }
      if (!added && !replay) metrics.lateRecords.increment();
    }

    @Override
    public void marker(int i, String eventType) {
      // purge markers carry no flow; the watermark comes from the flows themselves
    }

    @Override
    public void reject(int i, String raw, String reason) {
      if (replay) return; // its dead letter was committed before the restart
      DeadLetter d = new DeadLetter(reason, record.topic(), record.partition(), record.offset(), i, raw);
      send(options.deadLetterTopic(), d.key(), d.toJsonBytes());
      metrics.parseErrors.increment();
    }
  }

  private void adopt(ScoringModel model) {
    long offeredAt = provider.lastOfferNanos();
    models.put(model.version(), model);
    ScoringModel previous = newest;
    newest = model;
    provider.adopted(model.version());
    long boundary = state.swap(model);
    metrics.modelVersion = model.version();
    metrics.lastSwapMillis = provider.lastLoadMillis() + (System.nanoTime() - offeredAt) / 1_000_000;
    LOG.info("model {} replaces {} for windows starting at {} µs (swap {} ms)", model, previous,
        boundary == WindowManager.UNSET ? "the first window" : boundary, metrics.lastSwapMillis);
  }

  private void send(String topic, String key, byte[] value) {
    if (!inTransaction) {
      producer.beginTransaction();
      inTransaction = true;
      transactionStartMillis = System.currentTimeMillis();
    }
    producer.send(new ProducerRecord<>(topic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value));
  }

  private void commit() {
    if (!inTransaction) {
      producer.beginTransaction();
      inTransaction = true;
    }
    producer.sendOffsetsToTransaction(checkpoint.offsets(state), consumer.groupMetadata());
    producer.commitTransaction();
    inTransaction = false;
    progressed = false;
    lastCommitMillis = System.currentTimeMillis();
    metrics.transactions.increment();
    if (!uncommitted.isEmpty()) {
      double latency = (System.nanoTime() - firstCloseNanos) / 1e9;
      for (ScoredWindow w : uncommitted) {
        metrics.windowsScored.increment();
        if (w.isAnomaly()) metrics.anomalies.increment();
      }
      metrics.observeLatency(latency);
      recent.addAll(uncommitted);
      uncommitted.clear();
      firstCloseNanos = -1;
    }
  }

  /**
   * Rebuilds the state from the committed offsets and markers; false while no model is available yet or Kafka does
   * not answer (the caller retries).
   */
  private boolean restore() {
    if (newest == null) {
      ScoringModel m = provider.take();
      if (m == null) return false;
      models.put(m.version(), m);
      newest = m;
      provider.adopted(m.version());
      metrics.modelVersion = m.version();
    }
    if (producer == null) {
      producer = ScorerClients.producer(options);
      producer.initTransactions(); // aborts whatever a crashed predecessor left open
    }
    if (partitions == null) {
      List<TopicPartition> found = new ArrayList<>();
      for (String topic : options.topics()) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
          LOG.info("input topic {} does not exist yet", topic);
          return false;
        }
        infos.forEach(i -> found.add(new TopicPartition(i.topic(), i.partition())));
      }
      consumer.assign(found);
      for (int i = 0; i < found.size(); i++) index.put(found.get(i), i);
      partitions = found;
    }
    checkpoint = Checkpoint.restore(consumer, partitions);
    state = checkpoint.windows(newest, this::model, options.allowedLateness().toNanos() / 1000);
    state.partitions(partitions.size(), options.idleTimeout().toMillis(), System::currentTimeMillis);
    if (state.epochs().get(state.epochs().size() - 1).model() != newest) state.swap(newest);
    for (ScoringModel m : state.drainRetired()) {
      if (m != newest && models.remove(m.version()) != null) m.close();
    }
    metrics.restores.increment();
    lastCommitMillis = System.currentTimeMillis();
    lastPollMillis = lastCommitMillis;
    LOG.info("scoring {} partitions of {} from {} with {}", partitions.size(), options.topics(),
        checkpoint.marker() == null ? "the beginning" : "committed marker " + checkpoint.marker().toJson(), newest);
    return true;
  }

  /** Version {@code version} of the followed model: one this loop owns, else loaded now; null if it is gone. */
  private ScoringModel model(int version) {
    ScoringModel m = models.get(version);
    if (m == null) {
      m = provider.loadVersion(version);
      if (m != null) models.put(version, m);
    }
    return m;
  }

  /** Drops everything not committed; the next step restores from Kafka. Models stay loaded. */
  private void reset() {
    if (producer != null) {
      try {
        producer.close(Duration.ZERO); // the next initTransactions aborts an open transaction
      } catch (RuntimeException ignored) {
        // closing a broken producer may fail; it is discarded either way
      }
      producer = null;
    }
    inTransaction = false;
    state = null;
    checkpoint = null;
    uncommitted.clear();
    firstCloseNanos = -1;
  }

  /** Stops the loop; open windows are not committed, and a restart rebuilds them from the committed offsets. */
  @Override
  public void close() {
    running = false;
    if (consumer != null) consumer.wakeup();
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
