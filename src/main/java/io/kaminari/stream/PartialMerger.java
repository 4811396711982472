package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentTracker;
import io.kaminari.incidents.VictimProfiles;
import io.kaminari.model.ArStates;
import io.kaminari.model.ScoringModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage two of the scaled-out scorer, one per aggregator partition, which owns the scope keys that hash to it: merges
 * the {@link Partials.Partial}s of its keys and, when every source has promised to send nothing more for a window
 * (its {@link Partials.Watermark}), scores the window with the single scorer's {@link ScoredWindow#score} and sends
 * one {@link ScoredWindow} per key (docs/scorer.md, "Scaling out").
 *
 * <p>The aggregators' watermark is the single scorer's rule over sources instead of partitions: the minimum over the
 * sources that are not idle, the maximum when all are; a source not heard from yet holds it back. Windows whose end it
 * has passed close in start order; under the global scope every window from the first one with flows is scored,
 * empty ones as the zero vector, within {@code scorer.max-gap-fill} of the last window with flows. A partial of a
 * window already closed is late: its flows are counted in {@code late_records_total} and dropped.
 *
 * <p>Everything that decides what is emitted (merged partials, each source's watermark, where closing has got to) is
 * in the changelogged store {@link #STORE}, in the transaction of the outputs. The AR states are in memory, as in the
 * single scorer: a key's first windows after its task moved are scored from no history.
 */
final class PartialMerger implements Processor<byte[], byte[], byte[], byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(PartialMerger.class);
  static final String STORE = "kaminari-open-partials";
  /** The open incidents' latest states, by incident id (with {@code scorer.incidents-topic} only). */
  static final String INCIDENTS = "kaminari-open-incidents";
  /**
   * The header of a forwarded incident state, which the topology sends to {@code scorer.incidents-topic} rather than
   * the output topic.
   */
  static final String INCIDENT_HEADER = "kaminari-incident";
  private static final long UNSET = Long.MIN_VALUE;
  /** Window entries: 0x00, window start, scope key. State entries: 0x01, then one of the names below. */
  private static final byte WINDOW = 0;
  private static final byte STATE = 1;
  private static final String CLOSED = "closed";
  private static final String LAST_GLOBAL = "last-global";
  private static final String DATA_END = "data-end";
  private static final String SOURCE = "source-";

  private final FeatureSpec spec;
  private final int sources;
  private final long maxGapFillMicros;
  private final Supplier<ScoringModel> models;
  private final ScorerMetrics metrics;
  private final RecentScores recent;
  private final Supplier<IncidentTracker> newTracker;
  private final Map<ScoringModel, ArStates> arStates = new IdentityHashMap<>();
  private ProcessorContext<byte[], byte[]> context;
  private KeyValueStore<Bytes, byte[]> store;
  /** Null without incident tracking. */
  private IncidentTracker incidents;
  private KeyValueStore<Bytes, byte[]> incidentStore;
  /** This task's open incidents, as last added to {@code incidents_open}. */
  private int openIncidents;

  /**
   * @param sources how many source tasks there are (the input topics' largest partition count)
   * @param newTracker the task's incident tracker, or null without incident tracking (then the store {@link
   *     #INCIDENTS} is not connected)
   */
  PartialMerger(FeatureSpec spec, int sources, long maxGapFillMicros, Supplier<ScoringModel> models,
      ScorerMetrics metrics, RecentScores recent, Supplier<IncidentTracker> newTracker) {
    this.spec = spec;
    this.sources = sources;
    this.maxGapFillMicros = maxGapFillMicros;
    this.models = models;
    this.metrics = metrics;
    this.recent = recent;
    this.newTracker = newTracker;
  }

  /**
   * Opens the stores; with incident tracking, continues the task's open incidents from {@link #INCIDENTS}, which
   * Kafka Streams restored from its changelog (a restart, or the task moving to another instance, neither reopens nor
   * loses one).
   */
  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    if (newTracker == null) return;
    incidentStore = context.getStateStore(INCIDENTS);
    incidents = newTracker.get();
    List<IncidentEvent> open = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = incidentStore.all()) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> e = it.next();
        try {
          open.add(IncidentEvent.fromJson(e.value));
        } catch (IOException | RuntimeException unreadable) {
          throw new IllegalStateException("the store " + INCIDENTS + " holds an unreadable incident state under "
              + new String(e.key.get(), StandardCharsets.UTF_8) + ": " + unreadable, unreadable);
        }
      }
    }
    incidents.restore(open);
    openIncidents = incidents.open().size();
    metrics.sent(List.of(), openIncidents);
  }

  @Override
  public void close() {
    if (incidents != null) metrics.sent(List.of(), -openIncidents); // the task moved away, or the instance stops
  }

  /**
   * Handles one record of the partials topic. One that cannot be read (only a scorer of another build writes such a
   * thing: the topic is internal) is logged and counted in {@code record_failures_total} and skipped, rather than
   * failing the stream thread, whose replacement would meet the same record again.
   */
  @Override
  public void process(Record<byte[], byte[]> r) {
    Partials.Watermark w;
    try {
      byte kind = Partials.kind(r.value());
      if (kind == Partials.PARTIAL) {
        merge(Partials.partial(r.value()));
        return;
      }
      if (kind != Partials.WATERMARK) throw new IllegalArgumentException("unknown scale-out record kind " + kind);
      w = Partials.watermark(r.value());
    } catch (RuntimeException e) {
      LOG.error("skipping an unreadable record of the partials topic (at {})", context.recordMetadata(), e);
      metrics.recordFailures.increment();
      return;
    }
    putLongs(SOURCE + w.source(), w.watermark(), w.idle() ? 1 : 0);
    closeReady(r.timestamp());
  }

  private void merge(Partials.Partial p) {
    long closed = getLong(CLOSED, UNSET);
    if (closed != UNSET && p.windowStart() + spec.windowMicros() <= closed) {
      metrics.lateRecords.add(p.acc().flowCount());
      return;
    }
    Bytes key = windowKey(p.windowStart(), p.scopeKey());
    byte[] before = store.get(key);
    Partials.Part part = p.part();
    if (before != null) part = Partials.deserialize(before, 0, before.length, Partials.Part.class).merge(part);
    store.put(key, Partials.serialize(part));
  }

  /** The aggregators' watermark (class doc), or {@link #UNSET} while a source has not been heard from. */
  long watermark() {
    long min = Long.MAX_VALUE;
    long max = UNSET;
    boolean anyActive = false;
    for (int s = 0; s < sources; s++) {
      long[] w = getLongs(SOURCE + s);
      if (w == null) return UNSET;
      max = Math.max(max, w[0]);
      if (w[1] == 0) {
        anyActive = true;
        min = Math.min(min, w[0]);
      }
    }
    return anyActive ? min : max;
  }

  private void closeReady(long timestamp) {
    long wm = watermark();
    long closed = getLong(CLOSED, UNSET);
    if (wm == UNSET || (closed != UNSET && wm <= closed)) return;
    long len = spec.windowMicros();
    // Every window entry whose start is at most wm - len, in (start, key) order: the upper bound is inclusive, but no
    // entry has an empty scope key.
    TreeMap<Long, SortedMap<String, WindowAccumulator>> ready = new TreeMap<>();
    Map<Long, VictimProfiles> victims = new HashMap<>();
    List<Bytes> done = new ArrayList<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.range(windowKey(Long.MIN_VALUE, ""),
        windowKey(wm - len + 1, ""))) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> e = it.next();
        ByteBuffer b = ByteBuffer.wrap(e.key.get());
        b.get();
        long start = b.getLong() ^ Long.MIN_VALUE;
        String key = new String(e.key.get(), 9, e.key.get().length - 9, StandardCharsets.UTF_8);
        Partials.Part part = Partials.deserialize(e.value, 0, e.value.length, Partials.Part.class);
        ready.computeIfAbsent(start, s -> new TreeMap<>()).put(key, part.acc());
        if (part.victims() != null) {
          victims.merge(start, part.victims(), (window, more) -> {
            window.merge(more);
            return window;
          });
        }
        done.add(e.key);
      }
    }
    if (spec.scope() == Scope.GLOBAL) fillGlobal(ready, wm);
    done.forEach(store::delete);
    putLongs(CLOSED, wm);
    if (ready.isEmpty()) return;
    List<ScoredWindow> scored;
    List<WindowManager.ClosedWindow> closedWindows = new ArrayList<>();
    // One lock for the model's choice and its use: a swap (which closes the old model) cannot happen in between, and
    // the aggregators of several stream threads never score at once with one model.
    synchronized (models) {
      ScoringModel model = models.get();
      ArStates states = arStates.computeIfAbsent(model, ScoringModel::newArStates);
      arStates.keySet().removeIf(m -> m != model); // a swap starts the new model from no history, as in the single one
      ready.forEach((start, byKey) -> closedWindows.add(
          new WindowManager.ClosedWindow(spec, start, model, byKey, states, victims.get(start))));
      scored = ScoredWindow.score(closedWindows);
    }
    for (ScoredWindow w : scored) {
      context.forward(new Record<>(w.key().getBytes(StandardCharsets.UTF_8), w.toJsonBytes(), timestamp));
      metrics.windowsScored.increment();
      if (w.isAnomaly()) metrics.anomalies.increment();
    }
    recent.addAll(scored);
    if (incidents != null) track(scored, closedWindows, timestamp);
  }

  /**
   * Feeds the scored windows to the task's incident tracker, as the single scorer does, and sends each changed state
   * to the incidents topic and into {@link #INCIDENTS} (a resolved one leaves it), in the task's transaction, with the
   * victim's traffic from the sources' merged profiles of the window (docs/scorer.md, "Scaling out").
   */
  private void track(List<ScoredWindow> scored, List<WindowManager.ClosedWindow> closed, long timestamp) {
    List<IncidentEvent> changed = incidents.observe(IncidentLog.results(scored, closed));
    for (IncidentEvent e : changed) {
      byte[] key = e.id().getBytes(StandardCharsets.UTF_8);
      byte[] json = e.toJson();
      if (e.firing()) {
        incidentStore.put(Bytes.wrap(key), json);
      } else {
        incidentStore.delete(Bytes.wrap(key));
      }
      context.forward(new Record<>(key, json, timestamp, new RecordHeaders().add(INCIDENT_HEADER, new byte[0])));
    }
    int open = incidents.open().size();
    metrics.sent(changed, open - openIncidents);
    openIncidents = open;
    recent.addIncidents(changed);
  }

  /**
   * Adds the empty global windows the single scorer scores: from the first window with flows on, every window up to
   * the watermark within {@code scorer.max-gap-fill} of the end of the last window with flows; the rest of a longer
   * gap is skipped and counted. Only the aggregator of the global key has global windows, so only it fills.
   */
  private void fillGlobal(TreeMap<Long, SortedMap<String, WindowAccumulator>> ready, long wm) {
    long len = spec.windowMicros();
    long last = getLong(LAST_GLOBAL, UNSET);
    long dataEnd = getLong(DATA_END, UNSET);
    if (last == UNSET && ready.isEmpty()) return;
    long next = last == UNSET ? ready.firstKey() : last + len;
    long end = Math.floorDiv(wm, len) * len; // windows starting before it have ended
    for (long start = next; start < end; start += len) {
      if (ready.containsKey(start)) {
        dataEnd = start + len;
      } else if (dataEnd != UNSET && start - dataEnd < maxGapFillMicros) {
        SortedMap<String, WindowAccumulator> empty = new TreeMap<>();
        empty.put(Scope.GLOBAL.jsonName(), new WindowAccumulator(spec));
        ready.put(start, empty);
      } else {
        Long following = ready.higherKey(start);
        long to = following == null ? end : following;
        metrics.skippedEmptyWindows.add((to - start) / len);
        start = to - len;
      }
    }
    putLongs(LAST_GLOBAL, end - len);
    if (dataEnd != UNSET) putLongs(DATA_END, dataEnd);
  }

  private static Bytes windowKey(long start, String scopeKey) {
    byte[] key = scopeKey.getBytes(StandardCharsets.UTF_8);
    // Sign bit flipped: unsigned byte order is then numeric order, so the store's order is start order.
    return Bytes.wrap(ByteBuffer.allocate(9 + key.length).put(WINDOW).putLong(start ^ Long.MIN_VALUE).put(key)
        .array());
  }

  private static Bytes stateKey(String name) {
    byte[] key = name.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(1 + key.length).put(STATE).put(key).array());
  }

  private void putLongs(String name, long... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length);
    for (long v : values) b.putLong(v);
    store.put(stateKey(name), b.array());
  }

  private long[] getLongs(String name) {
    byte[] v = store.get(stateKey(name));
    if (v == null) return null;
    ByteBuffer b = ByteBuffer.wrap(v);
    long[] out = new long[v.length / 8];
    for (int i = 0; i < out.length; i++) out[i] = b.getLong();
    return out;
  }

  private long getLong(String name, long absent) {
    long[] v = getLongs(name);
    return v == null ? absent : v[0];
  }
}
