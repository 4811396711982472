package io.kaminari.features.spark;

import static io.kaminari.features.Flows.ICMP;
import static io.kaminari.features.Flows.TCP;
import static io.kaminari.features.Flows.UDP;
import static io.kaminari.features.Flows.flow;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Columns;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureVector;
import io.kaminari.features.Featurizer;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import io.kaminari.ingest.SparkFlowSchema;
import io.kaminari.testing.TestSpark;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity: the Spark job's transformation ({@link FeaturesJob#vectors}) and the plain-Java {@link Featurizer#vectors}
 * give the same rows on the same flows, tricky ones included (hour boundaries, window edges, ports 0 and 65535, IPv6,
 * empty windows, unselected ports, non-port protocols, sampling, flows outside the range), for both scopes and a spec
 * with every feature and no "other" buckets. Counts must be equal; rates equal within 1e-6 relative.
 */
class FeaturesParityTest {
  private static final Instant FROM = Instant.parse("2024-05-01T09:00:00Z");
  private static final Instant TO = Instant.parse("2024-05-01T12:00:00Z");
  private static final FeatureSpec ALL_FEATURES_NO_BUCKETS = new FeatureSpec("all", null, 60, Scope.DST_PREFIX, 16, 48,
      List.of(0, 53, 80, 443, 65535), List.of(0, 22, 443, 65535), List.of(PortFeature.values()), false);
  private static final FeatureSpec GLOBAL_HOURLY = new FeatureSpec("hourly", null, 3600, Scope.GLOBAL, 24, 64,
      List.of(65535, 0), List.of(), List.of(PortFeature.PPS, PortFeature.FLOWS_PER_S, PortFeature.DISTINCT_DST_IPS), true);

  private static SparkSession spark;
  private static List<Flow> flows;
  private static Dataset<Row> frame;

  static List<FeatureSpec> specs() {
    return List.of(FeatureSpec.seed(Scope.GLOBAL), FeatureSpec.seed(Scope.DST_PREFIX), ALL_FEATURES_NO_BUCKETS,
        GLOBAL_HOURLY);
  }

  private static long micros(String t) {
    Instant i = Instant.parse(t);
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }

