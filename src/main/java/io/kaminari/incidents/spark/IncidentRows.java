package io.kaminari.incidents.spark;

import static io.kaminari.common.Columns.ANOMALOUS_WINDOWS;
import static io.kaminari.common.Columns.DST_PORTS;
import static io.kaminari.common.Columns.END_TIME;
import static io.kaminari.common.Columns.INCIDENT_ID;
import static io.kaminari.common.Columns.LAST_UPDATE;
import static io.kaminari.common.Columns.MODEL_NAME;
import static io.kaminari.common.Columns.MODEL_VERSION;
import static io.kaminari.common.Columns.PACKET_LENGTH_MAX;
import static io.kaminari.common.Columns.PACKET_LENGTH_MIN;
import static io.kaminari.common.Columns.PEAK_BPS;
import static io.kaminari.common.Columns.PEAK_FPS;
import static io.kaminari.common.Columns.PEAK_PPS;
import static io.kaminari.common.Columns.PEAK_SCORE;
import static io.kaminari.common.Columns.PROTOCOLS;
import static io.kaminari.common.Columns.REFLECTED_SRC_PORTS;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SOURCES;
import static io.kaminari.common.Columns.START_TIME;
import static io.kaminari.common.Columns.TOP_DESTINATIONS;
import static io.kaminari.common.Columns.TOP_SOURCES;
import static io.kaminari.common.Columns.TOP_SOURCE_ASNS;
import static io.kaminari.common.Columns.VECTOR_SHARE;
import static io.kaminari.common.Columns.VICTIM;

import io.kaminari.common.Columns;
import io.kaminari.flow.FlowSchema;
import io.kaminari.incidents.AttackVector;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.IncidentSpan;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** {@link Incident}s as rows of {@code kaminari.incidents}, in its column order, and back. */
public final class IncidentRows {
  private IncidentRows() {}

  /** The UTC date of {@code t}, {@code yyyy-MM-dd}: the {@code dt} partition of an incident starting then. */
  public static String dt(Instant t) {
    return t.atOffset(ZoneOffset.UTC).toLocalDate().toString();
  }

  /** The row of {@code i}, its columns in the order of {@code sql/tables/incidents.sql}, {@code dt} last. */
  public static Row toRow(Incident i) {
    IncidentSpan s = i.span();
    AttackVector v = i.vector();
    return RowFactory.create(s.id(), s.model(), i.modelVersion(), s.scope(), s.victim(), s.start(), s.lastUpdate(),
        s.end(), s.windows(), s.peakScore(), i.peakPps(), i.peakBps(), i.peakFps(), i.packets(), i.bytes(), i.flows(),
        v.protocols(), v.dstPorts(), v.reflectedSrcPorts(), v.tcpFlags(), v.packetLengthMin(), v.packetLengthMax(),
        v.share(), v.describe(), i.topSources(), i.sources(), i.topSourceAsns(), i.topDestinations(), v.fragments(),
        dt(s.start()));
  }

  /** The incident of a row of {@code kaminari.incidents} (read by column name). */
  public static Incident fromRow(Row r) {
    Instant start = r.getAs(START_TIME);
    Instant last = r.getAs(LAST_UPDATE);
    int windows = r.<Integer>getAs(ANOMALOUS_WINDOWS);
    // The window length is not stored; it only matters to the grouping, which a stored incident is past.
    long windowSeconds = Duration.between(start, last).toSeconds() / Math.max(1, windows);
    IncidentSpan span = new IncidentSpan(r.getAs(INCIDENT_ID), r.getAs(MODEL_NAME), r.getAs(SCOPE), r.getAs(VICTIM),
        start, last, r.getAs(END_TIME), windows, r.<Double>getAs(PEAK_SCORE), windowSeconds, true);
    AttackVector v = new AttackVector(r.getList(r.fieldIndex(PROTOCOLS)), r.getList(r.fieldIndex(DST_PORTS)),
        r.getList(r.fieldIndex(REFLECTED_SRC_PORTS)), r.getAs(FlowSchema.TCP_FLAGS), r.getAs(PACKET_LENGTH_MIN),
        r.getAs(PACKET_LENGTH_MAX), r.<Double>getAs(VECTOR_SHARE),
        Boolean.TRUE.equals(r.getAs(Columns.VECTOR_FRAGMENTS)));
    return new Incident(span, r.<Integer>getAs(MODEL_VERSION), r.<Double>getAs(PEAK_PPS), r.<Double>getAs(PEAK_BPS),
        r.<Double>getAs(PEAK_FPS), r.<Long>getAs(Columns.VECTOR_PACKETS), r.<Long>getAs(FlowSchema.BYTES),
        r.<Long>getAs(Columns.VECTOR_FLOWS), v, strings(r, TOP_SOURCES), r.<Long>getAs(SOURCES),
        strings(r, TOP_SOURCE_ASNS), strings(r, TOP_DESTINATIONS));
  }

  private static List<String> strings(Row r, String column) {
    int i = r.fieldIndex(column);
    return r.isNullAt(i) ? List.of() : r.getList(i);
  }
}
