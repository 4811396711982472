package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage two of the scale-out scorer on Kafka Streams' own test driver: when windows close (every source heard from,
 * the minimum over active sources, the maximum when all are idle), what is late, how global gaps are filled, and that
 * an unreadable record is skipped rather than failing the thread.
 */
class PartialMergerTest {
  static final FeatureSpec SPEC = ScorerFixture.SPEC_60;
  static final long MIN = 60_000_000L;
  /** A window start well after 2000, as the parser's policy guarantees. */
  static final long T0 = ScorerFixture.STREAM_START.getEpochSecond() * 1_000_000;

  @TempDir static Path tmp;
  static ScoringModel model;
  TopologyTestDriver driver;
  TestInputTopic<byte[], byte[]> in;
  TestOutputTopic<byte[], byte[]> out;
  ScorerMetrics metrics;

  @BeforeAll
  static void model() {
    ModelRegistry registry = ScorerFixture.registry(tmp.resolve("models"));
    int version = ScorerFixture.publishChampion(registry, SPEC);
    model = ScoringModel.load(registry.load(ModelRef.version(ScorerFixture.MODEL, version), tmp.resolve("cache")));
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @BeforeEach
  void driver() {
    metrics = new ScorerMetrics();
    StreamsBuilder b = new StreamsBuilder();
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PartialMerger.STORE), Serdes.Bytes(),
        Serdes.ByteArray()));
    // Two sources; a gap fill of 2 windows.
    b.stream("partials", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(() -> new PartialMerger(SPEC, 2, 2 * MIN, () -> model, metrics, new RecentScores(100), null),
            PartialMerger.STORE)
        .to("scores", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "merger-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(b.build(), p);
    in = driver.createInputTopic("partials", new ByteArraySerializer(), new ByteArraySerializer());
    out = driver.createOutputTopic("scores", new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  @Test
  void aWindowClosesOnceEverySourcesWatermarkHasPassedItWithTheFlowsOfAllItsPartials() {
    partial(0, T0, 3);
    partial(1, T0, 4);
    partial(0, T0 + MIN, 5);
    watermark(0, T0 + 5 * MIN, false);
    assertThat(scored()).as("source 1 not heard from yet").isEmpty();
    watermark(1, T0 + MIN, false);
    List<ScoredWindow> first = scored();
    assertThat(first).hasSize(1);
    assertThat(first.get(0).flows()).isEqualTo(7);
    assertThat(first.get(0).windowStart().toEpochMilli() * 1000).isEqualTo(T0);

    // A partial of the closed window is late; one of the open window merges.
    partial(1, T0, 2);
    assertThat(metrics.lateRecords.sum()).isEqualTo(2);
    partial(1, T0 + MIN, 6);
    watermark(1, T0 + 2 * MIN, false);
    List<ScoredWindow> second = scored();
    assertThat(second).hasSize(1);
    assertThat(second.get(0).flows()).isEqualTo(11);
  }

  @Test
  void anIdleSourceStopsHoldingWindowsBackAndAllIdleCloseUpToTheLargestWatermark() {
    partial(0, T0, 3);
    partial(0, T0 + MIN, 3);
    partial(0, T0 + 2 * MIN, 3);
    watermark(0, T0 + 2 * MIN, false);
    watermark(1, Long.MIN_VALUE, true); // never delivered a flow
    assertThat(scored()).hasSize(2);
    watermark(0, T0 + 2 * MIN, true);
    watermark(1, T0 + 3 * MIN, true);
    assertThat(scored()).extracting(ScoredWindow::flows).containsExactly(3L);
  }

  @Test
  void globalGapsAreFilledWithEmptyWindowsUpToTheGapFillAndTheRestIsSkipped() {
    partial(0, T0, 3);
    partial(0, T0 + 6 * MIN, 4);
    watermark(0, T0 + 7 * MIN, false);
    watermark(1, T0 + 7 * MIN, false);
    // 0 (flows), 1 and 2 (empty, within 2 windows of the end of 0), 3..5 skipped, 6 (flows).
    assertThat(scored()).extracting(w -> (w.windowStart().toEpochMilli() * 1000 - T0) / MIN + ":" + w.flows())
        .containsExactly("0:3", "1:0", "2:0", "6:4");
    assertThat(metrics.skippedEmptyWindows.sum()).isEqualTo(3);
  }

  @Test
  void anUnreadableRecordIsSkippedAndCounted() {
    in.pipeInput("global".getBytes(StandardCharsets.UTF_8), "not a partial".getBytes(StandardCharsets.UTF_8));
    in.pipeInput("global".getBytes(StandardCharsets.UTF_8), new byte[] {Partials.FORMAT, Partials.PARTIAL, 1});
    assertThat(metrics.recordFailures.sum()).isEqualTo(2);
    // and it goes on
    partial(0, T0, 1);
    watermark(0, T0 + MIN, false);
    watermark(1, T0 + MIN, false);
    assertThat(scored()).hasSize(1);
  }

  private void partial(int source, long start, int flows) {
    WindowAccumulator acc = new WindowAccumulator(SPEC);
    for (int i = 0; i < flows; i++) acc.add(40000 + i, 443, 6, 2, 120, 0, "198.51.100." + i, "203.0.113.10");
    in.pipeInput("global".getBytes(StandardCharsets.UTF_8),
        Partials.partial(new Partials.Partial(source, start, "global", acc, null)));
  }

  private void watermark(int source, long wm, boolean idle) {
    in.pipeInput("~watermark".getBytes(StandardCharsets.UTF_8),
        Partials.watermark(new Partials.Watermark(source, wm, idle)));
  }

  private List<ScoredWindow> scored() {
    return out.readValuesToList().stream().map(ScoredWindow::fromJson).toList();
  }
}
