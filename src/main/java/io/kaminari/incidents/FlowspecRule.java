package io.kaminari.incidents;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A BGP Flowspec rule (RFC 8955; RFC 8956 for IPv6) that matches an {@link AttackVector} at one destination, in the
 * two syntaxes Kaminari prints, and the flow records it would hit: what is printed is what is checked.
 *
 * <p>It matches the destination, the vector's protocol(s), its destination ports when they are few, its reflection
 * source ports, its TCP flags when one value dominates (all of its flags set, and ACK clear when the value has none:
 * a SYN-flood rule spares established connections), and its packet lengths for a UDP reflection or for a flood to
 * any port whose flags say nothing.
 *
 * <p>A router matches packets, a flow record summarises many: its flags are the OR of its packets' flags and its
 * length is their mean. {@link #mayHit} therefore errs towards a hit: a flow that may hold one matching packet counts.
 * In particular a TCP connection that sent a SYN may have its opening SYN dropped by a {@code syn&!ack} rule (and
 * cannot be established then), whatever flags its later packets carry, so it counts as hit; and so does a TCP flow
 * without flags, whose exporter did not report them.
 *
 * @param destination the destination prefix in canonical text ({@code 203.0.113.10/32})
 * @param protocols IP protocol numbers, at least one
 * @param srcPorts reflection source ports to match; empty for any
 * @param dstPorts destination ports to match; empty for any
 * @param tcpFlags flags a packet must carry (ACK clear too when the value has no ACK); null for any
 * @param lengthMin least packet length (bytes) to match; null for any length
 * @param lengthMax largest packet length; null exactly when {@code lengthMin} is
 * @param fragments whether the rule matches non-first fragments only (RFC 8955's fragment component, {@code IsF}: a
 *     fragment other than the first); such a rule has no ports, flags or lengths ({@link #fragmentsOf})
 */
public record FlowspecRule(String destination, List<Integer> protocols, List<Integer> srcPorts, List<Integer> dstPorts,
    Integer tcpFlags, Integer lengthMin, Integer lengthMax, boolean fragments) implements Serializable {
  private static final long serialVersionUID = 2L;
  static final int ACK = 16;

  public FlowspecRule {
    protocols = List.copyOf(protocols);
    srcPorts = List.copyOf(srcPorts);
    dstPorts = List.copyOf(dstPorts);
    if (protocols.isEmpty()) throw new IllegalArgumentException("a Flowspec rule needs a protocol");
    if ((lengthMin == null) != (lengthMax == null)) {
      throw new IllegalArgumentException("packet length needs both bounds or neither");
    }
    if (fragments && (!srcPorts.isEmpty() || !dstPorts.isEmpty() || tcpFlags != null || lengthMin != null)) {
      throw new IllegalArgumentException("a rule for non-first fragments cannot match ports, flags or lengths: they"
          + " carry no transport header");
    }
  }

  /** The rule for {@code vector} at {@code destination}; the vector must have traffic (a protocol). */
  public static FlowspecRule of(String destination, AttackVector vector) {
    // Lengths discriminate a UDP reflection (large answers) and a flood whose ports and flags say nothing; elsewhere
    // they would only narrow the rule below the attack's own spread. A TCP reflection's answers are SYN-ACKs and RSTs
    // of 40-60 bytes like any TCP control packet: its source ports discriminate it, its lengths do not.
    boolean udpReflection = vector.reflection() && vector.protocols().equals(List.of(AttackVector.UDP));
    boolean length = vector.packetLengthMin() != null
        && (udpReflection || (!vector.reflection() && vector.dstPorts().isEmpty() && vector.tcpFlags() == null));
    return new FlowspecRule(destination, vector.protocols(), vector.reflectedSrcPorts(), vector.dstPorts(),
        vector.tcpFlags(), length ? vector.packetLengthMin() : null, length ? vector.packetLengthMax() : null, false);
  }

  /**
   * The rule for the non-first fragments of a reflection's answers at {@code destination} ({@link
   * AttackVector#fragments}): UDP fragments other than the first. Flowspec ANDs a rule's components, so they cannot
   * join the source-port rule, which a router cannot apply to a packet without ports.
   */
  public static FlowspecRule fragmentsOf(String destination) {
    return new FlowspecRule(destination, List.of(AttackVector.UDP), List.of(), List.of(), null, null, null, true);
  }

  /**
   * Whether a flow record with these fields may hold a packet the rule matches (see the class comment).
   *
   * @param dstIp the destination address
   * @param flags the OR of the flow's TCP flags (0 for none or not TCP)
   * @param bytesPerPacket the flow's bytes divided by its packets
   */
  public boolean mayHit(String dstIp, int protocol, int srcPort, int dstPort, int flags, int bytesPerPacket) {
    if (!protocols.contains(protocol)) return false;
    // A record of non-first fragments shows ports 0 and 0; any other record holds packets with a transport header.
    if (fragments && (srcPort != 0 || dstPort != 0)) return false;
    if (!srcPorts.isEmpty() && !srcPorts.contains(srcPort)) return false;
    if (!dstPorts.isEmpty() && !dstPorts.contains(dstPort)) return false;
    // Every flag of the rule must be among the flow's. "ACK clear" is not checked: any flow may open with a packet
    // that has no ACK. A TCP flow without flags (0) is one whose exporter did not report them: it may hold anything.
    int required = tcpFlags == null ? 0 : tcpFlags;
    if (flags != 0 && (flags & required) != required) return false;
    if (lengthMin != null && (bytesPerPacket < lengthMin || bytesPerPacket > lengthMax)) return false;
    return Victims.contains(destination, dstIp);
  }

  /** The ExaBGP API command announcing the rule with {@code action} ({@code discard} or {@code rate-limit:N}). */
  public String exabgp(String action) {
    boolean v6 = destination.indexOf(':') >= 0;
    List<String> m = new ArrayList<>();
    m.add("destination " + destination + (v6 ? "/0" : ""));
    m.add((v6 ? "next-header " : "protocol ") + list(protocols.stream()
        .map(p -> "=" + AttackVector.protocolName(p)).toList()));
    if (!srcPorts.isEmpty()) m.add("source-port " + list(srcPorts.stream().map(p -> "=" + p).toList()));
    if (!dstPorts.isEmpty()) m.add("destination-port " + list(dstPorts.stream().map(p -> "=" + p).toList()));
    if (tcpFlags != null) m.add("tcp-flags " + flags(EXABGP_FLAGS, "!"));
    if (lengthMin != null) m.add("packet-length >=" + lengthMin + "&<=" + lengthMax);
    if (fragments) m.add("fragment is-fragment");
    return "announce flow route { match { " + m.stream().map(x -> x + ";").collect(Collectors.joining(" "))
        + " } then { " + then(action) + "; } }";
  }

  /** The GoBGP CLI line adding the rule with {@code action}: {@link #gobgpArgs}, quoted for a shell. */
  public String gobgp(String action) {
    return GobgpApi.commandLine(gobgpArgs(action));
  }

  /** The arguments of {@code gobgp} that add the rule with {@code action}, as {@link GobgpApi} runs them. */
  public List<String> gobgpArgs(String action) {
    boolean v6 = destination.indexOf(':') >= 0;
    List<String> a = new ArrayList<>(List.of("global", "rib", "-a", v6 ? "ipv6-flowspec" : "ipv4-flowspec", "add",
        "match", "destination", destination, "protocol"));
    protocols.forEach(p -> a.add(AttackVector.protocolName(p)));
    if (!srcPorts.isEmpty()) a.add("source-port");
    srcPorts.forEach(p -> a.add("==" + p));
    if (!dstPorts.isEmpty()) a.add("destination-port");
    dstPorts.forEach(p -> a.add("==" + p));
    if (tcpFlags != null) a.addAll(List.of("tcp-flags", flags(GOBGP_FLAGS, "!")));
    if (lengthMin != null) a.addAll(List.of("packet-length", ">=" + lengthMin + "&<=" + lengthMax));
    if (fragments) a.addAll(List.of("fragment", "is-fragment"));
    a.add("then");
    a.addAll(List.of(then(action).split(" ")));
    return List.copyOf(a);
  }

  private static String then(String action) {
    return action.equals("discard") ? "discard" : "rate-limit " + action.substring("rate-limit:".length());
  }

  private static final String[] EXABGP_FLAGS = {"fin", "syn", "rst", "push", "ack", "urgent", "ece", "cwr"};
  private static final String[] GOBGP_FLAGS = {"F", "S", "R", "P", "A", "U", "E", "C"};

  /** The flags set in {@link #tcpFlags}, each required, joined by {@code &}; with ACK clear when it has no ACK. */
  private String flags(String[] names, String not) {
    List<String> parts = new ArrayList<>();
    for (int bit = 0; bit < names.length; bit++) {
      if ((tcpFlags & (1 << bit)) != 0) parts.add(names[bit]);
    }
    if ((tcpFlags & ACK) == 0) parts.add(not + names[4]);
    return String.join("&", parts);
  }

  private static String list(List<String> items) {
    return items.size() == 1 ? items.get(0) : "[ " + String.join(" ", items) + " ]";
  }
}
