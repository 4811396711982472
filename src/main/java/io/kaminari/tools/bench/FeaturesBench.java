package io.kaminari.tools.bench;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.hour;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.features.spark.FeaturesConfig;
import io.kaminari.features.spark.FeaturesJob;
import io.kaminari.flow.FlowSchema;
import io.kaminari.ingest.SparkFlowSchema;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;

/**
 * {@code bench features}: the time {@link FeaturesJob} takes to build one day of vectors for both seed specs (global
 * and dst-prefix) from N synthetic flows; ends with {@code BENCH features flows=<n> seconds=<s> vectors=<v>}.
 *
 * <p>The flows are generated in Spark (deterministic hashes of a row number, so every run builds the same day) into a
 * fresh database {@value #DATABASE} holding copies of the tables, laid out as compaction lays out {@code flows} (one
 * file per hour), so the benchmark never touches the real warehouse's flows or vectors. Only the two feature runs are
 * timed. The mix: 70% of destination ports among 40 hot ports, the rest ephemeral; sources mostly ephemeral; 85% TCP,
 * 12% UDP, 3% ICMP; ~1000 destination prefixes (90% IPv4 /24s, 10% IPv6 /64s); 10% of records sampled 1-in-100.
 */
public final class FeaturesBench {
  private FeaturesBench() {}

  public static final String NAME = "features";

  /** The scratch database (dropped and recreated by every run). */
  public static final String DATABASE = "kaminari_bench";
  static final Instant DAY = Instant.parse("2024-05-01T00:00:00Z");
  private static final int[] HOT_PORTS = {80, 443, 53, 25, 22, 123, 8080, 8443, 3389, 3306, 5432, 1433, 587, 993, 995,
      110, 143, 21, 445, 139, 161, 389, 636, 1194, 1723, 5060, 5222, 6379, 9200, 11211, 27017, 4010, 3074, 15000,
      7779, 49186, 51216, 55362, 0, 8888};
  private static final int PREFIXES = 1000;

  /** Synthesizes {@code flows} flows over one UTC day, times the features job for both seed specs, prints the line. */
  public static void run(SparkSession spark, KaminariConfig config, long flows) throws Exception {
    if (flows <= 0) throw new IllegalArgumentException("--flows must be > 0");
    Warehouse.ensure(spark, Warehouse.Target.of(config));
    spark.sql("DROP DATABASE IF EXISTS " + DATABASE + " CASCADE");
    spark.sql("CREATE DATABASE " + DATABASE);
    for (String table : List.of(Warehouse.FLOWS, Warehouse.PORT_VECTORS, Warehouse.FEATURE_SPECS)) {
      spark.sql("CREATE TABLE " + Warehouse.inDatabase(table, DATABASE) + " LIKE " + table);
    }
    String flowsTable = Warehouse.inDatabase(Warehouse.FLOWS, DATABASE);
    synthesize(spark, flows).write().mode("overwrite").insertInto(flowsTable);

    long vectors = 0;
    long started = System.nanoTime();
    for (Scope scope : Scope.values()) {
      FeatureSpec spec = FeatureSpec.seed(scope);
      FeaturesConfig c = new FeaturesConfig(spec, EventHours.covering(DAY, DAY.plus(1, ChronoUnit.DAYS)), DATABASE,
          config.get(Settings.SHUFFLE_PARTITIONS));
      JobRun run = new FeaturesJob(spark, c).run();
      vectors += run.outputRows();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.flush();
    System.out.printf(java.util.Locale.ROOT, "BENCH %s flows=%d seconds=%.2f vectors=%d%n", NAME, flows, seconds,
        vectors);
    System.out.flush();
  }

  /** {@code n} flows of the day in the columns of {@code kaminari.flows}, one task (so one file) per hour. */
  static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> synthesize(SparkSession spark, long n) {
    long dayMicros = Micros.of(DAY);
    Column id = col("id");
    Column time = timestamp_micros(lit(dayMicros).plus(id.multiply(86_400_000_000L / n)
        .plus(pmod(id.multiply(7919L), lit(86_400_000_000L / n)))));
    Column[] hot = Arrays.stream(HOT_PORTS).mapToObj(p -> lit(p)).toArray(Column[]::new);
    Column dstPort = when(h(2, 100).lt(70), element_at(org.apache.spark.sql.functions.array(hot),
        h(3, HOT_PORTS.length).plus(1).cast("int"))).otherwise(lit(1024).plus(h(4, 64512)).cast("int"));
    Column srcPort = when(h(5, 100).lt(30), element_at(org.apache.spark.sql.functions.array(hot),
        h(6, HOT_PORTS.length).plus(1).cast("int"))).otherwise(lit(1024).plus(h(7, 64512)).cast("int"));
    Column proto = when(h(8, 100).lt(85), lit(6)).when(h(8, 100).lt(97), lit(17)).otherwise(lit(1));
    Column prefix = h(9, PREFIXES);
    Column ipDst = when(prefix.lt(PREFIXES * 9 / 10),
        format_string("10.%d.%d.%d", prefix.divide(256).cast("int"), pmod(prefix, lit(256)), h(10, 256)))
        .otherwise(format_string("2001:db8:%x::%x", prefix, h(10, 65536)));
    Column ipSrc = format_string("172.16.%d.%d", h(11, 256), h(12, 256));
    Column packets = lit(1).plus(h(13, 200));
    Map<String, Column> values = new HashMap<>();
    values.put(FlowSchema.EVENT_TYPE, lit("purge"));
    values.put(FlowSchema.PEER_IP_SRC, lit("192.0.2.1"));
    values.put(FlowSchema.IP_SRC, ipSrc);
    values.put(FlowSchema.IP_DST, ipDst);
    values.put(FlowSchema.PORT_SRC, srcPort);
    values.put(FlowSchema.PORT_DST, dstPort);
    values.put(FlowSchema.IP_PROTO, proto);
    values.put(FlowSchema.PACKETS, packets);
    values.put(FlowSchema.BYTES, packets.multiply(lit(40).plus(h(14, 1400))));
    values.put(FlowSchema.SAMPLING_RATE, when(h(15, 10).equalTo(0), lit(100L)));
    values.put(FlowSchema.TIMESTAMP_START, time);
    values.put(FlowSchema.EVENT_TIME, time);
    values.put(Columns.SOURCE, lit("bench"));
    values.put(Columns.SOURCE_PARTITION, lit(0));
    values.put(Columns.SOURCE_OFFSET, id);
    values.put(Columns.SOURCE_INDEX, lit(0));
    values.put(DT, date_format(time, "yyyy-MM-dd"));
    values.put(HOUR, hour(time));
    List<Column> columns = new ArrayList<>();
    List<StructField> fields = new ArrayList<>(Arrays.asList(SparkFlowSchema.FLOW.fields()));
    fields.addAll(Arrays.asList(SparkFlowSchema.COORDINATES.fields()));
    for (String name : SparkFlowSchema.TABLE_COLUMNS) {
      DataType type = fields.stream().filter(f -> f.name().equals(name)).map(StructField::dataType).findFirst()
          .orElse(null);
      Column v = values.getOrDefault(name, lit(null));
      columns.add((type == null ? v : v.cast(type)).as(name));
    }
    return spark.range(n).select(columns.toArray(Column[]::new)).repartition(col(DT), col(HOUR));
  }

  /** A deterministic pseudo-random value in 0..m-1 per row, independent per {@code salt}. */
  private static Column h(int salt, int m) {
    return pmod(xxhash64(col("id"), lit(salt)), lit((long) m));
  }
}
