package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.incidents.IncidentFeed;
import io.kaminari.incidents.IncidentTracker;
import io.kaminari.model.ScoringModel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scaled-out streaming scorer ({@code scorer.mode=scale-out}; docs/scorer.md, "Scaling out"): a Kafka Streams
 * application with exactly-once v2 whose instances, one consumer group, share the input partitions. Stage one
 * ({@link PartialBuilder}, a task per input partition) featurises flows into per-window partial accumulators; a
 * repartition topic keyed by scope key brings each key's partials to one stage-two task ({@link PartialMerger}),
 * which merges and scores them when every source's watermark has passed the window. Rebalancing, state restoration
 * and fencing are Kafka Streams'.
 *
 * <p>It starts on a thread of its own once the first model is loaded: the model's feature spec is the application's
 * for as long as it runs. A new version with the same spec scores from the next window to close; one with another
 * spec is refused (logged, {@code reload_failures_total}): change spec by deploying under a new
 * {@code scorer.group-id}.
 *
 * <p>With incident tracking, each instance also follows the incidents topic ({@link OpenVictims}) so that its source
 * tasks profile the open incidents' victims besides each window's heaviest prefixes, as the single scorer does.
 */
final class ScaleOutScorer implements ScoringLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ScaleOutScorer.class);
  private static final Serde<byte[]> BYTES = Serdes.ByteArray();

  private final ScorerOptions options;
  private final int streamThreads;
  private final Duration flushInterval;
  private final Path stateDir;
  private final ModelProvider provider;
  private final ScorerMetrics metrics;
  private final RecentScores recent;
  private final Thread starter;
  /** With incident tracking, the feed of the open incidents' victims; null otherwise. */
  private final IncidentFeed victimFeed;
  private final OpenVictims openVictims;
  private volatile KafkaStreams streams;
  private volatile String problem;
  private volatile boolean closed;

  /**
   * @param model the followed model's name, whose incidents' victims the source tasks profile
   * @param incidentMaxAge how far back the incidents topic is read for open incidents ({@code incidents.max-age})
   */
  ScaleOutScorer(ScorerOptions options, int streamThreads, Duration flushInterval, Path stateDir,
      ModelProvider provider, ScorerMetrics metrics, RecentScores recent, String model, Duration incidentMaxAge) {
    this.options = options;
    this.streamThreads = streamThreads;
    this.flushInterval = flushInterval;
    this.stateDir = stateDir;
    this.provider = provider;
    this.metrics = metrics;
    this.recent = recent;
    this.starter = new Thread(this::startStreams, "kaminari-scale-out-starter");
    starter.setDaemon(true);
    this.openVictims = options.tracksIncidents() ? new OpenVictims() : null;
    this.victimFeed = openVictims == null ? null : new IncidentFeed(options.clientSettings(), null,
        options.incidentsTopic(), model, "kaminari-open-victims", openVictims, "the scale-out scorer no longer"
            + " learns its open incidents' victims; incidents on prefixes outside each window's heaviest get no"
            + " traffic profile", incidentMaxAge, Clock.systemUTC());
  }

  /** The Kafka Streams application id: the group id, suffixed so that the single scorer's offsets are never shared. */
  static String applicationId(ScorerOptions options) {
    return options.groupId() + "-scale-out";
  }

  @Override
  public void start() {
    if (victimFeed != null) victimFeed.start();
    starter.start();
  }

  private void startStreams() {
    try {
      ScoringModel first;
      while ((first = provider.take()) == null) {
        if (closed) return;
        Thread.sleep(200);
      }
      int sources = sourceCount();
      Topology topology = topology(first.spec(), sources, new Models(first));
      LOG.info("scale-out scorer {}: {} source partitions, spec {}\n{}", applicationId(options), sources,
          first.spec().id(), topology.describe());
      KafkaStreams s = new KafkaStreams(topology, properties());
      // A stream thread that dies (a bug, a broker failure it could not ride out) is replaced; its tasks restart
      // from their committed state, so nothing is lost or doubled.
      s.setUncaughtExceptionHandler(e -> {
        LOG.error("stream thread failed; replacing it", e);
        metrics.loopFailures.increment();
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      });
      synchronized (this) {
        if (closed) return;
        streams = s;
        s.start();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("cannot start the scale-out scorer", e);
      problem = "cannot start the scale-out scorer: " + e;
    }
  }

  /** The number of stage-one tasks: Kafka Streams makes one per partition number of the input topics. */
  private int sourceCount() {
    try (Admin admin = Admin.create(options.clientSettings())) {
      Map<String, TopicDescription> topics = admin.describeTopics(options.topics()).allTopicNames().get();
      return topics.values().stream().mapToInt(t -> t.partitions().size()).max().orElseThrow();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("cannot describe the input topics " + options.topics() + ": " + e.getCause(),
          e.getCause());
    }
  }

  Topology topology(FeatureSpec spec, int sources, Supplier<ScoringModel> models) {
    StreamsBuilder b = new StreamsBuilder();
    boolean incidents = options.tracksIncidents();
    // Victim profiles only describe incidents, and checkpointing them costs a fifth of a source task's throughput.
    b.addStateStore(OpenWindowStore.builder(PartialBuilder.STORE, spec, incidents));
    // In memory and changelogged (the default), uncached: every put is part of the task's next transaction.
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PartialMerger.STORE), Serdes.Bytes(),
        BYTES).withCachingDisabled());
    if (incidents) {
      b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PartialMerger.INCIDENTS),
          Serdes.Bytes(), BYTES).withCachingDisabled());
    }
    KStream<byte[], byte[]> built = b.stream(options.topics(), Consumed.with(BYTES, BYTES)
            .withTimestampExtractor(new RecordTimeOrClock()).withName("flows"))
        .process(() -> new PartialBuilder(spec, options, flushInterval, metrics, openVictims),
            Named.as("partial-builder"), PartialBuilder.STORE);
    Map<String, KStream<byte[], byte[]>> kinds = built.split(Named.as("kind-"))
        .branch((k, v) -> Partials.kind(v) == Partials.DEAD_LETTER, Branched.as("dead-letter"))
        .defaultBranch(Branched.as("partial"));
    kinds.get("kind-dead-letter").mapValues(Partials::deadLetterJson, Named.as("dead-letter-json"))
        .to(options.deadLetterTopic(), Produced.with(BYTES, BYTES).withName("dead-letters"));
    long maxGapFill = options.maxGapFill().toNanos() / 1000;
    kinds.get("kind-partial")
        .repartition(Repartitioned.<byte[], byte[]>as("partials").withKeySerde(BYTES).withValueSerde(BYTES)
            .withStreamPartitioner(new Partials.Router()))
        .process(() -> new PartialMerger(spec, sources, maxGapFill, models, metrics, recent, !incidents ? null
                : () -> new IncidentTracker(options.incidentQuietWindows(), options.incidentUpdateInterval())),
            Named.as("partial-merger"), incidents ? new String[] {PartialMerger.STORE, PartialMerger.INCIDENTS}
                : new String[] {PartialMerger.STORE})
        // Scores to the output topic, incident states (marked by their header) to the incidents topic.
        .to((key, value, context) -> context.headers().lastHeader(PartialMerger.INCIDENT_HEADER) != null
            ? options.incidentsTopic() : options.outputTopic(), Produced.with(BYTES, BYTES).withName("scores"));
    return b.build();
  }

  private Properties properties() {
    Properties p = new Properties();
    options.kafkaSettings().forEach(p::put);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(options));
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    // A new application reads the input from its beginning, as the single scorer does with a new partition.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // One transaction a second instead of Kafka Streams' ten under exactly-once: each costs the broker a marker per
    // partition written, and a window's result waits for the watermark anyway (seconds to minutes).
    p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    // Throughput: the single scorer's fetch sizes and compression, and larger batches for the changelog. With one
    // partition per instance, Kafka's 1 MB per-partition fetch left the stream threads waiting on the broker.
    clientDefault(p, StreamsConfig.consumerPrefix(""), ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    clientDefault(p, StreamsConfig.consumerPrefix(""), ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
    clientDefault(p, StreamsConfig.consumerPrefix(""), ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
        16 * 1024 * 1024);
    clientDefault(p, StreamsConfig.producerPrefix(""), ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    clientDefault(p, StreamsConfig.producerPrefix(""), ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    return p;
  }

  /**
   * Sets a client's {@code prefix + key} unless a {@code kafka.*} setting gave the key, prefixed or not: Kafka Streams
   * lets a prefixed key win over a plain one, so a prefixed default would silently override the operator's setting.
   */
  private static void clientDefault(Properties p, String prefix, String key, Object value) {
    if (!p.containsKey(key)) p.putIfAbsent(prefix + key, value);
  }

  @Override
  public boolean ready() {
    KafkaStreams s = streams;
    return s != null && s.state() == KafkaStreams.State.RUNNING;
  }

  @Override
  public String liveness() {
    if (problem != null) return problem;
    KafkaStreams s = streams;
    if (s == null) return null;
    KafkaStreams.State state = s.state();
    return state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR
        ? "the Kafka Streams application is in state " + state : null;
  }

  @Override
  public void close() {
    KafkaStreams s;
    synchronized (this) {
      closed = true;
      s = streams;
    }
    if (s != null) s.close(Duration.ofSeconds(30));
    if (victimFeed != null) {
      try {
        victimFeed.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The record's timestamp; the clock for a record without one (Kafka Streams drops negative timestamps). */
  static final class RecordTimeOrClock implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      return record.timestamp() >= 0 ? record.timestamp() : System.currentTimeMillis();
    }
  }

  /**
   * The model every aggregator scores with: the first one, then each new version of the same spec the provider
   * offers (another spec is refused, class doc). The aggregators hold its lock while they score, so a replaced
   * model is closed at once.
   */
  final class Models implements Supplier<ScoringModel> {
    private ScoringModel current;

    Models(ScoringModel first) {
      this.current = first;
      metrics.modelVersion = first.version();
    }

    @Override
    public synchronized ScoringModel get() {
      ScoringModel offered = provider.take();
      if (offered == null) return current;
      if (!offered.spec().id().equals(current.spec().id())) {
        LOG.error("{} version {} has another feature spec ({}, not {}); the scale-out scorer keeps version {}: deploy"
            + " it under a new scorer.group-id", offered.name(), offered.version(), offered.spec().id(),
            current.spec().id(), current.version());
        metrics.reloadFailures.increment();
        offered.close();
        return current;
      }
      ScoringModel old = current;
      current = offered;
      metrics.modelVersion = offered.version();
      metrics.lastSwapSeconds = provider.lastLoadMillis() / 1e3;
      LOG.info("scoring with {} version {} from the next window to close", offered.name(), offered.version());
      old.close();
      return current;
    }
  }
}
