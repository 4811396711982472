package io.kaminari.stream;

import io.kaminari.flow.PmacctParser;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentTracker;
import io.kaminari.model.ScoringModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
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
 * the producer's transactions are the {@link ScorerTransaction}'s; what happens to each record is the
 * {@link RecordHandler}'s; this class runs the loop (poll, close and score windows, swap models, commit, new input
 * partitions). One thread owns all input partitions, so the global scope sees every flow; run one scorer per consumer
 * group (a second one with the same transactional id fences the first).
 * With {@code scorer.incidents-topic} the closed windows' results also feed an {@link IncidentTracker}, whose changed
 * incident states go into the same transaction; the rebuild reads them back ({@link IncidentLog}).
 *
 * <p>Nothing ends the loop but {@link #close()}, being fenced, or an {@code Error}: a record that cannot be handled is
 * dead-lettered, any other exception rebuilds the state from the committed offsets. A fenced or dead loop, and one
 * that makes no progress, fail {@code /healthz} ({@link LoopHealth}), so that Kubernetes restarts the pod.
 *
 * <p>A little over 400 lines: the loop's states and transitions (restore, step, commit, reset) stay in one file, so
 * that the exactly-once protocol reads in one place; everything else is split out (above, and {@link ScorerOptions}).
 */
public final class StreamingScorer implements ScoringLoop {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingScorer.class);
  private static final long COMMIT_IDLE_MS = 5_000;
  private static final long DEAD_LETTER_COMMIT_MS = 500;
  /** How often the input topics' partition counts are compared with the assignment (from the metadata cache). */
  private static final long PARTITION_CHECK_MS = 5_000;

  private final ScorerOptions options;
  private final ModelProvider provider;
  private final ScorerMetrics metrics;
  private final RecentScores recent;
  private final PmacctParser parser;
  private final RecordHandler handler;
  private final LoopHealth health;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long lastPollMillis;

  private KafkaConsumer<byte[], byte[]> consumer;
  /** Null until the state is restored, and after a reset. */
  private ScorerTransaction transaction;
  private List<TopicPartition> partitions;
  private final Map<TopicPartition, Integer> index = new HashMap<>();
  private Checkpoint checkpoint;
  private WindowManager state;
  /** Models this loop owns, by version; the newest one adopted from the provider is {@link #newest}. */
  private final Map<Integer, ScoringModel> models = new HashMap<>();
  private ScoringModel newest;
  private long lastCommitMillis;
  private boolean progressed;
  private final List<ScoredWindow> uncommitted = new ArrayList<>();
  /** The open incidents; rebuilt from the incidents topic with the window state. Null without incident tracking. */
  private final IncidentTracker incidents;
  /** Incident states sent in the open transaction (counted when it commits). */
  private final List<IncidentEvent> uncommittedIncidents = new ArrayList<>();
  private long firstCloseNanos = -1;
  /** Empty windows skipped by closes not committed yet (counted when their transaction commits). */
  private long skippedUncommitted;
  private long lastLagMillis;
  private long lastIdleCheckMillis;
  private long lastPartitionCheckMillis;

  StreamingScorer(ScorerOptions options, ModelProvider provider, ScorerMetrics metrics, RecentScores recent) {
    this.options = options;
    this.provider = provider;
    this.metrics = metrics;
    this.recent = recent;
    this.parser = new PmacctParser(options.collectorZone(), options.eventTimes());
    this.handler = new RecordHandler(parser, metrics, options.eventTimes().maxFutureSkewMicros(),
        options.arrivalTolerance().toNanos() / 1000,
        d -> transaction.send(options.deadLetterTopic(), d.key(), d.toJsonBytes()));
    this.health = new LoopHealth(options.stallTimeout().toMillis(), System::currentTimeMillis);
    this.thread = new Thread(this::run, "kaminari-scorer");
    this.incidents = options.tracksIncidents()
        ? new IncidentTracker(options.incidentQuietWindows(), options.incidentUpdateInterval()) : null;
  }

  @Override
  public void start() {
    thread.start();
  }

  /** Whether the loop has a model, has rebuilt its state and polled Kafka successfully in the last 5 s. */
  @Override
  public boolean ready() {
    return running && !health.isFatal() && state != null && System.currentTimeMillis() - lastPollMillis < 5_000;
  }

  /** Null while the loop is alive, else why not ({@code /healthz}; see {@link LoopHealth}). */
  @Override
  public String liveness() {
    return health.problem();
  }

  private void run() {
    try {
      consumer = ScorerClients.consumer(options);
      while (running) {
        try {
          if (state == null && !restore()) {
            health.progress(); // waiting for a first model or an input topic: alive, only not ready
            TimeUnit.MILLISECONDS.sleep(200);
            continue;
          }
          step();
        } catch (WakeupException e) {
          // close() woke the consumer up
        } catch (RuntimeException e) {
          if (ScorerTransaction.isFenced(e)) {
            LOG.error("another scorer with transactional id {} took over; stopping, and failing /healthz so that this"
                + " instance is restarted (run one scorer per scorer.group-id)", ScorerClients.transactionalId(options));
            health.fenced(ScorerClients.transactionalId(options));
            running = false;
          } else {
            if (e instanceof KafkaException || e instanceof IllegalStateException) {
              LOG.warn("Kafka failure; rebuilding the window state from the last committed offsets: {}", e.toString());
            } else {
              LOG.error("unexpected failure in the scoring loop; rebuilding the window state from the last committed"
                  + " offsets", e);
              metrics.loopFailures.increment();
            }
            reset();
            TimeUnit.MILLISECONDS.sleep(500);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      // An Error (OutOfMemoryError, ...) or no consumer at all: nothing to rebuild from in this process.
      health.died(t);
      LOG.error("the scoring loop died; /healthz fails from now on so that the pod is restarted", t);
    } finally {
      shutDown();
    }
  }

  private void shutDown() {
    try {
      reset();
      if (consumer != null) consumer.close(Duration.ofSeconds(2));
    } catch (RuntimeException e) {
      LOG.warn("closing the consumer failed: {}", e.toString());
    } finally {
      models.values().forEach(ScoringModel::close);
      models.clear();
    }
  }

  private void step() {
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(Duration.ofMillis(100));
    } catch (OffsetOutOfRangeException e) {
      skipDeleted(e.offsetOutOfRangePartitions());
      return;
    }
    lastPollMillis = System.currentTimeMillis();
    for (TopicPartition tp : records.partitions()) {
      int p = index.get(tp);
      state.delivered(p);
      progressed = true;
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) handler.handle(p, r, lastPollMillis);
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
    handler.flushCounts(lastPollMillis);
    ScoringModel offered = provider.take();
    if (offered != null) adopt(offered);
    metrics.overflowFlows.add(state.takeOverflowFlows());
    List<WindowManager.ClosedWindow> closed = state.closeReady();
    skippedUncommitted += state.takeSkippedEmptyWindows();
    if (!closed.isEmpty()) {
      if (firstCloseNanos < 0) firstCloseNanos = System.nanoTime();
      List<ScoredWindow> scored = ScoredWindow.score(closed);
      for (ScoredWindow w : scored) {
        transaction.send(options.outputTopic(), w.key(), w.toJsonBytes());
        uncommitted.add(w);
      }
      if (incidents != null) {
        for (IncidentEvent e : incidents.observe(IncidentLog.results(scored, closed))) {
          transaction.send(options.incidentsTopic(), e.id(), e.toJson());
          uncommittedIncidents.add(e);
        }
      }
    }
    for (ScoringModel m : state.drainRetired()) {
      if (m != newest && models.remove(m.version()) != null) m.close();
    }
    long now = System.currentTimeMillis();
    if (!uncommitted.isEmpty() || transaction.openFor(now) > DEAD_LETTER_COMMIT_MS
        || (progressed && now - lastCommitMillis > COMMIT_IDLE_MS)) {
      commit();
    } else if (!progressed && !transaction.isOpen()) {
      health.progress(); // caught up: nothing waits for a commit
    }
    if (now - lastLagMillis > 1000) {
      long lag = 0;
      for (TopicPartition tp : partitions) lag += consumer.currentLag(tp).orElse(0);
      metrics.consumerLag = lag;
      metrics.idlePartitions = state.idlePartitions();
      metrics.exporterHoldBack(0, state.exporterClocks().holdBackMicros());
      metrics.untrackedExporterFlows.add(state.exporterClocks().takeUntracked());
      lastLagMillis = now;
    }
    if (now - lastPartitionCheckMillis > PARTITION_CHECK_MS) {
      lastPartitionCheckMillis = now;
      List<TopicPartition> current = listPartitions(Duration.ofSeconds(5));
      if (current != null && !new HashSet<>(current).equals(new HashSet<>(partitions))) {
        LOG.info("the input topics now have {} partitions (had {}); committing and reassigning", current.size(),
            partitions.size());
        if (transaction.isOpen() || progressed || !uncommitted.isEmpty()) commit();
        partitions = null; // the next restore assigns them all and resumes each from its committed offset
        reset();
      }
    }
  }

  /**
   * Resumes partitions whose position has left the log: records Kafka's retention deleted before the scorer read them
   * (a scorer stopped or lagging for longer than the topic's retention) are gone, so each such partition resumes at
   * its earliest offset, and the records skipped are counted ({@code retention_lost_records_total}, an alert) and
   * logged with their offsets. The windows they belonged to are scored without them. A position past the log's end
   * (the topic was deleted and created again) resumes at the beginning too; nothing can be counted then.
   */
  private void skipDeleted(Map<TopicPartition, Long> positions) {
    Map<TopicPartition, Long> earliest = consumer.beginningOffsets(positions.keySet(), Duration.ofSeconds(10));
    for (Map.Entry<TopicPartition, Long> e : positions.entrySet()) {
      TopicPartition tp = e.getKey();
      long from = e.getValue();
      long to = earliest.get(tp);
      if (from < to) {
        metrics.retentionLostRecords.add(to - from);
        LOG.error("{} input record(s) of {} (offsets [{}, {})) were deleted by Kafka retention before the scorer read"
            + " them; resuming at offset {}, their windows are scored without them. Keep the input topic's"
            + " retention.ms above the longest time the scorer may be stopped or behind", to - from, tp, from, to, to);
      } else {
        LOG.error("the position {} of {} is past the end of its log (the topic was re-created?); resuming at its"
            + " earliest offset {}", from, tp, to);
      }
      consumer.seek(tp, to);
    }
  }

  /** The input topics' partitions (from the consumer's metadata cache), or null while a topic does not exist. */
  private List<TopicPartition> listPartitions(Duration timeout) {
    List<TopicPartition> found = new ArrayList<>();
    for (String topic : options.topics()) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        LOG.info("input topic {} does not exist (yet)", topic);
        return null;
      }
      infos.forEach(i -> found.add(new TopicPartition(i.topic(), i.partition())));
    }
    found.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    return found;
  }

  private void adopt(ScoringModel model) {
    long offeredAt = provider.lastOfferNanos();
    models.put(model.version(), model);
    ScoringModel previous = newest;
    newest = model;
    provider.adopted(model.version());
    long boundary = state.swap(model);
    metrics.modelVersion = model.version();
    metrics.lastSwapSeconds = provider.lastLoadMillis() / 1e3 + (System.nanoTime() - offeredAt) / 1e9;
    LOG.info("model {} replaces {} for windows starting at {} µs (swap {} s)", model, previous,
        boundary == WindowManager.UNSET ? "the first window" : boundary, metrics.lastSwapSeconds);
  }

  private void commit() {
    transaction.commit(checkpoint.offsets(state), consumer.groupMetadata());
    progressed = false;
    lastCommitMillis = System.currentTimeMillis();
    metrics.transactions.increment();
    metrics.skippedEmptyWindows.add(skippedUncommitted);
    skippedUncommitted = 0;
    if (incidents != null) {
      // Before the metrics: whoever sees the counters move sees the states on the dashboard too.
      recent.addIncidents(uncommittedIncidents);
      metrics.committed(uncommittedIncidents, incidents.open().size());
      uncommittedIncidents.clear();
    }
    health.progress();
    if (!uncommitted.isEmpty()) {
      double latency = (System.nanoTime() - firstCloseNanos) / 1e9;
      for (ScoredWindow w : uncommitted) {
        metrics.committed(w);
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
    if (transaction == null) transaction = ScorerTransaction.start(options);
    if (partitions == null) {
      List<TopicPartition> found = listPartitions(Duration.ofSeconds(10));
      if (found == null) return false;
      consumer.assign(found);
      index.clear();
      for (int i = 0; i < found.size(); i++) index.put(found.get(i), i);
      partitions = found;
      metrics.partitions = found.size();
      lastPartitionCheckMillis = System.currentTimeMillis();
    }
    checkpoint = Checkpoint.restore(consumer, partitions);
    if (incidents != null) {
      // The incident states committed with the offsets just restored: initTransactions above ended any open
      // transaction, so the topic read to its end holds exactly what was committed.
      List<IncidentEvent> committed = IncidentLog.read(options, newest.name());
      incidents.restore(committed);
      recent.addIncidents(committed);
      metrics.incidentsOpen = incidents.open().size();
    }
    state = checkpoint.windows(newest, this::model, options.limits());
    // An incident on a quiet prefix learns its vector once its victim is profiled in every window.
    if (incidents != null) state.followVictims(incidents::isOpenVictim);
    state.partitions(partitions.size(), options.idleTimeout().toMillis(), System::currentTimeMillis);
    handler.restored(state, checkpoint);
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
    if (transaction != null) {
      transaction.abandon();
      transaction = null;
    }
    state = null;
    checkpoint = null;
    uncommitted.clear();
    uncommittedIncidents.clear();
    firstCloseNanos = -1;
    skippedUncommitted = 0;
    progressed = false;
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