  @BeforeAll
  static void flows() {
    spark = TestSpark.spark();
    flows = new ArrayList<>();
    // Hour boundaries and window edges.
    flows.add(flow(micros("2024-05-01T09:59:59.999999Z"), "10.0.0.1", "192.0.2.10", 80, 443, TCP, 10, 1000, null));
    flows.add(flow(micros("2024-05-01T10:00:00Z"), "10.0.0.1", "192.0.2.10", 80, 443, TCP, 20, 2000, null));
    flows.add(flow(micros("2024-05-01T10:04:59.999999Z"), "10.0.0.2", "192.0.2.11", 443, 50000, TCP, 3, 300, 0L));
    flows.add(flow(micros("2024-05-01T10:05:00Z"), "10.0.0.2", "192.0.2.11", 443, 50001, TCP, 4, 400, 1L));
    flows.add(flow(micros("2024-05-01T10:59:59.999999Z"), "10.0.0.3", "192.0.2.12", 53, 53, UDP, 1, 80, null));
    flows.add(flow(micros("2024-05-01T11:00:00Z"), "10.0.0.3", "192.0.2.12", 53, 53, UDP, 1, 80, null));
    // Ports 0 and 65535 on both sides, listed and unlisted; non-port protocols with ICMP type/code in the port.
    flows.add(flow(micros("2024-05-01T10:10:00Z"), "10.0.0.4", "198.51.100.7", 0, 65535, UDP, 5, 500, null));
    flows.add(flow(micros("2024-05-01T10:10:01Z"), "10.0.0.4", "198.51.100.7", 65535, 0, UDP, 6, 600, null));
    flows.add(flow(micros("2024-05-01T10:10:02Z"), "10.0.0.5", "198.51.100.8", 0, 771, ICMP, 7, 700, null));
    flows.add(flow(micros("2024-05-01T10:10:03Z"), "10.0.0.5", "198.51.100.8", 12345, 8081, TCP, 8, 800, 1000L));
    // IPv6, IPv4-mapped IPv6 (keyed as IPv4) and link-local (zone ids are rejected by the parser, see IpLiterals).
    flows.add(flow(micros("2024-05-01T10:20:00Z"), "2001:db8::1", "2001:db8:1:2::99", 443, 60000, TCP, 9, 900, null));
    flows.add(flow(micros("2024-05-01T10:20:30Z"), "2001:db8::1", "2001:db8:1:3::1", 22, 22, TCP, 2, 200, null));
    flows.add(flow(micros("2024-05-01T10:21:00Z"), "2001:db8::2", "::ffff:198.51.100.7", 80, 80, TCP, 3, 300, null));
    flows.add(flow(micros("2024-05-01T10:22:00Z"), "fe80::2", "fe80::1", 53, 5353, UDP, 4, 400, 2L));
    // Outside the range: before `from` and exactly at `to`.
    flows.add(flow(micros("2024-05-01T08:59:59.999999Z"), "10.0.0.9", "192.0.2.99", 80, 80, TCP, 99, 9900, null));
    flows.add(flow(micros("2024-05-01T12:00:00Z"), "10.0.0.9", "192.0.2.99", 80, 80, TCP, 99, 9900, null));
    // A random bulk in hour 9 and the first minutes of hour 11 (the rest of hour 11 stays empty), so windows span
    // tasks' inputs and distinct sets merge.
    Random random = new Random(42);
    int[] hot = {0, 22, 53, 80, 443, 4010, 8080, 65535};
    for (int i = 0; i < 3000; i++) {
      long t = random.nextBoolean()
          ? micros("2024-05-01T09:00:00Z") + (long) (random.nextDouble() * 3_600_000_000L)
          : micros("2024-05-01T11:00:00Z") + (long) (random.nextDouble() * 600_000_000L);
      int sport = random.nextInt(3) == 0 ? hot[random.nextInt(hot.length)] : random.nextInt(65536);
      int dport = random.nextInt(2) == 0 ? hot[random.nextInt(hot.length)] : random.nextInt(65536);
      int proto = random.nextInt(10) == 0 ? ICMP : random.nextBoolean() ? TCP : UDP;
      String dst = random.nextInt(5) == 0
          ? "2001:db8:" + Integer.toHexString(random.nextInt(8)) + "::" + Integer.toHexString(random.nextInt(65536))
          : "203.0." + random.nextInt(8) + "." + random.nextInt(256);
      Long sampling = random.nextInt(4) == 0 ? Long.valueOf(random.nextInt(3) * 100) : null;
      flows.add(flow(t, "10.1." + random.nextInt(4) + "." + random.nextInt(256), dst, sport, dport, proto,
          1 + random.nextInt(1000), 40 + random.nextInt(100_000), sampling));
    }
    List<Row> rows = new ArrayList<>();
    for (Flow f : flows) {
      Object[] v = new Object[SparkFlowSchema.FLOW.size()];
      SparkFlowSchema.toValues(f, v, 0);
      rows.add(RowFactory.create(v));
    }
    frame = spark.createDataFrame(rows, SparkFlowSchema.FLOW);
  }

