package io.kaminari.flow;

import java.util.Map;

/**
 * One parsed pmacct flow record, in the column order of {@link FlowSchema#FIELDS}.
 *
 * <p>Timestamps are microseconds since the epoch, UTC. Boxed components are optional in pmacct's output and are null
 * when the key was absent. {@code eventTimeMicros} is always set: it is the first present of
 * timestamp_start, timestamp_end, timestamp_arrival, timestamp_export, else the Kafka record time. {@code extra} is null when the record had no
 * undeclared keys (the common case, so no map is allocated for it).
 */
public record Flow(
    String eventType,
    String peerIpSrc,
    String ipSrc,
    String ipDst,
    int portSrc,
    int portDst,
    int ipProto,
    Integer tcpFlags,
    Integer tos,
    long packets,
    long bytes,
    Long flows,
    Long timestampStart,
    Long timestampEnd,
    Long timestampArrival,
    Long timestampExport,
    Integer ifaceIn,
    Integer ifaceOut,
    Long asSrc,
    Long asDst,
    Long samplingRate,
    String writerId,
    Integer exportProtoVersion,
    Long exportProtoSeqno,
    String label,
    long eventTimeMicros,
    Map<String, String> extra) {}
