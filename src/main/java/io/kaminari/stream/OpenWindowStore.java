package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.VictimProfiles;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.ProcessorContext;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The open windows of one {@link PartialBuilder} task: its accumulators in memory, checkpointed into a changelogged
 * key-value store when the task commits, the way Kafka Streams' own record cache writes through (docs/scorer.md,
 * "Delivery guarantees").
 *
 * <p>Before Kafka Streams commits a task's transaction (its input offsets, outputs and changelog records together), it
 * flushes the task's record caches: the stores that implement its {@code CachedStateStore}. {@link #flushCache()}
 * then writes each accumulator changed since the last commit, serialised, under (window start, scope key), and the
 * task's {@link #maxCapped()}, and each changed window's {@link VictimProfiles} under (window start, empty key); a
 * window sent as partials is deleted in the transaction that sends it. (A plain
 * store's {@code flush()} runs only after the commit, too late for exactly once; {@code CachedStateStore} is an
 * internal interface of kafka-streams, pinned here at 3.9.1, and {@code ScaleOutScorerIT}'s kill test fails if it
 * stops being called before the commit.) So the changelog holds, at every commit, exactly the state of the
 * offsets committed with it, at the cost of one record per changed accumulator per commit instead of one per flow.
 * After a crash, a rebalance or a restart, the task's next owner restores the inner store from the changelog, and
 * {@link #rebuild()} turns it back into accumulators.
 *
 * <p>Not thread-safe: owned by its stream task.
 */
final class OpenWindowStore implements StateStore, CachedStateStore<Bytes, byte[]> {
  /** The scope key of a window's victim profiles: no scope key is empty. */
  private static final String VICTIMS = "";
  /** The entry of {@link #maxCapped()}: shorter than every window entry. */
  private static final Bytes MAX_CAPPED = Bytes.wrap(new byte[] {(byte) 0xFF});

  private final KeyValueStore<Bytes, byte[]> inner;
  private final FeatureSpec spec;
  private final TreeMap<Long, Map<String, WindowAccumulator>> open = new TreeMap<>();
  /** Whether windows keep {@link #victims} (with incident tracking only). */
  private final boolean profiles;
  /** Each open window's profiles of its heaviest destination prefixes (the single scorer's, per source task). */
  private final Map<Long, VictimProfiles> victims = new HashMap<>();
  /** The scope keys of each window changed since the last commit (no key bytes built per flow: that is the hot path). */
  private final Map<Long, Set<String>> dirty = new HashMap<>();
  private long maxCapped = PartialBuilder.UNSET;
  private long storedMaxCapped = PartialBuilder.UNSET;
  /** The prefixes the profiles follow besides each window's heaviest ({@link VictimProfiles#follow}); null: none. */
  private Predicate<String> followed;

  /** Over {@code inner}; {@link #builder} wraps it as Kafka Streams needs (tests use a bare in-memory store). */
  OpenWindowStore(KeyValueStore<Bytes, byte[]> inner, FeatureSpec spec, boolean profiles) {
    this.inner = inner;
    this.spec = spec;
    this.profiles = profiles;
  }

  /**
   * The builder of the store {@code name}: in memory, changelogged, uncached (it is its own cache); its windows keep
   * victim profiles when {@code profiles}.
   */
  static StoreBuilder<OpenWindowStore> builder(String name, FeatureSpec spec, boolean profiles) {
    StoreBuilder<KeyValueStore<Bytes, byte[]>> inner = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray()).withCachingDisabled();
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<OpenWindowStore> withCachingEnabled() {
        throw new UnsupportedOperationException("the open windows are their own cache");
      }

      @Override
      public StoreBuilder<OpenWindowStore> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<OpenWindowStore> withLoggingEnabled(Map<String, String> config) {
        inner.withLoggingEnabled(config);
        return this;
      }

      @Override
      public StoreBuilder<OpenWindowStore> withLoggingDisabled() {
        throw new UnsupportedOperationException("the open windows must be changelogged: they are the exactly-once"
            + " state of the flows read");
      }

      @Override
      public OpenWindowStore build() {
        return new OpenWindowStore(inner.build(), spec, profiles);
      }

      @Override
      public Map<String, String> logConfig() {
        return inner.logConfig();
      }

      @Override
      public boolean loggingEnabled() {
        return inner.loggingEnabled();
      }

      @Override
      public String name() {
        return inner.name();
      }
    };
  }

  /**
   * Rebuilds the accumulators and profiles from the inner store, as restored from the changelog; returns how many
   * windows.
   */
  int rebuild() {
    open.clear();
    victims.clear();
    dirty.clear();
    byte[] base = inner.get(MAX_CAPPED);
    maxCapped = storedMaxCapped = base == null ? PartialBuilder.UNSET : ByteBuffer.wrap(base).getLong();
    try (KeyValueIterator<Bytes, byte[]> it = inner.all()) {
      while (it.hasNext()) {
        KeyValue<Bytes, byte[]> e = it.next();
        if (e.key.equals(MAX_CAPPED)) continue;
        ByteBuffer key = ByteBuffer.wrap(e.key.get());
        long start = key.getLong();
        String scopeKey = new String(e.key.get(), 8, e.key.get().length - 8, StandardCharsets.UTF_8);
        if (scopeKey.equals(VICTIMS)) {
          // The predicate is the owner's, not the data's: a restored profile follows what this store does.
          victims.put(start, following(Partials.deserialize(e.value, 0, e.value.length, VictimProfiles.class)));
        } else {
          open.computeIfAbsent(start, s -> new HashMap<>()).put(scopeKey,
              Partials.deserialize(e.value, 0, e.value.length, WindowAccumulator.class));
        }
      }
    }
    return open.size();
  }

  /**
   * Adds {@code flow} to the accumulator of ({@code start}, {@code scopeKey}) and, when the store keeps them, to the
   * window's victim profiles (under its destination prefix: the accumulator's under {@code global}, the scope key
   * under {@code dst-prefix}, none for the overflow key).
   *
   * @throws IllegalArgumentException if the accumulator refuses the flow; nothing changes then
   */
  void add(long start, String scopeKey, Flow flow) {
    Map<String, WindowAccumulator> keys = open.get(start);
    WindowAccumulator acc = keys == null ? null : keys.get(scopeKey);
    if (acc == null) {
      acc = new WindowAccumulator(spec);
      acc.add(flow); // first, so that a refused flow leaves no empty accumulator or window behind
      open.computeIfAbsent(start, s -> new HashMap<>()).put(scopeKey, acc);
    } else {
      acc.add(flow);
    }
    if (profiles) {
      String prefix = spec.scope() == Scope.GLOBAL ? acc.lastDstPrefix()
          : scopeKey.equals(Featurizer.OVERFLOW_KEY) ? null : scopeKey;
      victims.computeIfAbsent(start, s -> following(new VictimProfiles())).add(flow, prefix);
    }
    dirty.computeIfAbsent(start, s -> new HashSet<>()).add(scopeKey);
  }

  /** Makes the open windows' profiles, and every later window's, follow the prefixes {@code f} accepts. */
  void follow(Predicate<String> f) {
    followed = f;
    victims.values().forEach(this::following);
  }

  /** {@code v}, made to follow what this store follows. */
  private VictimProfiles following(VictimProfiles v) {
    if (followed != null) v.follow(followed);
    return v;
  }

  /** How many scope keys window {@code start} holds, and whether it holds {@code scopeKey}. */
  boolean isFull(long start, String scopeKey, int maxKeys) {
    Map<String, WindowAccumulator> keys = open.get(start);
    return keys != null && keys.size() >= maxKeys && !keys.containsKey(scopeKey);
  }

  /** The earliest open window's start, or {@link PartialBuilder#UNSET} when none is open. */
  long firstStart() {
    return open.isEmpty() ? PartialBuilder.UNSET : open.firstKey();
  }

  /** A window taken out of the store: its accumulators by scope key and its victim profiles. */
  record Window(Map<String, WindowAccumulator> byKey, VictimProfiles victims) {}

  /** Removes the earliest open window and returns it; its entries go at the next commit. */
  Window removeFirst() {
    Map.Entry<Long, Map<String, WindowAccumulator>> w = open.pollFirstEntry();
    long start = w.getKey();
    dirty.remove(start);
    for (String scopeKey : w.getValue().keySet()) inner.delete(key(start, scopeKey));
    if (profiles) inner.delete(key(start, VICTIMS));
    return new Window(w.getValue(), victims.remove(start));
  }

  int openWindows() {
    return open.size();
  }

  /** The largest capped event time of every flow read (the task's watermark before lateness), or UNSET. */
  long maxCapped() {
    return maxCapped;
  }

  void maxCapped(long value) {
    maxCapped = value;
  }

  private static Bytes key(long start, String scopeKey) {
    byte[] k = scopeKey.getBytes(StandardCharsets.UTF_8);
    // Event times before 2000 are refused by the parser, so starts are positive: byte order is start order.
    return Bytes.wrap(ByteBuffer.allocate(8 + k.length).putLong(start).put(k).array());
  }

  /** Writes what changed since the last commit into the changelogged store; Kafka Streams calls it before a commit. */
  @Override
  public void flushCache() {
    dirty.forEach((start, scopeKeys) -> {
      Map<String, WindowAccumulator> keys = open.get(start);
      for (String scopeKey : scopeKeys) inner.put(key(start, scopeKey), Partials.serialize(keys.get(scopeKey)));
      if (profiles) inner.put(key(start, VICTIMS), Partials.serialize(victims.get(start)));
    });
    dirty.clear();
    if (maxCapped != storedMaxCapped) {
      inner.put(MAX_CAPPED, ByteBuffer.allocate(8).putLong(maxCapped).array());
      storedMaxCapped = maxCapped;
    }
  }

  @Override
  public void flush() {
    flushCache(); // a no-op after the commit's own flushCache
    inner.flush();
  }

  /** Called after an unclean close: the task's next start rebuilds everything from the restored store. */
  @Override
  public void clearCache() {
    open.clear();
    victims.clear();
    dirty.clear();
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
    return false; // nothing downstream listens to this store
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    inner.init(context, root);
  }

  @Override
  @Deprecated
  public void init(ProcessorContext context, StateStore root) {
    inner.init(context, root);
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return inner.isOpen();
  }

  @Override
  public Position getPosition() {
    return inner.getPosition();
  }
}
