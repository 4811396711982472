package io.kaminari.stream;

import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the scoring loop does with each input record, whatever it holds: parse it, add its flows to the window state,
 * dead-letter what cannot be used, and never throw (docs/scorer.md, "Windows, watermark, lateness").
 *
 * <p>Per flow, in order:
 * <ul>
 *   <li>the parser's event-time policy ({@code flow.min-event-time}, {@code flow.max-future-skew} after the record's
 *       timestamp) rejects what compaction quarantines, with the same reason; an event time more than
 *       {@code flow.max-future-skew} ahead of the scorer's own clock is dead-lettered too (a guard that holds even
 *       when the record's timestamp is wrong);
 *   <li>the flow moves the watermark with at most its arrival cap, min(record timestamp, scorer's clock) +
 *       {@code scorer.arrival-tolerance}: a flow stamped ahead of its arrival (an exporter whose clock is ahead) still
 *       counts in its own window, but cannot make the other exporters' flows late. Such flows are counted, and their
 *       exporters ({@code peer_ip_src}) listed for a gauge, and logged when first seen (again after ten quiet minutes);
 *   <li>a flow for a closed window is late (counted; its exporter is listed for a gauge too).
 * </ul>
 * An exception while handling one object or record (a bug, or input no rule foresaw) dead-letters it with the
 * exception as the reason and the loop goes on with the next one; nothing a record holds can stop the scorer.
 *
 * <p>Records re-read after a restart ({@link Checkpoint#replay}) only rebuild state: no dead letter, no count. Per-flow
 * counts are summed in plain fields and added to the metrics once per poll ({@link #flushCounts}). Not thread-safe:
 * owned by the scorer loop.
 */
final class RecordHandler implements PmacctParser.Sink {
  private static final Logger LOG = LoggerFactory.getLogger(RecordHandler.class);
  /** How long an exporter stays in the "ahead" or "late" gauges after its last such flow. */
  static final long EXPORTER_MEMORY_MS = 10 * 60_000;

  private final PmacctParser parser;
  private final ScorerMetrics metrics;
  private final long maxFutureSkewMicros;
  private final long arrivalToleranceMicros;
  private final Consumer<DeadLetter> deadLetters;
  final RecentExporters exportersAhead = new RecentExporters(1024);
  final RecentExporters exportersLate = new RecentExporters(1024);

  private WindowManager state;
  private Checkpoint checkpoint;
  private ConsumerRecord<byte[], byte[]> record;
  private int partition;
  private boolean replay;
  private long nowMillis;
  private long maxEventMicros;
  private long watermarkCap;
  /** Counted here and added to the metrics once per poll: a shared adder per flow costs measurable time. */
  private long flows;
  private long records;

  RecordHandler(PmacctParser parser, ScorerMetrics metrics, long maxFutureSkewMicros, long arrivalToleranceMicros,
      Consumer<DeadLetter> deadLetters) {
    this.parser = parser;
    this.metrics = metrics;
    this.maxFutureSkewMicros = maxFutureSkewMicros;
    this.arrivalToleranceMicros = arrivalToleranceMicros;
    this.deadLetters = deadLetters;
  }

  /** The state (re)built from {@code checkpoint} that the next records go to. */
  void restored(WindowManager state, Checkpoint checkpoint) {
    this.state = state;
    this.checkpoint = checkpoint;
  }

  /** Handles record {@code r} of (numbered) partition {@code p}, read at wall-clock time {@code nowMillis}. */
  void handle(int p, ConsumerRecord<byte[], byte[]> r, long nowMillis) {
    record = r;
    partition = p;
    this.nowMillis = nowMillis;
    replay = checkpoint.replay(p, r.offset());
    if (replay) metrics.replayedRecords.increment(); else records++;
    checkpoint.read(p, r.offset());
    maxEventMicros = saturatedMicros(nowMillis, maxFutureSkewMicros);
    long arrival = r.timestamp() >= 0 ? Math.min(r.timestamp(), nowMillis) : nowMillis;
    watermarkCap = saturatedMicros(arrival, arrivalToleranceMicros);
    parseRecord(parser, r.value(), r.timestamp() * 1000, this, (raw, e) -> failed(-1, raw, e));
  }

  /**
   * Parses one record's value into {@code sink}, as both scorers do: a tombstone is rejected as such, and a failure of
   * the parser's own loop over the record (each object is guarded by the sink) goes to {@code failed} with the start
   * of the value as its raw text.
   */
  static void parseRecord(PmacctParser parser, byte[] value, long timestampMicros, PmacctParser.Sink sink,
      java.util.function.BiConsumer<String, Throwable> failed) {
    try {
      if (value == null) {
        sink.reject(-1, "", "record has no value (a tombstone)");
      } else {
        parser.parse(value, timestampMicros, sink);
      }
    } catch (RuntimeException | StackOverflowError e) {
      failed.accept(value == null ? "" : new String(value, 0, Math.min(value.length, DeadLetter.MAX_RAW_CHARS * 4),
          java.nio.charset.StandardCharsets.UTF_8), e);
    }
  }

  @Override
  public void flow(int i, PmacctParser.Fields fields) {
    Flow flow;
    try {
      flow = fields.toFlow();
    } catch (RuntimeException | StackOverflowError e) {
      failed(i, "", e);
      return;
    }
    accept(i, flow);
  }

  /**
   * One parsed flow of the current record (package-private: tests feed flows no parser would build). The hot path of
   * the scorer: rare cases are in methods of their own so that this one stays small enough to inline.
   */
  void accept(int i, Flow flow) {
    try {
      long t = flow.eventTimeMicros();
      if (t > maxEventMicros) {
        tooFarAhead(i, flow, t);
        return;
      }
      if (!replay) {
        flows++;
        if (t > watermarkCap) aheadOfArrival(flow, t);
      }
      boolean added;
      try {
        added = state.add(partition, record.offset(), flow, watermarkCap);
      } catch (IllegalArgumentException e) {
        reject(i, flow.toString(), e.getMessage());
        return;
      }
      if (!added && !replay) countLate(flow);
    } catch (RuntimeException | StackOverflowError e) {
      failed(i, String.valueOf(flow), e);
    }
  }

  private void tooFarAhead(int i, Flow flow, long t) {
    reject(i, flow.toString(), tooFarAheadReason(t, maxFutureSkewMicros));
  }

  /** The dead letter's reason for a flow whose event time {@code t} is too far ahead of the scorer's clock. */
  static String tooFarAheadReason(long t, long maxFutureSkewMicros) {
    return "event time " + t + " µs is more than " + maxFutureSkewMicros / 1_000_000
        + " s (flow.max-future-skew) ahead of the scorer's clock";
  }

  private void aheadOfArrival(Flow flow, long t) {
    metrics.flowsAheadOfArrival.increment();
    if (exportersAhead.seen(flow.peerIpSrc(), nowMillis)) {
      LOG.warn("exporter {} sends flows ahead of their arrival (event time {} µs, record timestamp {} ms, at"
          + " partition {} offset {}): its clock is probably off; they count in their own windows but do not"
          + " move the watermark past arrival + scorer.arrival-tolerance", flow.peerIpSrc(), t,
          record.timestamp(), record.partition(), record.offset());
    }
  }

  private void countLate(Flow flow) {
    metrics.lateRecords.increment();
    exportersLate.seen(flow.peerIpSrc(), nowMillis);
  }

  @Override
  public void marker(int i, String eventType) {
    // purge markers carry no flow; the watermark comes from the flows themselves
  }

  @Override
  public void reject(int i, String raw, String reason) {
    if (replay) return; // its dead letter was committed before the restart
    deadLetters.accept(DeadLetter.of(reason, record.topic(), record.partition(), record.offset(), i, raw));
    metrics.parseErrors.increment();
  }

  /** Adds the per-flow counts of the last poll to the metrics, and refreshes the exporter gauges. */
  void flushCounts(long now) {
    metrics.flowsIn.add(flows);
    metrics.recordsIn.add(records);
    flows = 0;
    records = 0;
    metrics.exportersAhead = exportersAhead.count(now);
    metrics.exportersLate = exportersLate.count(now);
  }

  private void failed(int i, String raw, Throwable e) {
    LOG.error("cannot handle object {} of {}/{} at offset {}; dead-lettering it and going on", i, record.topic(),
        record.partition(), record.offset(), e);
    metrics.recordFailures.increment();
    try {
      reject(i, raw, "scorer error: " + e);
    } catch (RuntimeException again) {
      LOG.error("cannot dead-letter it either", again);
    }
  }

  static long saturatedMicros(long millis, long plusMicros) {
    long base = millis * 1000;
    return base > Long.MAX_VALUE - plusMicros ? Long.MAX_VALUE : base + plusMicros;
  }

  /**
   * Exporters recently seen doing something (sending flows ahead of arrival, or late), at most {@code capacity} of
   * them (the least recently seen is forgotten first), for a gauge and for logging each exporter once in a while.
   */
  static final class RecentExporters {
    private final int capacity;
    private final LinkedHashMap<String, Long> lastSeen;

    RecentExporters(int capacity) {
      this.capacity = capacity;
      this.lastSeen = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > RecentExporters.this.capacity;
        }
      };
    }

    /** Records {@code exporter} (null = unknown) at {@code now}; true if it was not seen in the last ten minutes. */
    boolean seen(String exporter, long now) {
      Long before = lastSeen.put(exporter == null ? "unknown" : exporter, now);
      return before == null || now - before > EXPORTER_MEMORY_MS;
    }

    /** Exporters seen in the last ten minutes. */
    int count(long now) {
      int n = 0;
      for (Iterator<Long> it = lastSeen.values().iterator(); it.hasNext(); ) {
        if (now - it.next() > EXPORTER_MEMORY_MS) it.remove(); else n++;
      }
      return n;
    }
  }
}
