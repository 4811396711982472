package io.kaminari.incidents;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Derives an incident's {@link AttackVector} from the victim's traffic groups, narrowing step by step to what most of
 * the packets share.
 *
 * <ol>
 *   <li>Protocols: each with at least {@value #MIN_SHARE_PERCENT}% of the victim's packets (at least the heaviest).
 *   <li>Reflection: UDP from a {@link #REFLECTION_PORTS reflection port} with at least {@value #MIN_SHARE_PERCENT}% of
 *       the packets makes the vector a reflection (UDP from those ports only). Large answers arrive fragmented, and a
 *       non-first fragment carries no ports: UDP to port 0 from no reflection port ({@link #nonFirstFragments}) with
 *       at least {@value #MIN_SHARE_PERCENT}% of the packets joins a reflection as its fragments.
 *   <li>Destination ports (TCP and UDP only): the fewest ports that carry {@value #PORT_COVER_PERCENT}% of what is
 *       left; more than {@value #MAX_PORTS} such ports means the ports are spread and match any port.
 *   <li>TCP reflection (a TCP-only vector to any port whose heaviest flags value is an answer, with ACK or RST set):
 *       the fewest {@link #TCP_SERVICE_PORTS service ports} among the source ports that carry
 *       {@value #PORT_COVER_PERCENT}% of what is left, at most {@value #MAX_PORTS}, make it a reflection from them.
 *       SYN-ACKs and RSTs of servers answering spoofed SYNs mix flags, so their service ports discriminate them, not
 *       their flags.
 *   <li>TCP flags (a TCP-only vector, not a reflection): the flags value of at least half the packets left (2 for a
 *       SYN flood).
 *   <li>Packet lengths: the range of bytes per packet of the flow records left.
 * </ol>
 * The share is that of the packets left at the end: what a rule matching the vector would catch.
 */
public final class VectorExtraction {
  private VectorExtraction() {}

  /**
   * UDP services used as amplifiers: chargen, DNS, portmap, NTP, NetBIOS, SNMP, CLDAP, ISAKMP and its NAT traversal,
   * ARD, SSDP, WS-Discovery, mDNS, memcached, Dahua's DHDiscover (DVRs; the StopDDoS capture
   * {@code amp.UDP.bacnet.IOT.37810} answers from it and from BACnet), BACnet (the StopDDoS captures
   * {@code amp.UDP.isakmp} and {@code amp.UDP.bacnet.IOT.37810} answer from 4500 and 47808).
   */
  public static final Set<Integer> REFLECTION_PORTS = Set.of(19, 53, 111, 123, 137, 161, 389, 500, 1900, 3283, 3702,
      4500, 5353, 11211, 37810, 47808);
  /**
   * TCP services whose answers a TCP reflection sends (SYN-ACKs and RSTs to spoofed SYNs): FTP, SSH, Telnet, SMTP, DNS,
   * HTTP, POP3, IMAP, BGP, HTTPS, SMB, SMTPS, submission, IMAPS, POP3S, PPTP, MySQL, RDP, SIP, and the HTTP
   * alternates. A list rather than every port below 1024, so that a SYN flood's random source ports do not split its
   * traffic groups.
   */
  public static final Set<Integer> TCP_SERVICE_PORTS = Set.of(21, 22, 23, 25, 53, 80, 110, 143, 179, 443, 445, 465,
      587, 993, 995, 1723, 3306, 3389, 5060, 8080, 8443);
  static final int MIN_SHARE_PERCENT = 10;
  private static final int RST = 4;
  static final int PORT_COVER_PERCENT = 80;
  static final int MAX_PORTS = 5;

  /** The vector of {@code groups}, whose packets are part of {@code totalPackets} (the victim's, over the incident). */
  public static AttackVector extract(List<TrafficGroup> groups, long totalPackets) {
    long total = Math.max(totalPackets, groups.stream().mapToLong(TrafficGroup::packets).sum());
    if (total == 0) return AttackVector.none();
    Map<Integer, Long> byProtocol = sum(groups, TrafficGroup::protocol);
    List<Integer> protocols = heavy(byProtocol, total);
    List<TrafficGroup> left = filter(groups, g -> protocols.contains(g.protocol()));

    Map<Integer, Long> bySrc = sum(filter(left, g -> g.protocol() == AttackVector.UDP && g.srcPort() >= 0),
        TrafficGroup::srcPort);
    bySrc.keySet().removeIf(p -> bySrc.get(p) * 100 < total * MIN_SHARE_PERCENT);
    List<Integer> reflected = ranked(bySrc);
    List<Integer> vectorProtocols = protocols;
    long fragmentPackets = 0;
    if (!reflected.isEmpty()) {
      vectorProtocols = List.of(AttackVector.UDP);
      long fragments = packets(filter(left, VectorExtraction::nonFirstFragments));
      if (fragments * 100 >= total * MIN_SHARE_PERCENT) fragmentPackets = fragments;
      left = filter(left, g -> g.protocol() == AttackVector.UDP && reflected.contains(g.srcPort()));
    }

    // A reflection's destination ports are the spoofed requests' source ports, the attacker's choice: its reflected
    // source port and answer lengths discriminate it, and a few of its destination ports would let the rest through.
    List<Integer> dstPorts = List.of();
    if (reflected.isEmpty() && vectorProtocols.stream().allMatch(p -> p == AttackVector.TCP || p == AttackVector.UDP)) {
      List<Integer> chosen = cover(sum(left, TrafficGroup::dstPort), packets(left));
      if (!chosen.isEmpty()) {
        dstPorts = chosen;
        left = filter(left, g -> chosen.contains(g.dstPort()));
      }
    }

    List<Integer> tcpReflected = vectorProtocols.equals(List.of(AttackVector.TCP)) && dstPorts.isEmpty()
        ? tcpReflectionPorts(left) : List.of();
    if (!tcpReflected.isEmpty()) left = filter(left, g -> tcpReflected.contains(g.srcPort()));
    List<Integer> sources = tcpReflected.isEmpty() ? reflected : tcpReflected;

    Integer flags = null;
    if (vectorProtocols.equals(List.of(AttackVector.TCP)) && sources.isEmpty()) {
      Map<Integer, Long> byFlags = sum(left, TrafficGroup::tcpFlags);
      List<Integer> ranked = ranked(byFlags);
      if (!ranked.isEmpty() && byFlags.get(ranked.get(0)) * 2 >= packets(left)) {
        int f = ranked.get(0);
        flags = f;
        left = filter(left, g -> g.tcpFlags() == f);
      }
    }

    Integer minLength = left.stream().map(TrafficGroup::minPacketLength).min(Integer::compare).orElse(null);
    Integer maxLength = left.stream().map(TrafficGroup::maxPacketLength).max(Integer::compare).orElse(null);
    return new AttackVector(vectorProtocols, dstPorts, sources, flags, minLength, maxLength,
        (double) (packets(left) + fragmentPackets) / total, fragmentPackets > 0);
  }

  /**
   * Whether {@code g} holds non-first fragments of UDP datagrams: a flow record of them shows ports 0 and 0 (they
   * carry no UDP header), so UDP to port 0 from a port that is no reflection port ({@link TrafficGroup#srcKey} -1).
   */
  static boolean nonFirstFragments(TrafficGroup g) {
    return g.protocol() == AttackVector.UDP && g.dstPort() == 0 && g.srcPort() < 0;
  }

  /**
   * The service ports a TCP reflection in {@code groups} comes from (see the class comment), or none: the heaviest
   * flags value must be an answer, and at most {@link #MAX_PORTS} well-known source ports carry
   * {@value #PORT_COVER_PERCENT}% of the packets.
   */
  private static List<Integer> tcpReflectionPorts(List<TrafficGroup> groups) {
    List<Integer> byFlags = ranked(sum(groups, TrafficGroup::tcpFlags));
    if (byFlags.isEmpty() || (byFlags.get(0) & (FlowspecRule.ACK | RST)) == 0) return List.of();
    return cover(sum(filter(groups, g -> g.srcPort() >= 0), TrafficGroup::srcPort), packets(groups));
  }

  /**
   * The fewest ports of {@code byPort}, heaviest first, whose packets make {@value #PORT_COVER_PERCENT}% of
   * {@code total}; none when that takes more than {@value #MAX_PORTS} (the ports are spread) or they never do.
   */
  private static List<Integer> cover(Map<Integer, Long> byPort, long total) {
    List<Integer> ports = ranked(byPort);
    long covered = 0;
    int n = 0;
    while (n < ports.size() && n < MAX_PORTS && covered * 100 < total * PORT_COVER_PERCENT) {
      covered += byPort.get(ports.get(n++));
    }
    return covered * 100 >= total * PORT_COVER_PERCENT ? List.copyOf(ports.subList(0, n)) : List.of();
  }

  private static List<Integer> heavy(Map<Integer, Long> byKey, long total) {
    List<Integer> ranked = ranked(byKey);
    List<Integer> heavy = ranked.stream().filter(k -> byKey.get(k) * 100 >= total * MIN_SHARE_PERCENT).toList();
    return heavy.isEmpty() ? ranked.subList(0, Math.min(1, ranked.size())) : heavy;
  }

  /** The keys, most packets first, ties by the smaller key. */
  private static List<Integer> ranked(Map<Integer, Long> byKey) {
    return byKey.keySet().stream()
        .sorted(Comparator.<Integer>comparingLong(byKey::get).reversed().thenComparing(Comparator.naturalOrder()))
        .toList();
  }

  private static Map<Integer, Long> sum(List<TrafficGroup> groups, ToIntFunction<TrafficGroup> key) {
    Map<Integer, Long> out = new TreeMap<>();
    for (TrafficGroup g : groups) out.merge(key.applyAsInt(g), g.packets(), Long::sum);
    return out;
  }

  private static List<TrafficGroup> filter(List<TrafficGroup> groups, Predicate<TrafficGroup> keep) {
    return groups.stream().filter(keep).toList();
  }

  private static long packets(List<TrafficGroup> groups) {
    return groups.stream().mapToLong(TrafficGroup::packets).sum();
  }
}
