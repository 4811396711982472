package io.kaminari.tools.evaluate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.unix_micros;

import io.kaminari.flow.FlowSchema;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * A FastNetMon-style threshold detector: per destination IP and window, packets per second, flows per second and
 * distinct sources, each compared with one threshold that holds for every destination.
 *
 * <p>Calibration ({@link Calibrator}): each threshold is the largest value any single destination reached in any window
 * of the training range, times a margin (default 1.2), and at least one packet / flow / source per window, so that a
 * metric that never moved in training does not flag its first occurrence. Judging ({@link #judge}): a destination's
 * score is its largest value/threshold ratio over the three metrics, and a window (or destination prefix) takes the
 * score of its worst destination; it is flagged when that score exceeds 1. The explanation names the metric, the
 * destination, the value and the threshold.
 *
 * <p>The per-destination statistics are computed in Spark ({@link #destinationStats}); everything else is plain Java.
 */
public final class Baseline {
  private Baseline() {}

  public static final String WINDOW_START = "window_start";
  public static final String IP_DST = "ip_dst";
  public static final String PACKETS = "packets";
  public static final String FLOWS = "flows";
  public static final String SOURCES = "sources";
  private static final DataType DECIMAL = DataTypes.createDecimalType(38, 0);

  /** The three metrics, with the unit the explanation prints. */
  public enum Metric {
    PPS("pps"), FLOWS_PER_SECOND("flows/s"), DISTINCT_SOURCES("distinct sources");

    private final String text;

    Metric(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  /** One destination in one window: scaled packets, flow records and distinct source addresses. */
  public record DestinationWindow(Instant windowStart, String ipDst, long packets, long flows, long sources) {
    double value(Metric m, int windowSeconds) {
      return switch (m) {
        case PPS -> packets / (double) windowSeconds;
        case FLOWS_PER_SECOND -> flows / (double) windowSeconds;
        case DISTINCT_SOURCES -> sources;
      };
    }
  }

  /** The thresholds, in the metrics' units (per second, or sources per window). */
  public record Thresholds(double pps, double flowsPerSecond, double distinctSources) {
    public double of(Metric m) {
      return switch (m) {
        case PPS -> pps;
        case FLOWS_PER_SECOND -> flowsPerSecond;
        case DISTINCT_SOURCES -> distinctSources;
      };
    }
  }

  /** The worst metric of a destination (or of a window: of its worst destination). */
  public record Verdict(double score, Metric metric, String ipDst, double value, double threshold) {
    public boolean anomalous() {
      return score > 1.0;
    }

    public String explanation() {
      return String.format(Locale.ROOT, "%s %.3f to %s vs threshold %.3f (x%.2f)", metric.text(), value, ipDst,
          threshold, score);
    }
  }

  /** Running maxima of the training range. */
  public static final class Calibrator {
    private final int windowSeconds;
    private double pps;
    private double fps;
    private double sources;
    private long seen;

    public Calibrator(int windowSeconds) {
      if (windowSeconds <= 0) throw new IllegalArgumentException("windowSeconds must be > 0");
      this.windowSeconds = windowSeconds;
    }

    public Calibrator accept(DestinationWindow d) {
      pps = Math.max(pps, d.value(Metric.PPS, windowSeconds));
      fps = Math.max(fps, d.value(Metric.FLOWS_PER_SECOND, windowSeconds));
      sources = Math.max(sources, d.value(Metric.DISTINCT_SOURCES, windowSeconds));
      seen++;
      return this;
    }

    public long seen() {
      return seen;
    }

    /** Training maxima times {@code margin}, each at least one unit per window. */
    public Thresholds thresholds(double margin) {
      double unit = 1.0 / windowSeconds;
      return new Thresholds(Math.max(pps, unit) * margin, Math.max(fps, unit) * margin, Math.max(sources, 1) * margin);
    }
  }

  /** The destination's largest value/threshold ratio (ties: the first metric in declaration order). */
  public static Verdict judge(DestinationWindow d, Thresholds t, int windowSeconds) {
    Verdict worst = null;
    for (Metric m : Metric.values()) {
      double v = d.value(m, windowSeconds);
      double ratio = v / t.of(m);
      if (worst == null || ratio > worst.score()) worst = new Verdict(ratio, m, d.ipDst(), v, t.of(m));
    }
    return worst;
  }

  /** Key of a baseline row: window start and scope key. */
  public record Key(Instant windowStart, String scopeKey) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = windowStart.compareTo(o.windowStart);
      return c != 0 ? c : scopeKey.compareTo(o.scopeKey);
    }
  }

  /** The worst verdict per (window, scope key), where {@code scopeKeyOf} maps a destination IP to its scope key. */
  public static TreeMap<Key, Verdict> worstPerScope(Iterator<DestinationWindow> stats, Thresholds t, int windowSeconds,
      Function<String, String> scopeKeyOf) {
    TreeMap<Key, Verdict> out = new TreeMap<>();
    while (stats.hasNext()) {
      DestinationWindow d = stats.next();
      Verdict v = judge(d, t, windowSeconds);
      out.merge(new Key(d.windowStart(), scopeKeyOf.apply(d.ipDst())), v, (a, b) -> b.score() > a.score() ? b : a);
    }
    return out;
  }

  /**
   * Per (window, destination IP) of the flows frame: window_start (timestamp), ip_dst, packets (scaled by the sampling
   * rate as the vectors scale them), flows (records) and sources (distinct ip_src).
   */
  public static Dataset<Row> destinationStats(Dataset<Row> flows, int windowSeconds) {
    long w = windowSeconds * 1_000_000L;
    Column micros = unix_micros(col(FlowSchema.EVENT_TIME));
    // Saturated at Long.MAX_VALUE as WindowAccumulator.scaled and .plus saturate: Spark's long product and sum wrap
    // silently (2^62 packets x 1000 is 0). In DECIMAL(38,0) neither can overflow: a product is below 2^126, and a sum
    // of rows each clamped below 2^63 needs 10^19 rows to reach 10^38.
    Column max = lit(Long.MAX_VALUE).cast(DECIMAL);
    Column scaled = least(col(FlowSchema.PACKETS).cast(DECIMAL)
        .multiply(greatest(coalesce(col(FlowSchema.SAMPLING_RATE), lit(1L)), lit(1L))), max);
    return flows
        .select(timestamp_micros(micros.minus(pmod(micros, lit(w)))).as(WINDOW_START), col(FlowSchema.IP_DST).as(IP_DST),
            scaled.as(PACKETS), col(FlowSchema.IP_SRC).as("_src"))
        .groupBy(WINDOW_START, IP_DST)
        .agg(least(sum(PACKETS), max).cast(DataTypes.LongType).as(PACKETS), count(lit(1)).as(FLOWS),
            countDistinct(col("_src")).as(SOURCES));
  }

  /** A {@link #destinationStats} row as a record. */
  public static DestinationWindow fromRow(Row r) {
    return new DestinationWindow(r.getAs(WINDOW_START), r.getAs(IP_DST), r.<Long>getAs(PACKETS), r.<Long>getAs(FLOWS),
        r.<Long>getAs(SOURCES));
  }

  /** The thresholds as JSON-ready values. */
  static Map<String, Object> describe(Thresholds t, double margin) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("method", "per-destination-IP thresholds = max over the training range x " + margin);
    m.put("pps", t.pps());
    m.put("flows_per_second", t.flowsPerSecond());
    m.put("distinct_sources", t.distinctSources());
    return m;
  }
}