  @ParameterizedTest
  @MethodSource("specs")
  void sparkJobAndPlainJavaGiveTheSameVectors(FeatureSpec spec) {
    long w = spec.windowMicros();
    int[] exactSummaries = {0};
    List<FeatureVector> expected = Featurizer.vectors(flows.stream(), spec, micros(FROM.toString()), micros(TO.toString()));
    List<Dataset<Row>> sparkPaths = List.of(
        FeaturesJob.vectors(frame, spec, FROM, TO, 1),
        FeaturesJob.vectors(frame, spec, FROM, TO, 3),
        // The job's own path: one task per hour, as it reads the hour partitions of kaminari.flows.
        FeaturesJob.vectorsByHour(spark, h -> flowsOfHour(h.start()), spec, EventHours.covering(FROM, TO)));
    for (Dataset<Row> path : sparkPaths) {
      List<Row> actual = new ArrayList<>(path.collectAsList());
      actual.sort(Comparator.<Row>comparingLong(r -> micros(r.<Instant>getAs(Columns.WINDOW_START).toString()))
          .thenComparing(r -> r.<String>getAs(Columns.SCOPE_KEY)));
      assertThat(actual).hasSize(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        FeatureVector e = expected.get(i);
        Row a = actual.get(i);
        Instant start = a.getAs(Columns.WINDOW_START);
        String where = spec.name() + " window " + start + " key " + e.scopeKey();
        assertThat(micros(start.toString())).as(where).isEqualTo(e.windowStartMicros());
        assertThat(micros(a.<Instant>getAs(Columns.WINDOW_END).toString())).as(where).isEqualTo(e.windowStartMicros() + w);
        assertThat(a.<String>getAs(Columns.SCOPE_KEY)).as(where).isEqualTo(e.scopeKey());
        assertThat(a.<String>getAs(Columns.SCOPE)).as(where).isEqualTo(spec.scope().jsonName());
        assertThat(a.<String>getAs(Columns.SPEC_ID)).as(where).isEqualTo(e.specId());
        assertThat(a.<Long>getAs(Columns.VECTOR_FLOWS)).as(where).isEqualTo(e.flowCount());
        assertThat(a.<Long>getAs(Columns.VECTOR_PACKETS)).as(where).isEqualTo(e.packetCount());
        assertThat(a.<Long>getAs(Columns.SOURCES)).as(where).isEqualTo(e.sources());
        assertThat(a.<Integer>getAs(Columns.ESTIMATED_COUNTS)).as(where).isEqualTo(e.estimatedCounts());
        assertThat(a.<Long>getAs(Columns.BUSIEST_DST_FLOWS)).as(where).isEqualTo(e.busiestDstFlows());
        assertThat(a.<Long>getAs(Columns.BUSIEST_PAIR_FLOWS)).as(where).isEqualTo(e.busiestPairFlows());
        int[] ports = e.servicePorts();
        if (ports == null) {
          assertThat(a.isNullAt(a.fieldIndex(Columns.SERVICE_PORTS))).as(where).isTrue();
        } else {
          assertThat(a.<Integer>getList(a.fieldIndex(Columns.SERVICE_PORTS))).as(where)
              .containsExactly(java.util.Arrays.stream(ports).boxed().toArray(Integer[]::new));
        }
        talkers(a, Columns.TOP_DST_PREFIXES, e.topDstPrefixes(), where);
        talkers(a, Columns.TOP_SOURCES, e.topSources(), where);
        talkers(a, Columns.TOP_DST_PORTS, e.topDstPorts(), where);
        if (e.estimatedCounts() == 0) exactSummaries[0]++;
        assertThat(a.<String>getAs(Columns.DT)).as(where).isEqualTo(start.atZone(ZoneOffset.UTC).toLocalDate().toString());
        assertThat(a.<Integer>getAs(Columns.HOUR)).as(where).isEqualTo(start.atZone(ZoneOffset.UTC).getHour());
        List<Float> values = a.getList(a.fieldIndex(Columns.VECTOR));
        assertThat(values).as(where).hasSize(spec.dimension());
        for (int j = 0; j < spec.dimension(); j++) {
          PortFeature feature = spec.features().get(j % spec.features().size());
          float want = e.values()[j];
          float got = values.get(j);
          String what = where + " " + spec.featureNames().get(j);
          if (isRate(feature)) {
            assertThat((double) got).as(what).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-6 * Math.abs(want)));
          } else {
            assertThat(got).as(what).isEqualTo(want);
          }
        }
      }
    }
    assertThat(exactSummaries[0]).as("rows whose summaries are all exact, so compared in full").isPositive();
    if (spec.scope() == Scope.GLOBAL) {
      assertThat(expected).as("the busy hour's windows rank top destination prefixes")
          .anySatisfy(v -> assertThat(v.topDstPrefixes()).hasSize(3));
      // Every window of the range is there, the empty ones as zeros (hour 11 is mostly empty).
      assertThat(expected).hasSize((int) ((micros(TO.toString()) - micros(FROM.toString())) / w));
      if (w < 3_600_000_000L) assertThat(expected).anySatisfy(v -> assertThat(v.values()).containsOnly(0f));
    }
  }

  /**
   * A top-talker list of the Spark row against the plain-Java one: equal when exact. An estimated list (past the
   * exact cap: marked "(>=") may rank other keys when the two engines see the flows in another order (see
   * {@code TopTalkers}), so only its length and marking are compared.
   */
  private static void talkers(Row row, String column, List<String> expected, String where) {
    List<String> actual = row.getList(row.fieldIndex(column));
    if (expected.stream().anyMatch(t -> t.contains("(>="))) {
      assertThat(actual).as(where + " " + column).hasSameSizeAs(expected).allMatch(t -> t.contains("(>="));
    } else {
      assertThat(actual).as(where + " " + column).isEqualTo(expected);
    }
  }

  /** The flows of one hour, or null when it has none (the job reads no partition then). */
  private static Dataset<Row> flowsOfHour(Instant hourStart) {
    Instant end = hourStart.plusSeconds(3600);
    boolean any = flows.stream().anyMatch(f -> f.eventTimeMicros() >= micros(hourStart.toString())
        && f.eventTimeMicros() < micros(end.toString()));
    Column t = col(io.kaminari.flow.FlowSchema.EVENT_TIME);
    return any ? frame.where(t.geq(lit(hourStart)).and(t.lt(lit(end)))) : null;
  }

  private static boolean isRate(PortFeature f) {
    return f == PortFeature.PPS || f == PortFeature.BPS || f == PortFeature.FLOWS_PER_S;
  }
}
