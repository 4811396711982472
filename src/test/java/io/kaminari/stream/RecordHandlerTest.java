package io.kaminari.stream;

import static io.kaminari.stream.WindowManagerTest.LATENESS;
import static io.kaminari.stream.WindowManagerTest.MIN;
import static io.kaminari.stream.WindowManagerTest.S;
import static io.kaminari.stream.WindowManagerTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What happens to each input record: flows, dead letters, the arrival cap, and records whose handling throws. */
class RecordHandlerTest {
  /** Global scope with distinct source IPs: its accumulator needs every flow's source address. */
  static final FeatureSpec DISTINCT = new FeatureSpec("scorer-test-distinct", "", 60, Scope.GLOBAL, 24, 64,
      List.of(80, 443, 53), List.of(80, 443, 53), List.of(PortFeature.PPS, PortFeature.DISTINCT_SRC_IPS), true);
  static final long TOLERANCE = 30 * S;

  @TempDir static Path tmp;
  static ScoringModel model;

  private final ScorerMetrics metrics = new ScorerMetrics();
  private final List<DeadLetter> dead = new ArrayList<>();
  private final RecordHandler handler = new RecordHandler(new PmacctParser(ZoneOffset.UTC), metrics, 3600 * S,
      TOLERANCE, dead::add);
  private WindowManager state;

  @BeforeAll
  static void trainModel() {
    model = WindowManagerTest.tiny(new ModelRegistry(tmp.resolve("models").toUri(), new Configuration()), DISTINCT,
        tmp);
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  private void fresh() {
    state = new WindowManager(model, new WindowManager.Limits(LATENESS, Long.MAX_VALUE, 100));
    state.partitions(1);
    handler.restored(state, Checkpoint.fresh(List.of(new TopicPartition("flows", 0))));
  }

  static ConsumerRecord<byte[], byte[]> record(long offset, long timestampMillis, String value) {
    byte[] v = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    return new ConsumerRecord<>("flows", 0, offset, timestampMillis, TimestampType.CREATE_TIME, -1,
        v == null ? -1 : v.length, null, v, new RecordHeaders(), Optional.empty());
  }

  static String json(String exporter, long eventMicros) {
    return "{\"peer_ip_src\":\"" + exporter + "\",\"ip_src\":\"198.51.100.7\",\"ip_dst\":\"203.0.113.9\","
        + "\"port_src\":40000,\"port_dst\":443,\"ip_proto\":\"tcp\",\"packets\":1,\"bytes\":60,"
        + "\"timestamp_start\":" + eventMicros / S + "}";
  }

  /** Finding (issue 16): an unexpected exception or Error ended the scoring thread. */
  @Test
  void anObjectWhoseHandlingThrowsIsDeadLetteredAndTheNextOnesAreHandled() {
    fresh();
    long now = T0 / 1000 + 5 * 60_000;
    handler.handle(0, record(0, now, json("192.0.2.1", T0)), now);
    // No parser builds a flow without a source address; the accumulator of distinct sources cannot take one.
    Flow broken = new Flow("purge", "192.0.2.1", null, "203.0.113.9", 40000, 443, 6, null, null, 1, 60, null, T0,
        null, null, null, null, null, null, null, null, null, null, null, null, T0, null);
    handler.accept(1, broken);
    handler.handle(0, record(2, now, json("192.0.2.1", T0 + 10 * S) + "\n" + json("192.0.2.1", T0 + 2 * MIN)), now);
    handler.flushCounts(now);
    assertThat(metrics.recordFailures.sum()).isEqualTo(1);
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).reason()).startsWith("scorer error: java.lang.NullPointerException");
    assertThat(dead.get(0).raw()).contains("ipSrc=null");
    assertThat(metrics.flowsIn.sum()).isEqualTo(3 + 1);
    List<WindowManager.ClosedWindow> closed = state.closeReady();
    assertThat(closed).hasSize(1);
    // Both good flows of window 0; the broken one may have been counted before the accumulator threw half-way.
    assertThat(closed.get(0).byKey().get("global").flowCount()).isBetween(2L, 3L);
  }

  @Test
  void aFlowStampedAheadOfItsArrivalIsCountedAndDoesNotMoveTheWatermarkPastTheArrival() {
    fresh();
    long arrival = T0 / 1000;
    long now = arrival + 60_000;
    handler.handle(0, record(0, arrival, json("192.0.2.250", T0 + 50 * MIN)), now);
    assertThat(state.watermark()).isEqualTo(T0 + TOLERANCE - LATENESS);
    // A record timestamp ahead of the scorer's clock does not raise the cap either.
    handler.handle(0, record(1, now + 3_600_000, json("192.0.2.251", T0 + 40 * MIN)), now);
    assertThat(state.watermark()).isEqualTo(now * 1000 + TOLERANCE - LATENESS);
    handler.handle(0, record(2, arrival, json("192.0.2.1", T0 + 10 * S)), now);
    handler.handle(0, record(3, arrival, json("192.0.2.250", T0 + 51 * MIN)), now);
    handler.flushCounts(now);
    assertThat(metrics.flowsAheadOfArrival.sum()).isEqualTo(3);
    assertThat(metrics.exportersAhead).isEqualTo(2);
    assertThat(metrics.lateRecords.sum()).isZero();
    assertThat(dead).isEmpty();
    handler.flushCounts(now + RecordHandler.EXPORTER_MEMORY_MS + 1);
    assertThat(metrics.exportersAhead).as("forgotten after ten quiet minutes").isZero();
  }

  @Test
  void lateFlowsAreCountedWithTheirExporterAndFarFutureOnesDeadLettered() {
    fresh();
    long now = T0 / 1000 + 10 * 60_000;
    handler.handle(0, record(0, now, json("192.0.2.1", T0 + 5 * MIN)), now);
    handler.handle(0, record(1, now, json("192.0.2.1", T0 + 7 * MIN)), now);
    assertThat(state.closeReady()).extracting(WindowManager.ClosedWindow::startMicros).containsExactly(T0 + 5 * MIN);
    handler.handle(0, record(2, now, json("192.0.2.9", T0 + 5 * MIN)), now);
    handler.handle(0, record(3, now, json("192.0.2.1", now * 1000 + 2 * 3600 * S)), now);
    handler.handle(0, record(4, now, null), now);
    handler.flushCounts(now);
    assertThat(metrics.lateRecords.sum()).isEqualTo(1);
    assertThat(metrics.exportersLate).isEqualTo(1);
    assertThat(dead).extracting(DeadLetter::offset).containsExactly(3L, 4L);
    assertThat(dead.get(0).reason()).contains("flow.max-future-skew");
    assertThat(dead.get(1).reason()).contains("tombstone");
  }
}
