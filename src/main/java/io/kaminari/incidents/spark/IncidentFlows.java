package io.kaminari.incidents.spark;

import static io.kaminari.flow.FlowSchema.AS_SRC;
import static io.kaminari.flow.FlowSchema.BYTES;
import static io.kaminari.flow.FlowSchema.EVENT_TIME;
import static io.kaminari.flow.FlowSchema.IP_DST;
import static io.kaminari.flow.FlowSchema.IP_PROTO;
import static io.kaminari.flow.FlowSchema.IP_SRC;
import static io.kaminari.flow.FlowSchema.PACKETS;
import static io.kaminari.flow.FlowSchema.PORT_DST;
import static io.kaminari.flow.FlowSchema.PORT_SRC;
import static io.kaminari.flow.FlowSchema.SAMPLING_RATE;
import static io.kaminari.flow.FlowSchema.TCP_FLAGS;
import static org.apache.spark.sql.functions.approx_count_distinct;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.incidents.AttackVector;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.IncidentSpan;
import io.kaminari.incidents.Shares;
import io.kaminari.incidents.TrafficGroup;
import io.kaminari.incidents.VectorExtraction;
import io.kaminari.incidents.Victims;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * What the flows to an incident's victim over its windows ({@code [start, lastUpdate)}) show: peaks per window,
 * totals, the traffic groups the {@link VectorExtraction vector} is derived from, and the top sources, source ASNs and
 * destinations. Reads only the flows' hour partitions of the incident.
 */
final class IncidentFlows {
  private IncidentFlows() {}

  /** Traffic groups passed to the vector extraction at most (the heaviest); the rest count in the total only. */
  static final int MAX_GROUPS = 5_000;
  static final int TOP_SOURCES = 5;
  static final int TOP_DESTINATIONS = 3;

  private static final String SP = "_sp";
  private static final String SB = "_sb";
  /** Bytes per packet of a flow of {@link #victimFlows}. */
  static final String LENGTH = "_len";
  private static final String SRC_KEY = "_src";
  private static final String WIN = "_win";

  /** {@code span} with the figures of its victim's flows. */
  static Incident of(SparkSession spark, IncidentSpan span, int modelVersion) {
    Dataset<Row> flows = victimFlows(spark, span).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row totals = flows.agg(coalesce(sum(SP), lit(0L)), coalesce(sum(SB), lit(0L)), count(lit(1)),
          approx_count_distinct(IP_SRC)).first();
      long packets = totals.getLong(0);
      double seconds = span.windowSeconds();
      double peakPps = 0;
      double peakBps = 0;
      double peakFps = 0;
      for (Row w : flows.groupBy(WIN).agg(sum(SP), sum(SB), count(lit(1))).collectAsList()) {
        peakPps = Math.max(peakPps, w.getLong(1) / seconds);
        peakBps = Math.max(peakBps, 8.0 * w.getLong(2) / seconds);
        peakFps = Math.max(peakFps, w.getLong(3) / seconds);
      }
      List<TrafficGroup> groups = new ArrayList<>();
      for (Row g : flows.groupBy(IP_PROTO, PORT_DST, SRC_KEY, TCP_FLAGS)
          .agg(sum(SP).as("p"), sum(SB), count(lit(1)), min(LENGTH), max(LENGTH))
          .orderBy(col("p").desc(), col(IP_PROTO), col(PORT_DST), col(SRC_KEY), col(TCP_FLAGS))
          .limit(MAX_GROUPS).collectAsList()) {
        groups.add(new TrafficGroup(g.getInt(0), g.getInt(1), g.getInt(2), g.getInt(3), g.getLong(4), g.getLong(5),
            g.getLong(6), g.getInt(7), g.getInt(8)));
      }
      AttackVector vector = VectorExtraction.extract(groups, packets);
      return new Incident(span, modelVersion, peakPps, peakBps, peakFps, packets, totals.getLong(1),
          totals.getLong(2), vector, top(flows, col(IP_SRC), TOP_SOURCES, packets, ""), totals.getLong(3),
          top(flows.where(col(AS_SRC).gt(0)), col(AS_SRC).cast("string"), TOP_SOURCES, packets, "AS"),
          top(flows, col(IP_DST), TOP_DESTINATIONS, packets, ""));
    } finally {
      flows.unpersist();
    }
  }

  /**
   * The flows to the victim in {@code [start, lastUpdate)} as {@link #victimFlows(SparkSession, String, Instant,
   * Instant)} has them, with the window index.
   */
  static Dataset<Row> victimFlows(SparkSession spark, IncidentSpan span) {
    return victimFlows(spark, span.victim(), span.start(), span.lastUpdate())
        .withColumn(WIN, floor(col(EVENT_TIME).cast("long").minus(span.start().getEpochSecond())
            .divide(span.windowSeconds())));
  }

  /**
   * The flows to {@code victim} in {@code [from, to)}, with sampling-scaled packets and bytes, bytes per packet
   * ({@link #LENGTH}), the reflection source port (-1 if none), and null counters and fields as 0.
   */
  static Dataset<Row> victimFlows(SparkSession spark, String victim, Instant from, Instant to) {
    Dataset<Row> flows = spark.table(Warehouse.FLOWS)
        .where(expr(HourRange.covering(from, to).where())
            .and(col(EVENT_TIME).geq(lit(from))).and(col(EVENT_TIME).lt(lit(to))))
        .select(col(IP_SRC), col(IP_DST), coalesce(col(PORT_SRC), lit(0)).as(PORT_SRC),
            coalesce(col(PORT_DST), lit(0)).as(PORT_DST), coalesce(col(IP_PROTO), lit(0)).as(IP_PROTO),
            coalesce(col(TCP_FLAGS), lit(0)).as(TCP_FLAGS), coalesce(col(PACKETS), lit(0L)).as(PACKETS),
            coalesce(col(BYTES), lit(0L)).as(BYTES), greatest(lit(1L), coalesce(col(SAMPLING_RATE), lit(1L))).as("_k"),
            col(AS_SRC), col(EVENT_TIME))
        .filter((FilterFunction<Row>) r -> Victims.contains(victim, r.getString(1)));
    return flows
        .withColumn(SP, col(PACKETS).multiply(col("_k")))
        .withColumn(SB, col(BYTES).multiply(col("_k")))
        .withColumn(LENGTH, when(col(PACKETS).gt(0), col(BYTES).divide(col(PACKETS))).otherwise(0).cast("int"))
        // TrafficGroup.srcKey's rule.
        .withColumn(SRC_KEY, when(col(IP_PROTO).equalTo(AttackVector.UDP)
            .and(col(PORT_SRC).isin(VectorExtraction.REFLECTION_PORTS.toArray())), col(PORT_SRC))
            .when(col(IP_PROTO).equalTo(AttackVector.TCP)
                .and(col(PORT_SRC).isin(VectorExtraction.TCP_SERVICE_PORTS.toArray())), col(PORT_SRC))
            .otherwise(-1));
  }

  /** The {@code n} keys with the most packets, as {@code prefix+key (share%)} of {@code total}; ties by key. */
  private static List<String> top(Dataset<Row> flows, org.apache.spark.sql.Column key, int n, long total,
      String prefix) {
    List<String> out = new ArrayList<>();
    for (Row r : flows.groupBy(key.as("k")).agg(sum(SP).as("p")).orderBy(col("p").desc(), col("k")).limit(n)
        .collectAsList()) {
      out.add(Shares.text(prefix + r.getString(0), r.getLong(1), total));
    }
    return out;
  }
}
