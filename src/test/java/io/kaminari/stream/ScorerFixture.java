package io.kaminari.stream;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureVector;
import io.kaminari.features.Featurizer;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.KafkaFlowSink;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.model.AnomalyModel;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.InMemoryVectorSource;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.Score;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.Trainer;
import io.kaminari.model.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Shared pieces of the scorer tests: small feature specs, tiny autoencoders trained once per JVM on generated benign
 * traffic, publishing them to a real registry, generator traffic into a real broker, and reading committed outputs.
 */
final class ScorerFixture {
  static final String MODEL = "flow-ae";
  /** Day 1 of generated time trains the models; streams run on day 2, same hours. */
  static final Instant TRAIN_START = Instant.parse("2024-05-01T00:00:00Z");
  static final Instant STREAM_START = Instant.parse("2024-05-02T00:00:00Z");
  /** Benign flows per minute of generated time: small enough for fast tests, large enough for stable windows. */
  static final long FLOWS_PER_MINUTE = 300;

  static final FeatureSpec SPEC_60 = spec("scorer-test-60", 60);
  static final FeatureSpec SPEC_120 = spec("scorer-test-120", 120);

  private static final Map<String, Path> TRAINED = new HashMap<>();

  private ScorerFixture() {}

  static FeatureSpec spec(String name, int windowSeconds) {
    return new FeatureSpec(name, "", windowSeconds, Scope.GLOBAL, 24, 64, List.of(80, 443, 53), List.of(80, 443, 53),
        List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS), true);
  }

  static GeneratorConfig benign(long seed, Instant start, Duration duration) {
    return GeneratorConfig.of(seed, start, duration, FLOWS_PER_MINUTE * duration.toMinutes()).withBenignHosts(2000);
  }

  /**
   * A model directory trained once per JVM for {@code spec} (8 h of benign traffic) with model.json's threshold
   * replaced in the manifest by twice the largest training score, so that quiet windows stay well below it.
   */
  static synchronized Path trained(FeatureSpec spec) {
    return TRAINED.computeIfAbsent(spec.id(), id -> {
      try {
        Path dir = Files.createTempDirectory("scorer-model-");
        Duration period = Duration.ofHours(8);
        List<FeatureVector> vectors = Featurizer.vectors(TrafficGenerator.parsedFlows(benign(11, TRAIN_START, period)).stream(), spec,
            TRAIN_START.getEpochSecond() * 1_000_000, TRAIN_START.plus(period).getEpochSecond() * 1_000_000);
        float[][] v = vectors.stream().map(FeatureVector::values).toArray(float[][]::new);
        Hyperparameters hp = new Hyperparameters(List.of(8, 4), 30, 32, 1e-2, "adam", 42L, 5, 0.1,
            ThresholdMethod.parse("quantile:0.999"));
        TrainingResult r = Trainer.train(InMemoryVectorSource.evenlySpaced(v, spec.windowMicros()), spec.dimension(),
            hp, dir, p -> { });
        try (AnomalyModel m = AnomalyModel.load(dir, spec)) {
          double max = 0;
          for (Score s : m.score(v)) max = Math.max(max, s.score());
          Files.writeString(dir.resolve("threshold.txt"), Double.toString(2 * max));
        }
        Files.writeString(dir.resolve("val_loss.txt"), Double.toString(r.validationMetrics().get("val_loss")));
        return dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Publishes the model trained for {@code spec} as the next version and points {@code champion} at it. */
  static int publishChampion(ModelRegistry registry, FeatureSpec spec) {
    Path dir = trained(spec);
    try {
      double threshold = Double.parseDouble(Files.readString(dir.resolve("threshold.txt")));
      double valLoss = Double.parseDouble(Files.readString(dir.resolve("val_loss.txt")));
      var meta = io.kaminari.model.ModelMetadata.read(dir);
      ModelManifest draft = ModelManifest.draft(MODEL, spec, meta.withThreshold(threshold), "2 x max training score",
          Map.of(ModelManifest.VAL_LOSS, valLoss), TRAIN_START, TRAIN_START.plus(Duration.ofHours(8)), "test");
      int version = registry.publish(MODEL, dir, draft).version();
      registry.promote(MODEL, version, "champion", true, 0.05);
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ModelRegistry registry(Path root) {
    return new ModelRegistry(root.toUri(), new Configuration());
  }

  /**
   * The idle timeout of a scorer whose test waits for the window that a flush flow closes at the end of a finite
   * input. While a partition is still active the watermark also waits for the generator's exporters that trail the
   * others by a second or more (docs/scorer.md, "Exporter clocks"); whether one does at the end depends on how the
   * partitions' records interleave, and the last window then closes only once the input is idle. With the default
   * (5m) that is after the test's wait (a {@code BatchParityIT} run failed so, one window short).
   */
  static final String END_OF_INPUT_IDLE = "5s";

  /** Scorer settings for a test: real broker, registry under {@code home}, any free HTTP port, 1 s model polls. */
  static KaminariConfig config(Path home, String bootstrap, String input, String output, String deadLetters) {
    return KaminariConfig.defaults()
        .with(Settings.HOME, home.toString())
        .with(Settings.BOOTSTRAP_SERVERS, bootstrap)
        .with(Settings.TOPICS, input)
        .with(Settings.SCORER_OUTPUT_TOPIC, output)
        .with(Settings.SCORER_DEAD_LETTER_TOPIC, deadLetters)
        .with(Settings.MODEL_STORE, home.resolve("models").toUri().toString())
        .with(Settings.SCORER_MODEL_POLL, "1s")
        .with(Settings.SCORER_HTTP_PORT, "0")
        .with(Settings.SCORER_GROUP, "scorer-" + UUID.randomUUID());
  }

  /**
   * Sends generated traffic to {@code topic}, in small batches: the sticky partitioner moves on to another partition
   * after a batch's worth of bytes, and with the sink's 256 KiB batches one partition could trail the other by minutes
   * of event time at the end of a part, holding back the watermark and the windows a test waits for.
   */
  static void produce(String bootstrap, String topic, GeneratorConfig config) {
    Map<String, Object> settings = new HashMap<>(KafkaFlowSink.producerConfig(bootstrap));
    settings.put(ProducerConfig.BATCH_SIZE_CONFIG, 4096);
    try (KafkaFlowSink sink = new KafkaFlowSink(
        new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer()), topic)) {
      new TrafficGenerator(config).run(sink);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every committed record of {@code topic}, waiting until {@code done} holds or the timeout passes. */
  static List<ConsumerRecord<byte[], byte[]>> readCommitted(String bootstrap, String topic, Duration timeout,
      java.util.function.Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        if (done.test(out)) break;
      }
    }
    return out;
  }

  static List<ScoredWindow> scored(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> ScoredWindow.fromJson(r.value())).toList();
  }
  /** Sends each of {@code values} as one record to {@code topic}. */
  static void sendRaw(String bootstrap, String topic, String... values) {
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(bootstrap));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (String v : values) producer.send(new ProducerRecord<>(topic, v.getBytes(StandardCharsets.UTF_8)));
    }
  }

  /** One valid flow at {@code at} on each partition, so that every partition's watermark passes it. */
  static void flush(String bootstrap, String topic, int partitions, Instant at) {
    for (int i = 0; i < partitions; i++) flowAt(bootstrap, topic, i, at);
  }

  /** One valid flow at {@code at} on {@code partition} of {@code topic}. */
  static void flowAt(String bootstrap, String topic, int partition, Instant at) {
    String flow = "{\"ip_src\":\"198.51.100.1\",\"ip_dst\":\"203.0.113.99\",\"port_src\":40000,\"port_dst\":443,"
        + "\"ip_proto\":\"tcp\",\"packets\":1,\"bytes\":60,\"timestamp_start\":" + at.getEpochSecond() + "}";
    Map<String, Object> p = new HashMap<>(KafkaFlowSink.producerConfig(bootstrap));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, partition, null, flow.getBytes(StandardCharsets.UTF_8)));
    }
  }
}
