package io.kaminari.incidents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What an incident's traffic has in common: the protocols, destination ports, reflection source ports, TCP flags and
 * packet lengths that most of the victim's packets share, and that share. Its JSON form (in the streaming scorer's
 * incident states) names the fields in snake case.
 *
 * @param protocols IP protocol numbers, heaviest first
 * @param dstPorts destination ports, heaviest first; empty when the attack's destination ports are spread (any port)
 * @param reflectedSrcPorts well-known reflection source ports (53, 123, ...; TCP service ports such as 80 and 443 for
 *     a TCP reflection) the attack comes from; empty if none
 * @param tcpFlags the flags value most TCP packets carry (2 = SYN only), or null when none dominates
 * @param packetLengthMin the smallest bytes per packet among the matching flows; null without flows
 * @param packetLengthMax the largest
 * @param share the share of the victim's packets that match the vector
 * @param fragments whether a reflection's answers also arrive as non-first fragments, which carry no ports (their flow
 *     records show UDP from port 0 to port 0), with a heavy share of the packets: a source-port rule misses them, so
 *     they get a rule of their own ({@link FlowspecRule#fragmentsOf}); in JSON only when true
 */
@JsonPropertyOrder({"protocols", "dst_ports", "reflected_src_ports", "tcp_flags", "packet_length_min",
    "packet_length_max", "share", "fragments"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttackVector(
    @JsonProperty("protocols") List<Integer> protocols,
    @JsonProperty("dst_ports") List<Integer> dstPorts,
    @JsonProperty("reflected_src_ports") List<Integer> reflectedSrcPorts,
    @JsonProperty("tcp_flags") Integer tcpFlags,
    @JsonProperty("packet_length_min") Integer packetLengthMin,
    @JsonProperty("packet_length_max") Integer packetLengthMax,
    @JsonProperty("share") double share,
    @JsonProperty("fragments") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean fragments) {

  public static final int TCP = 6;
  public static final int UDP = 17;
  private static final String[] FLAG_NAMES = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};

  public AttackVector {
    protocols = protocols == null ? List.of() : List.copyOf(protocols);
    dstPorts = dstPorts == null ? List.of() : List.copyOf(dstPorts);
    reflectedSrcPorts = reflectedSrcPorts == null ? List.of() : List.copyOf(reflectedSrcPorts);
  }

  /** A vector without non-first fragments. */
  public AttackVector(List<Integer> protocols, List<Integer> dstPorts, List<Integer> reflectedSrcPorts,
      Integer tcpFlags, Integer packetLengthMin, Integer packetLengthMax, double share) {
    this(protocols, dstPorts, reflectedSrcPorts, tcpFlags, packetLengthMin, packetLengthMax, share, false);
  }

  /** No traffic at all. */
  public static AttackVector none() {
    return new AttackVector(List.of(), List.of(), List.of(), null, null, null, 0);
  }

  /**
   * Whether the vector is a reflection: UDP from well-known amplifier ports, or TCP answers (SYN-ACK, RST) from
   * well-known service ports.
   */
  public boolean reflection() {
    return !reflectedSrcPorts.isEmpty();
  }

  /**
   * The vector as one line, e.g. {@code tcp dst port 80 flags SYN, 40-60 bytes/packet (97% of packets)} or
   * {@code udp src port 53 (reflection) to any port, 1305-1500 bytes/packet (99% of packets)}; the lengths are the
   * answers' with ports (the first fragments), the share counts the non-first fragments too.
   */
  public String describe() {
    if (protocols.isEmpty()) return "no flows to the victim";
    List<String> parts = new ArrayList<>();
    parts.add(protocols.stream().map(AttackVector::protocolName).collect(Collectors.joining("+")));
    if (reflection()) {
      parts.add("src port " + join(reflectedSrcPorts) + " (reflection)" + (fragments ? " and its non-first fragments"
          : ""));
    }
    boolean ported = protocols.stream().allMatch(p -> p == TCP || p == UDP);
    if (ported) parts.add(dstPorts.isEmpty() ? "to any port" : "dst port " + join(dstPorts));
    if (tcpFlags != null) parts.add("flags " + flagNames(tcpFlags));
    String text = String.join(" ", parts);
    if (packetLengthMin != null) text += ", " + packetLengthMin + "-" + packetLengthMax + " bytes/packet";
    return text + String.format(Locale.ROOT, " (%d%% of packets)", Math.round(100 * share));
  }

  /** {@code tcp}, {@code udp}, {@code icmp}, {@code ipv6-icmp}, {@code gre}, or the number. */
  public static String protocolName(int protocol) {
    return switch (protocol) {
      case 1 -> "icmp";
      case TCP -> "tcp";
      case UDP -> "udp";
      case 47 -> "gre";
      case 58 -> "ipv6-icmp";
      default -> Integer.toString(protocol);
    };
  }

  /** The names of the flags set in {@code flags}, joined by "+" ({@code SYN+ACK}); {@code none} for 0. */
  public static String flagNames(int flags) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < FLAG_NAMES.length; bit++) {
      if ((flags & (1 << bit)) != 0) names.add(FLAG_NAMES[bit]);
    }
    return names.isEmpty() ? "none" : String.join("+", names);
  }

  private static String join(List<Integer> ports) {
    return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
  }
}
