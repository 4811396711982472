package io.kaminari.incidents;

/**
 * The flows to a victim over an incident's windows that share protocol, destination port, reflection source port and
 * TCP flags, with their sampling-scaled totals.
 *
 * @param srcPort the source port when it is a {@link VectorExtraction#REFLECTION_PORTS reflection port} of a UDP flow,
 *     else -1 (source ports of other flows are spread and say nothing)
 * @param tcpFlags the OR of the TCP flags of the flow records (0 for other protocols)
 * @param minPacketLength the smallest bytes per packet of a flow record of the group
 * @param maxPacketLength the largest
 */
public record TrafficGroup(int protocol, int dstPort, int srcPort, int tcpFlags, long packets, long bytes,
    long flows, int minPacketLength, int maxPacketLength) {}
