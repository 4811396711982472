package io.kaminari.features.spark;

import io.kaminari.common.time.Hour;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureSpecs;
import io.kaminari.features.Featurizer;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import static io.kaminari.features.Flows.ICMP;
import static io.kaminari.features.Flows.TCP;
import static io.kaminari.features.Flows.UDP;
import static io.kaminari.features.Flows.flow;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.Columns;
import io.kaminari.flow.Flow;
import io.kaminari.pipeline.JobRun;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.ingest.SparkFlowSchema;
import io.kaminari.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code flows} to {@code port_vectors} on the embedded metastore: exact vectors of a hand-made hour, empty windows as
 * zeros, idempotent reruns, other specs' vectors surviving, stale hours dropped, refusal of a mismatched spec with
 * nothing written, partition pruning, and select-ports writing a spec the features job can resolve.
 */
class FeaturesJobIT {
  private static final FeatureSpec GLOBAL = FeatureSpec.seed(Scope.GLOBAL);
  private static final FeatureSpec PREFIX = FeatureSpec.seed(Scope.DST_PREFIX);
  private static final Instant H10 = Instant.parse("2024-05-01T10:00:00Z");
  private static final Instant H11 = Instant.parse("2024-05-01T11:00:00Z");
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.spark();
  }

  @BeforeEach
  void reset() {
    TestSpark.resetWarehouse();
  }

  private static long micros(String t) {
    Instant i = Instant.parse(t);
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
  }

  /** Appends flows to kaminari.flows in the partitions of their event hours, as compaction would. */
  private static void insertFlows(List<Flow> flows) {
    List<Row> rows = new ArrayList<>();
    int offset = 0;
    for (Flow f : flows) {
      Object[] v = new Object[SparkFlowSchema.TABLE_COLUMNS.size()];
      SparkFlowSchema.toValues(f, v, 0);
      int i = SparkFlowSchema.FLOW.size();
      v[i++] = "it";
      v[i++] = 0;
      v[i++] = (long) offset++;
      v[i++] = 0;
      LocalDateTime t = LocalDateTime.ofInstant(SparkFlowSchema.instant(f.eventTimeMicros()), ZoneOffset.UTC);
      v[i++] = t.toLocalDate().toString();
      v[i] = t.getHour();
      rows.add(RowFactory.create(v));
    }
    spark.createDataFrame(rows, spark.table(Warehouse.FLOWS).schema()).write().insertInto(Warehouse.FLOWS);
  }

  private static List<Flow> handMadeHour() {
    return List.of(
        flow(micros("2024-05-01T10:00:00Z"), "10.0.0.1", "192.0.2.1", 80, 443, TCP, 300, 30_000, null),
        flow(micros("2024-05-01T10:04:59.999999Z"), "10.0.0.2", "192.0.2.2", 53, 53, UDP, 600, 60_000, 2L),
        flow(micros("2024-05-01T10:05:00Z"), "10.0.0.3", "2001:db8::1", 65535, 0, UDP, 30, 3_000, null),
        flow(micros("2024-05-01T10:55:00Z"), "10.0.0.4", "198.51.100.9", 3, 771, ICMP, 60, 6_000, null),
        // Outside [10:00, 11:00): the last instant of hour 9 and the first of hour 11.
        flow(micros("2024-05-01T09:59:59.999999Z"), "10.0.0.5", "192.0.2.1", 80, 443, TCP, 7, 700, null),
        flow(micros("2024-05-01T11:00:00Z"), "10.0.0.6", "192.0.2.1", 443, 50000, TCP, 9, 900, null));
  }

  private static JobRun build(FeatureSpec spec, Instant from, Instant to) throws Exception {
    return new FeaturesJob(spark, FeaturesConfig.of(TestSpark.config(), spec, from, to)).run();
  }

  private static Dataset<Row> vectorsOf(FeatureSpec spec) {
    return spark.table(Warehouse.PORT_VECTORS).where(col(Columns.SPEC_ID).equalTo(spec.id()))
        .orderBy(Columns.WINDOW_START, Columns.SCOPE_KEY);
  }

  /** A 64-value seed vector with the named values set and the rest zero. */
  private static float[] expected(FeatureSpec spec, Object... nameValue) {
    float[] v = new float[spec.dimension()];
    for (int i = 0; i < nameValue.length; i += 2) {
      int at = spec.featureNames().indexOf((String) nameValue[i]);
      assertThat(at).as((String) nameValue[i]).isNotNegative();
      v[at] = ((Number) nameValue[i + 1]).floatValue();
    }
    return v;
  }

  private static float[] vector(Row r) {
    List<Float> list = r.getList(r.fieldIndex(Columns.VECTOR));
    float[] v = new float[list.size()];
    for (int i = 0; i < v.length; i++) v[i] = list.get(i);
    return v;
  }

  private static List<String> snapshot(Dataset<Row> rows) {
    return rows.collectAsList().stream().map(r -> r.getAs(Columns.WINDOW_START) + " " + r.getAs(Columns.SCOPE_KEY)
        + " " + r.getAs(Columns.VECTOR_FLOWS) + " " + r.getAs(Columns.VECTOR_PACKETS) + " "
        + Arrays.toString(vector(r)) + " " + r.getAs(Columns.DT) + "/" + r.getAs(Columns.HOUR)).toList();
  }

  @Test
  void buildsExactVectorsIdempotentlyAndKeepsOtherSpecs() throws Exception {
    insertFlows(handMadeHour());

    JobRun global = build(GLOBAL, H10, H11);
    assertThat(global.inputRecords()).isEqualTo(4);
    assertThat(global.outputRows()).isEqualTo(12);
    List<Row> rows = vectorsOf(GLOBAL).collectAsList();
    assertThat(rows).hasSize(12);
    assertThat(rows).extracting(r -> r.<Instant>getAs(Columns.WINDOW_START))
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 12)
            .mapToObj(i -> H10.plusSeconds(300L * i)).toList());
    assertThat(rows).allSatisfy(r -> {
      assertThat(r.<String>getAs(Columns.SCOPE)).isEqualTo("global");
      assertThat(r.<String>getAs(Columns.SCOPE_KEY)).isEqualTo(Featurizer.GLOBAL_KEY);
      assertThat(r.<Instant>getAs(Columns.WINDOW_END)).isEqualTo(r.<Instant>getAs(Columns.WINDOW_START).plusSeconds(300));
      assertThat(r.<String>getAs(Columns.DT)).isEqualTo("2024-05-01");
      assertThat(r.<Integer>getAs(Columns.HOUR)).isEqualTo(10);
    });
    // 10:00: 300 packets 80 -> 443, 600 packets 53 -> 53 sampled 1-in-2 (1200); the 10:04:59.999999 flow is still in.
    assertThat(vector(rows.get(0))).containsExactly(expected(GLOBAL,
        "src_port 80 pps", 1, "src_port 80 dst_ports", 1, "src_port 53 pps", 4, "src_port 53 dst_ports", 1,
        "dst_port 443 pps", 1, "dst_port 443 src_ports", 1, "dst_port 53 pps", 4, "dst_port 53 src_ports", 1));
    assertThat(rows.get(0).<Long>getAs(Columns.VECTOR_FLOWS)).isEqualTo(2);
    assertThat(rows.get(0).<Long>getAs(Columns.VECTOR_PACKETS)).isEqualTo(1500);
    // 10:05: exactly on the edge; 65535 is unlisted (other source bucket), 0 is listed on the destination side.
    assertThat(vector(rows.get(1))).containsExactly(expected(GLOBAL,
        "src_port other pps", 0.1, "src_port other dst_ports", 1, "dst_port 0 pps", 0.1, "dst_port 0 src_ports", 1));
    // 10:55: ICMP counts as port 0 at both ends, whatever its port fields say.
    assertThat(vector(rows.get(11))).containsExactly(expected(GLOBAL,
        "src_port 0 pps", 0.2, "src_port 0 dst_ports", 1, "dst_port 0 pps", 0.2, "dst_port 0 src_ports", 1));
    // 10:10 .. 10:50 had no flows: zero vectors, zero totals.
    for (Row r : rows.subList(2, 11)) {
      assertThat(vector(r)).hasSize(64).containsOnly(0f);
      assertThat(r.<Long>getAs(Columns.VECTOR_FLOWS)).isZero();
    }

    JobRun prefix = build(PREFIX, H10, H11);
    assertThat(prefix.outputRows()).isEqualTo(3);
    assertThat(vectorsOf(PREFIX).collectAsList()).extracting(r -> r.getAs(Columns.WINDOW_START) + " " + r.getAs(Columns.SCOPE_KEY)
        + " " + r.getAs(Columns.VECTOR_FLOWS)).containsExactly(
        "2024-05-01T10:00:00Z 192.0.2.0/24 2", "2024-05-01T10:05:00Z 2001:db8::/64 1",
        "2024-05-01T10:55:00Z 198.51.100.0/24 1");

    // Rerun: the same rows, nothing duplicated, and the other spec's vectors of the same hour survive.
    List<String> globalBefore = snapshot(vectorsOf(GLOBAL));
    List<String> prefixBefore = snapshot(vectorsOf(PREFIX));
    build(GLOBAL, H10, H11);
    assertThat(snapshot(vectorsOf(GLOBAL))).isEqualTo(globalBefore);
    assertThat(snapshot(vectorsOf(PREFIX))).isEqualTo(prefixBefore);
    build(PREFIX, H10, H11);
    assertThat(snapshot(vectorsOf(PREFIX))).isEqualTo(prefixBefore);
    assertThat(snapshot(vectorsOf(GLOBAL))).isEqualTo(globalBefore);
    assertThat(spark.table(Warehouse.PORT_VECTORS).count()).isEqualTo(15);

    // Specs are registered once each, and readable back.
    List<Row> specs = spark.table(Warehouse.FEATURE_SPECS).collectAsList();
    assertThat(specs).extracting(r -> r.<String>getAs(Columns.SPEC_ID)).containsExactlyInAnyOrder(GLOBAL.id(), PREFIX.id());
    assertThat(SpecRegistry.registered(spark, Warehouse.FEATURE_SPECS, GLOBAL.id())).contains(GLOBAL);
    assertThat(spark.table(Warehouse.JOB_RUNS).where(col("job").equalTo(FeaturesJob.JOB)).collectAsList())
        .hasSize(4).allSatisfy(r -> assertThat(r.<String>getAs("status")).isEqualTo(JobRun.SUCCEEDED));
  }

  @Test
  void aRerunDropsHoursWhoseFlowsAreGone() throws Exception {
    insertFlows(handMadeHour());
    build(PREFIX, H10, H11.plus(1, ChronoUnit.HOURS));
    assertThat(vectorsOf(PREFIX).where(col(Columns.HOUR).equalTo(11)).count()).isEqualTo(1);
    spark.sql("ALTER TABLE " + Warehouse.FLOWS + " DROP PARTITION (dt='2024-05-01', hour=11)");
    JobRun rerun = build(PREFIX, H10, H11.plus(1, ChronoUnit.HOURS));
    assertThat(rerun.message()).contains("1 stale hour partition(s) dropped");
    assertThat(vectorsOf(PREFIX).where(col(Columns.HOUR).equalTo(11)).count()).isZero();
    assertThat(vectorsOf(PREFIX).where(col(Columns.HOUR).equalTo(10)).count()).isEqualTo(3);

    // A range without any flows: global gets all-zero vectors, dst-prefix nothing.
    Instant day2 = Instant.parse("2024-05-02T00:00:00Z");
    JobRun empty = build(GLOBAL, day2, day2.plus(2, ChronoUnit.HOURS));
    assertThat(empty.inputRecords()).isZero();
    assertThat(empty.outputRows()).isEqualTo(24);
    assertThat(vectorsOf(GLOBAL).where(col(Columns.DT).equalTo("2024-05-02")).collectAsList())
        .hasSize(24).allSatisfy(r -> assertThat(vector(r)).hasSize(64).containsOnly(0f));
    assertThat(build(PREFIX, day2, day2.plus(1, ChronoUnit.HOURS)).outputRows()).isZero();
  }

  @Test
  void refusesASpecThatDoesNotMatchTheTableAndWritesNothing() throws Exception {
    insertFlows(handMadeHour());
    // Vectors of the seed's id but of another length, as a different layout (or a bug) would have left.
    Row planted = RowFactory.create(Instant.parse("2024-04-30T00:00:00Z"), Instant.parse("2024-04-30T00:05:00Z"),
        "global", Featurizer.GLOBAL_KEY, List.of(1f, 2f, 3f), 1L, 1L, 1L, List.of(), List.of(), List.of(), 0, 0L, 0L,
        List.of(), "2024-04-30", 0, GLOBAL.id());
    spark.createDataFrame(List.of(planted), spark.table(Warehouse.PORT_VECTORS).schema()).write()
        .insertInto(Warehouse.PORT_VECTORS);

    assertThatThrownBy(() -> build(GLOBAL, H10, H11))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refusing to write").hasMessageContaining("length 3").hasMessageContaining(GLOBAL.id());
    assertThat(spark.table(Warehouse.PORT_VECTORS).count()).isEqualTo(1);
    assertThat(spark.table(Warehouse.FEATURE_SPECS).count()).isZero();
    assertThat(spark.table(Warehouse.JOB_RUNS).where(col("status").equalTo(JobRun.FAILED)).count()).isEqualTo(1);

    // A registered spec of the same id with another layout is refused too.
    FeatureSpec other = new FeatureSpec("other", null, 300, Scope.DST_PREFIX, 24, 64, List.of(80), List.of(),
        List.of(PortFeature.PPS), true);
    Row registered = RowFactory.create(PREFIX.id(), "tampered", "dst-prefix", other.dimension(), other.toJson(),
        Instant.now());
    spark.createDataFrame(List.of(registered), spark.table(Warehouse.FEATURE_SPECS).schema()).write()
        .insertInto(Warehouse.FEATURE_SPECS);
    assertThatThrownBy(() -> build(PREFIX, H10, H11))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("registered").hasMessageContaining(PREFIX.id());
    assertThat(spark.table(Warehouse.PORT_VECTORS).count()).isEqualTo(1);

    // A spec file that does not validate is refused before anything runs.
    Path bad = Files.createTempFile(Path.of("target").toAbsolutePath(), "bad-spec-", ".json");
    Files.writeString(bad, GLOBAL.toJson().replace("\"window_seconds\" : 300", "\"window_seconds\" : 7"));
    assertThatThrownBy(() -> FeatureSpecs.resolve(bad.toString(), "target/unused-store"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad.toString())
        .hasMessageContaining("window_seconds");
    assertThat(io.kaminari.cli.Main.run("features", "--from", "2024-05-01T10", "--to", "2024-05-01T11",
        "--spec", bad.toString(), "--home", "target/unused-home")).isEqualTo(1);
    assertThat(spark.table(Warehouse.PORT_VECTORS).count()).isEqualTo(1);
  }

  @Test
  void readsOnlyThePartitionsOfTheRange() throws Exception {
    List<Flow> flows = new ArrayList<>(handMadeHour());
    flows.add(flow(micros("2024-05-01T12:30:00Z"), "10.0.0.7", "192.0.2.1", 80, 443, TCP, 1, 100, null));
    insertFlows(flows);
    assertThat(FeaturesJob.readHour(spark, Warehouse.FLOWS, Hour.of(H10)).inputFiles())
        .isNotEmpty().allMatch(f -> f.contains("dt=2024-05-01/hour=10/"));
    assertThat(FeaturesJob.readFlows(spark, Warehouse.FLOWS, H10, H11).inputFiles())
        .isNotEmpty().allMatch(f -> f.contains("dt=2024-05-01/hour=10/"));

    // A corrupt file in hour 12 breaks any read of that partition, but not the job over hour 10.
    Path hour12 = Path.of(java.net.URI.create(Warehouse.location(spark, Warehouse.FLOWS))).resolve("dt=2024-05-01/hour=12");
    Files.writeString(hour12.resolve("part-99999-corrupt.zstd.parquet"), "not parquet");
    spark.catalog().refreshTable(Warehouse.FLOWS);
    assertThatThrownBy(() -> FeaturesJob.readHour(spark, Warehouse.FLOWS, Hour.of(H11).plus(1)).count())
        .isInstanceOf(Exception.class);
    assertThat(build(GLOBAL, H10, H11).outputRows()).isEqualTo(12);
  }

  @Test
  void selectPortsWritesASpecTheFeaturesJobResolves() throws Exception {
    insertFlows(handMadeHour());
    String store = TestSpark.config().get(Settings.MODEL_STORE).toString();
    SelectPortsJob.Selection s = new SelectPortsJob(spark, SelectPortsConfig.of(TestSpark.config(),
        Instant.parse("2024-05-01T09:00:00Z"), Instant.parse("2024-05-01T12:00:00Z"), 2, 3, Scope.GLOBAL, 300, "it",
        null)).run();
    // Source packets (scaled): 53 -> 1200, 80 -> 307, 0 (ICMP) -> 60, 65535 -> 30, 443 -> 9.
    assertThat(s.spec().srcPorts()).containsExactly(53, 80);
    // Destination: 53 -> 1200, 443 -> 307, 0 -> 90 (ICMP 60 + UDP 30), 50000 -> 9.
    assertThat(s.spec().dstPorts()).containsExactly(53, 443, 0);
    assertThat(s.path()).isEqualTo(FeatureSpecs.storePath(store, s.spec().id()));
    assertThat(Files.exists(Path.of(java.net.URI.create(s.path())))).isTrue();
    assertThat(s.run().inputRecords()).isEqualTo(6);
    FeatureSpec resolved = FeatureSpecs.resolve(s.spec().id(), store);
    assertThat(resolved).isEqualTo(s.spec());
    assertThat(build(resolved, H10, H11).outputRows()).isEqualTo(12);
    assertThat(FeatureSpecs.resolve("seed-dst-prefix", store)).isEqualTo(PREFIX);
  }
}
