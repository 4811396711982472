package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import io.kaminari.incidents.VictimProfiles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage one of the scaled-out scorer, one per input partition (its Kafka Streams task): parses the partition's pmacct
 * records with the single scorer's rules, accumulates its flows per window and scope key, and every
 * {@code scorer.flush-interval} sends the accumulators of the windows its own watermark has passed as
 * {@link Partials.Partial}s, then its {@link Partials.Watermark} (docs/scorer.md, "Scaling out").
 *
 * <p>Event time is the single scorer's: a flow goes to the window of its own event time and moves this partition's
 * watermark with at most its arrival cap, min(record timestamp, clock) + {@code scorer.arrival-tolerance}; a flow
 * more than {@code flow.max-future-skew} ahead of the clock, what the parser rejects, a tombstone and an object whose
 * handling throws are dead-lettered with their reason. Whether a flow is late is decided where its window closes, by
 * the aggregator. A partition that has delivered nothing for {@code scorer.idle-timeout} (or since the task started)
 * sends every window it holds and declares itself idle, so it no longer holds the aggregators' watermark back.
 *
 * <p>Exactly once: the accumulators and the watermark's base live in an {@link OpenWindowStore}, which Kafka
 * Streams checkpoints into its changelog in the transaction that commits the input offsets; sending a window's
 * partials removes it in the same transaction. A task that moves to another instance, or restarts, rebuilds them from
 * that store ({@link #init}), so no flow is lost or counted twice, and its watermark comes back with them (a task that
 * moved after reading its partition to the end would otherwise hold every window back until its idle timeout).
 */
final class PartialBuilder implements Processor<byte[], byte[], byte[], byte[]>, PmacctParser.Sink {
  private static final Logger LOG = LoggerFactory.getLogger(PartialBuilder.class);
  static final String STORE = "kaminari-open-windows";
  static final long UNSET = Long.MIN_VALUE;

  private final FeatureSpec spec;
  private final PmacctParser parser;
  private final ScorerMetrics metrics;
  private final long latenessMicros;
  private final long arrivalToleranceMicros;
  private final long maxFutureSkewMicros;
  private final long idleTimeoutMillis;
  private final Duration flushInterval;
  private final int maxKeysPerWindow;
  /** The victims to profile besides each window's heaviest prefixes ({@link OpenVictims}); null: none. */
  private final Predicate<String> followed;

  private ProcessorContext<byte[], byte[]> context;
  private OpenWindowStore open;
  private int source;
  private long startedMillis;
  private long lastRecordMillis = UNSET;
  private long sentWatermark = UNSET;
  private Boolean sentIdle;
  /** The record being handled. */
  private Record<byte[], byte[]> record;
  private long maxEventMicros;
  private long watermarkCap;
  /** In memory: a moved task relearns them from the flows it reads next. */
  private final ExporterClocks exporters;

  PartialBuilder(FeatureSpec spec, ScorerOptions options, Duration flushInterval, ScorerMetrics metrics,
      Predicate<String> followed) {
    this.spec = spec;
    this.parser = new PmacctParser(options.collectorZone(), options.eventTimes());
    this.metrics = metrics;
    this.latenessMicros = options.allowedLateness().toNanos() / 1000;
    this.arrivalToleranceMicros = options.arrivalTolerance().toNanos() / 1000;
    this.maxFutureSkewMicros = options.eventTimes().maxFutureSkewMicros();
    this.idleTimeoutMillis = options.idleTimeout().toMillis();
    this.flushInterval = flushInterval;
    this.maxKeysPerWindow = options.maxKeysPerWindow();
    this.followed = followed;
    this.exporters = new ExporterClocks(options.exporterBounds());
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.open = context.getStateStore(STORE);
    this.source = context.taskId().partition();
    int restored = open.rebuild();
    if (followed != null) open.follow(followed);
    LOG.info("source {}: starts with {} open windows, watermark {}", source, restored, watermark());
    startedMillis = System.currentTimeMillis();
    context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, t -> flush());
  }

  @Override
  public void close() {
    // Its state is in the store; the task's next owner rebuilds it (init).
    LOG.info("source {}: closed with {} open windows", source, open.openWindows());
    metrics.noExporterHoldBack(source);
  }

  @Override
  public void process(Record<byte[], byte[]> r) {
    record = r;
    long now = System.currentTimeMillis();
    lastRecordMillis = now;
    metrics.recordsIn.increment();
    maxEventMicros = RecordHandler.saturatedMicros(now, maxFutureSkewMicros);
    // The timestamp extractor gives the record's own timestamp (the clock for one without): as in RecordHandler.
    watermarkCap = RecordHandler.saturatedMicros(Math.min(r.timestamp(), now), arrivalToleranceMicros);
    RecordHandler.parseRecord(parser, r.value(), r.timestamp() * 1000, this, (raw, e) -> failed(-1, raw, e));
  }

  @Override
  public void flow(int i, PmacctParser.Fields fields) {
    Flow flow = null;
    try {
      flow = fields.toFlow();
      long t = flow.eventTimeMicros();
      if (t > maxEventMicros) {
        reject(i, flow.toString(), RecordHandler.tooFarAheadReason(t, maxFutureSkewMicros));
        return;
      }
      metrics.flowsIn.increment();
      if (t > watermarkCap) metrics.flowsAheadOfArrival.increment();
      long start = Featurizer.windowStartMicros(t, spec);
      try {
        open.add(start, scopeKey(start, Featurizer.scopeKey(flow.ipDst(), spec)), flow);
      } catch (IllegalArgumentException e) {
        reject(i, flow.toString(), e.getMessage());
        return;
      }
      long capped = Math.min(t, watermarkCap);
      if (capped > open.maxCapped()) open.maxCapped(capped);
      exporters.observe(flow.peerIpSrc(), watermarkCap, capped);
    } catch (RuntimeException | StackOverflowError e) {
      failed(i, String.valueOf(flow), e);
    }
  }

  @Override
  public void marker(int i, String eventType) {
    // purge markers carry no flow; the watermark comes from the flows themselves
  }

  @Override
  public void reject(int i, String raw, String reason) {
    RecordMetadata m = context.recordMetadata().orElseThrow();
    DeadLetter d = DeadLetter.of(reason, m.topic(), m.partition(), m.offset(), i, raw);
    context.forward(new Record<>(d.key().getBytes(StandardCharsets.UTF_8), Partials.deadLetter(d),
        record.timestamp()));
    metrics.parseErrors.increment();
  }

  private void failed(int i, String raw, Throwable e) {
    LOG.error("cannot handle object {} of a record; dead-lettering it and going on", i, e);
    metrics.recordFailures.increment();
    reject(i, raw, "scorer error: " + e);
  }

  /** The key a flow of {@code start} goes under: its own, or the overflow key once the window has its cap of keys. */
  private String scopeKey(long start, String key) {
    if (!open.isFull(start, key, maxKeysPerWindow)) return key;
    metrics.overflowFlows.increment();
    return Featurizer.OVERFLOW_KEY;
  }

  /**
   * This partition's watermark: max capped event time − the exporters' hold-back ({@link ExporterClocks}) − allowed
   * lateness, or {@link #UNSET} before its first flow. Not monotonic: an exporter that starts to lag holds it back.
   */
  long watermark() {
    return open.maxCapped() == UNSET ? UNSET : open.maxCapped() - exporters.holdBackMicros() - latenessMicros;
  }

  /**
   * Sends the partials of every window the watermark has passed (of every window, when idle), then the watermark,
   * when it or idleness changed.
   */
  void flush() {
    long now = System.currentTimeMillis();
    boolean idle = now - (lastRecordMillis == UNSET ? startedMillis : lastRecordMillis) >= idleTimeoutMillis;
    long wm = watermark();
    metrics.exporterHoldBack(source, exporters.holdBackMicros());
    metrics.untrackedExporterFlows.add(exporters.takeUntracked());
    long len = spec.windowMicros();
    for (long start = open.firstStart(); start != UNSET && (idle || (wm != UNSET && start <= wm - len));
        start = open.firstStart()) {
      OpenWindowStore.Window w = open.removeFirst();
      for (Map.Entry<String, WindowAccumulator> k : w.byKey().entrySet()) {
        // The key's victims: under global every profiled prefix (the verdict names the window's top one), under
        // dst-prefix the key's own.
        VictimProfiles victims = w.victims() == null || spec.scope() == Scope.GLOBAL ? w.victims()
            : w.victims().only(k.getKey());
        Partials.Partial p = new Partials.Partial(source, start, k.getKey(), k.getValue(), victims);
        context.forward(new Record<>(k.getKey().getBytes(StandardCharsets.UTF_8), Partials.partial(p), now));
      }
    }
    if (wm != sentWatermark || sentIdle == null || idle != sentIdle) {
      context.forward(new Record<>(WATERMARK_KEY, Partials.watermark(new Partials.Watermark(source, wm, idle)), now));
      sentWatermark = wm;
      sentIdle = idle;
    }
  }

  private static final byte[] WATERMARK_KEY = "~watermark".getBytes(StandardCharsets.UTF_8);
}
