package io.kaminari.incidents;

/**
 * The flows to a victim over an incident's windows that share protocol, destination port, reflection source port and
 * TCP flags, with their sampling-scaled totals.
 *
 * <p>The batch job groups with Spark expressions of the same rules ({@code IncidentFlows}); the streaming scorer's
 * {@link VictimProfiles} calls {@link #srcKey} and {@link #packetLength}.
 *
 * @param srcPort the source port when it is a {@link VectorExtraction#REFLECTION_PORTS reflection port} of a UDP flow
 *     or a {@link VectorExtraction#TCP_SERVICE_PORTS service port} of a TCP flow, where answers come from,
 *     else -1 (source ports of other flows are spread and say nothing)
 * @param tcpFlags the OR of the TCP flags of the flow records (0 for other protocols)
 * @param minPacketLength the smallest bytes per packet of a flow record of the group
 * @param maxPacketLength the largest
 */
public record TrafficGroup(int protocol, int dstPort, int srcPort, int tcpFlags, long packets, long bytes,
    long flows, int minPacketLength, int maxPacketLength) {

  /**
   * A flow's {@link #srcPort}: its source port if it is UDP from a reflection port or TCP from a service port, else -1.
   */
  public static int srcKey(int protocol, int srcPort) {
    if (protocol == AttackVector.UDP) return VectorExtraction.REFLECTION_PORTS.contains(srcPort) ? srcPort : -1;
    return protocol == AttackVector.TCP && VectorExtraction.TCP_SERVICE_PORTS.contains(srcPort) ? srcPort : -1;
  }

  /** A flow record's bytes per packet, truncated (as exported, not scaled by sampling); 0 without packets. */
  public static int packetLength(long packets, long bytes) {
    return packets > 0 ? (int) ((double) bytes / packets) : 0;
  }
}
