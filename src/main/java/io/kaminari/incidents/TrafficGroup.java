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
    if (srcPort < 0 || srcPort > 0xFFFF) return -1;
    if (protocol == AttackVector.UDP) return UDP_KEYED[srcPort] ? srcPort : -1;
    return protocol == AttackVector.TCP && TCP_KEYED[srcPort] ? srcPort : -1;
  }

  // Per-port lookups: the streaming scorer calls srcKey for every flow to a profiled prefix, and a set of Integer
  // would box most ports.
  private static final boolean[] UDP_KEYED = table(VectorExtraction.REFLECTION_PORTS);
  private static final boolean[] TCP_KEYED = table(VectorExtraction.TCP_SERVICE_PORTS);

  private static boolean[] table(java.util.Set<Integer> ports) {
    boolean[] t = new boolean[0x10000];
    for (int p : ports) t[p] = true;
    return t;
  }

  /** A flow record's bytes per packet, truncated (as exported, not scaled by sampling); 0 without packets. */
  public static int packetLength(long packets, long bytes) {
    return packets > 0 ? (int) ((double) bytes / packets) : 0;
  }
}
