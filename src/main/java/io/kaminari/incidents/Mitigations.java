package io.kaminari.incidents;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Formats the mitigations an operator could apply to an incident, as text for a person to review: an RTBH route per
 * victim address with the BLACKHOLE community (RFC 7999, 65535:666, with NO_EXPORT 65535:65281 as it asks), and a BGP
 * Flowspec rule (RFC 8955; RFC 8956 for IPv6) matching the attack vector, each as an ExaBGP API command and a GoBGP CLI
 * line. Nothing is announced: the text says so.
 *
 * <p>RTBH drops everything to an address, so it is proposed only for addresses: the victim itself when it is a /32
 * or /128, else the top destinations of the incident that carry at least {@value #MIN_DESTINATION_PERCENT}% of the
 * victim's packets; with none, no route is proposed and the text says why. The Flowspec rule matches those addresses
 * (or the victim prefix), the vector's protocol(s), destination ports when they are few, reflection source ports, TCP
 * flags when one value dominates (a SYN flood: SYN set, ACK clear), and the packet lengths of a reflection or of a
 * flood to any port.
 */
public final class Mitigations {
  private Mitigations() {}

  static final int MIN_DESTINATION_PERCENT = 25;
  /** RFC 7999 BLACKHOLE, then NO_EXPORT (RFC 1997), which RFC 7999 asks blackhole routes to carry. */
  static final String BLACKHOLE = "65535:666";
  static final String NO_EXPORT = "65535:65281";

  /** Which syntax to print. */
  public enum Format {
    EXABGP, GOBGP, BOTH;

    /** {@code exabgp}, {@code gobgp} or {@code both}, with a clear error for anything else. */
    public static Format parse(String s) {
      for (Format f : values()) {
        if (f.name().equalsIgnoreCase(s)) return f;
      }
      throw new IllegalArgumentException("--format must be exabgp, gobgp or both, got '" + s + "'");
    }
  }

  /**
   * Where blackholed traffic goes and what the Flowspec rule does.
   *
   * @param action {@code discard} or {@code rate-limit:N} (bytes per second)
   */
  public record Options(String nextHopV4, String nextHopV6, String action, Format format) {
    public Options {
      Objects.requireNonNull(nextHopV4, "nextHopV4");
      Objects.requireNonNull(nextHopV6, "nextHopV6");
      Objects.requireNonNull(format, "format");
      if (!action.equals("discard") && !action.matches("rate-limit:\\d+")) {
        throw new IllegalArgumentException("action must be discard or rate-limit:N, got '" + action + "'");
      }
    }
  }

  /** The proposals for {@code incident}, as printable text ending with a newline. */
  public static String propose(Incident incident, Options options) {
    IncidentSpan s = incident.span();
    AttackVector v = incident.vector();
    StringBuilder out = new StringBuilder();
    out.append("# Mitigation proposals for incident ").append(s.id()).append(" (").append(s.model()).append(" v")
        .append(incident.modelVersion()).append(", scope ").append(s.scope()).append(")\n");
    out.append("# victim ").append(s.victim()).append(", ").append(s.start()).append(" .. ")
        .append(s.end() == null ? "still open at " + s.lastUpdate() : s.end().toString())
        .append(String.format(Locale.ROOT, ", peak %.0f pps / %.0f bps, %d anomalous windows%n", incident.peakPps(),
            incident.peakBps(), s.windows()));
    out.append("# vector: ").append(v.describe()).append('\n');
    out.append("# NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the"
        + " operator's decision.\n");

    List<String> hosts = hosts(incident);
    out.append("\n# RTBH (RFC 7999): blackholes ALL traffic to the address, the attack's and everyone else's.\n");
    if (hosts.isEmpty()) {
      out.append("# No RTBH route proposed: the victim ").append(s.victim())
          .append(" is a prefix and no single address in it carries ").append(MIN_DESTINATION_PERCENT)
          .append("% of its packets (top destinations: ")
          .append(incident.topDestinations().isEmpty() ? "none" : String.join(", ", incident.topDestinations()))
          .append("); blackholing the whole prefix would cut it off entirely.\n");
    } else {
      if (!isHost(s.victim())) {
        out.append("# The victim ").append(s.victim()).append(" is a prefix: routes for its top destination(s) ")
            .append(String.join(", ", incident.topDestinations().stream()
                .filter(d -> hosts.contains(Victims.hostPrefix(Shares.key(d)))).toList()))
            .append(".\n");
      }
      for (String host : hosts) {
        boolean v6 = host.indexOf(':') >= 0;
        String nextHop = v6 ? options.nextHopV6() : options.nextHopV4();
        if (options.format() != Format.GOBGP) {
          out.append("exabgp: announce route ").append(host).append(" next-hop ").append(nextHop)
              .append(" community [").append(BLACKHOLE).append(' ').append(NO_EXPORT).append("]\n");
        }
        if (options.format() != Format.EXABGP) {
          out.append("gobgp:  gobgp global rib -a ").append(v6 ? "ipv6" : "ipv4").append(" add ").append(host)
              .append(" nexthop ").append(nextHop).append(" community ").append(BLACKHOLE).append(',')
              .append(NO_EXPORT).append('\n');
        }
      }
    }

    out.append("\n# Flowspec (RFC 8955): matches the attack vector only");
    if (v.protocols().isEmpty()) {
      out.append(".\n# No Flowspec rule proposed: no flows to the victim in the incident's windows, so no vector to"
          + " match.\n");
      return out.toString();
    }
    out.append(String.format(Locale.ROOT, ", %d%% of the victim's packets in the incident.%n",
        Math.round(100 * v.share())));
    if (v.dstPorts().isEmpty() && !v.reflection()) {
      out.append("# Caution: the attack's destination ports are spread, so the rule matches every port of the"
          + " destination for this protocol.\n");
    }
    for (String destination : hosts.isEmpty() ? List.of(s.victim()) : hosts) {
      if (options.format() != Format.GOBGP) {
        out.append("exabgp: ").append(exabgpFlow(destination, v, options)).append('\n');
      }
      if (options.format() != Format.EXABGP) {
        out.append("gobgp:  ").append(gobgpFlow(destination, v, options)).append('\n');
      }
    }
    return out.toString();
  }

  /** The host prefixes to blackhole: the victim if it is one, else its heavy top destinations. */
  static List<String> hosts(Incident incident) {
    String victim = incident.victim();
    if (isHost(victim)) return List.of(victim);
    List<String> out = new ArrayList<>();
    for (String d : incident.topDestinations()) {
      if (Shares.share(d) * 100 >= MIN_DESTINATION_PERCENT) out.add(Victims.hostPrefix(Shares.key(d)));
    }
    return out;
  }

  private static boolean isHost(String prefix) {
    return prefix.endsWith(prefix.indexOf(':') >= 0 ? "/128" : "/32");
  }

  /** Whether the rule should match packet lengths: a reflection, or a flood whose ports and flags say nothing. */
  private static boolean matchLength(AttackVector v) {
    return v.packetLengthMin() != null && (v.reflection() || (v.dstPorts().isEmpty() && v.tcpFlags() == null));
  }

  static String exabgpFlow(String destination, AttackVector v, Options o) {
    boolean v6 = destination.indexOf(':') >= 0;
    List<String> m = new ArrayList<>();
    m.add("destination " + destination + (v6 ? "/0" : ""));
    m.add((v6 ? "next-header " : "protocol ") + list(v.protocols().stream()
        .map(p -> "=" + AttackVector.protocolName(p)).toList()));
    if (v.reflection()) m.add("source-port " + list(v.reflectedSrcPorts().stream().map(p -> "=" + p).toList()));
    if (!v.dstPorts().isEmpty()) m.add("destination-port " + list(v.dstPorts().stream().map(p -> "=" + p).toList()));
    if (v.tcpFlags() != null) m.add("tcp-flags " + flags(v.tcpFlags(), EXABGP_FLAGS, "&", "!"));
    if (matchLength(v)) m.add("packet-length >=" + v.packetLengthMin() + "&<=" + v.packetLengthMax());
    String then = o.action().equals("discard") ? "discard"
        : "rate-limit " + o.action().substring("rate-limit:".length());
    return "announce flow route { match { " + m.stream().map(x -> x + ";").collect(Collectors.joining(" "))
        + " } then { " + then + "; } }";
  }

  static String gobgpFlow(String destination, AttackVector v, Options o) {
    boolean v6 = destination.indexOf(':') >= 0;
    StringBuilder b = new StringBuilder("gobgp global rib -a ").append(v6 ? "ipv6-flowspec" : "ipv4-flowspec")
        .append(" add match destination ").append(destination);
    b.append(" protocol ").append(v.protocols().stream().map(AttackVector::protocolName)
        .collect(Collectors.joining(" ")));
    if (v.reflection()) b.append(" source-port ").append(items(v.reflectedSrcPorts()));
    if (!v.dstPorts().isEmpty()) b.append(" destination-port ").append(items(v.dstPorts()));
    if (v.tcpFlags() != null) b.append(" tcp-flags '").append(flags(v.tcpFlags(), GOBGP_FLAGS, "&", "!")).append('\'');
    if (matchLength(v)) {
      b.append(" packet-length '>=").append(v.packetLengthMin()).append("&<=").append(v.packetLengthMax()).append('\'');
    }
    b.append(" then ").append(o.action().equals("discard") ? "discard"
        : "rate-limit " + o.action().substring("rate-limit:".length()));
    return b.toString();
  }

  private static final String[] EXABGP_FLAGS = {"fin", "syn", "rst", "push", "ack", "urgent", "ece", "cwr"};
  private static final String[] GOBGP_FLAGS = {"F", "S", "R", "P", "A", "U", "E", "C"};
  private static final int ACK = 16;

  /**
   * The flags set in {@code flags}, each required, joined by {@code and}; with ACK clear required too when the value
   * has no ACK (so a SYN-flood rule spares established connections' SYN+ACK and ACK traffic).
   */
  static String flags(int flags, String[] names, String and, String not) {
    List<String> parts = new ArrayList<>();
    for (int bit = 0; bit < names.length; bit++) {
      if ((flags & (1 << bit)) != 0) parts.add(names[bit]);
    }
    if ((flags & ACK) == 0) parts.add(not + names[4]);
    return String.join(and, parts);
  }

  private static String list(List<String> items) {
    return items.size() == 1 ? items.get(0) : "[ " + String.join(" ", items) + " ]";
  }

  private static String items(List<Integer> ports) {
    return ports.stream().map(p -> "'==" + p + "'").collect(Collectors.joining(" "));
  }
}
