package io.kaminari.incidents;

import io.kaminari.common.Durations;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.IpPrefix;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The mitigations Kaminari proposes for an incident, their safety checks, and their text for a person to review: an
 * RTBH route per victim address with the BLACKHOLE community (RFC 7999, 65535:666, with NO_EXPORT 65535:65281 as it
 * asks), and a BGP Flowspec rule ({@link FlowspecRule}) matching the attack vector, each as an ExaBGP API command and a
 * GoBGP CLI line.
 *
 * <p>RTBH drops everything to an address, so it is proposed only for addresses: the victim itself when it is a /32
 * or /128, else the top destinations of the incident that carry at least {@value #MIN_DESTINATION_PERCENT}% of the
 * victim's packets; with none, no route is proposed and the text says why. The Flowspec rule matches those addresses
 * (or the victim prefix).
 *
 * <p>Safety ({@link #decide}): every proposal is measured against the flow records to its target, the address or prefix
 * it is for ({@link Exposure}), in the incident and in a reference period before it, which stands for the target's
 * benign traffic. A proposal that drops (an RTBH route, a {@code discard} rule) is refused when it would hit more than
 * {@link Options#maxBenignShare()} of the target's reference records: an RTBH route drops all of them, so it is
 * proposed only for an address that received (almost) nothing before the attack, unless the operator raises the
 * share. The target rather than the whole victim prefix is the measure because a rule for one address can cut that
 * address off while sparing the rest of the prefix. An RTBH route is refused for an address in
 * {@link Options#neverBlackhole()}. A refused proposal is printed with its reason and without its commands, so it
 * cannot be pasted by mistake. A {@code rate-limit} rule throttles rather than drops and is shown with its reference
 * share but not refused for it.
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
   * Where blackholed traffic goes, what the Flowspec rule does, and the safety limits.
   *
   * @param action {@code discard} or {@code rate-limit:N} (bytes per second)
   * @param maxBenignShare the largest share of the reference period's flow records a dropping proposal may hit
   * @param neverBlackhole prefixes never proposed for RTBH, in any spelling; kept in canonical text
   * @param reference the length of the reference period before the incident (only named in the text here)
   */
  public record Options(String nextHopV4, String nextHopV6, String action, Format format, double maxBenignShare,
      List<String> neverBlackhole, Duration reference) {
    public Options {
      Objects.requireNonNull(nextHopV4, "nextHopV4");
      Objects.requireNonNull(nextHopV6, "nextHopV6");
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(reference, "reference");
      if (!action.equals("discard") && !action.matches("rate-limit:\\d+")) {
        throw new IllegalArgumentException("action must be discard or rate-limit:N, got '" + action + "'");
      }
      if (!(maxBenignShare >= 0 && maxBenignShare <= 1)) {
        throw new IllegalArgumentException("maxBenignShare must be between 0 and 1, got " + maxBenignShare);
      }
      neverBlackhole = neverBlackhole.stream().map(Mitigations::prefix).toList();
    }

    /** The options the configuration sets ({@code mitigation.*}), printing {@code format}. */
    public static Options of(KaminariConfig config, Format format) {
      return new Options(config.get(Settings.MITIGATION_NEXT_HOP_V4), config.get(Settings.MITIGATION_NEXT_HOP_V6),
          config.get(Settings.MITIGATION_FLOWSPEC_ACTION), format, config.get(Settings.MITIGATION_MAX_BENIGN_SHARE),
          config.get(Settings.MITIGATION_NEVER_BLACKHOLE), config.get(Settings.MITIGATION_REFERENCE_PERIOD));
    }

    /** Whether the Flowspec action drops what it matches. */
    boolean discards() {
      return action.equals("discard");
    }
  }

  /** What a proposal is. */
  public enum Kind { RTBH, FLOWSPEC }

  /**
   * One proposed route or rule.
   *
   * @param target the host prefix of an RTBH route, or the destination of a Flowspec rule
   * @param rule the Flowspec rule; null for RTBH
   */
  public record Proposal(Kind kind, String target, FlowspecRule rule) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Whether a flow record with these fields may be hit (RTBH: any flow to the target). */
    public boolean mayHit(String dstIp, int protocol, int srcPort, int dstPort, int flags, int bytesPerPacket) {
      return kind == Kind.RTBH ? Victims.contains(target, dstIp)
          : rule.mayHit(dstIp, protocol, srcPort, dstPort, flags, bytesPerPacket);
    }
  }

  /**
   * The flow records to a proposal's target, and those it would hit: in the incident's windows, and in the reference
   * period before it (the target's benign traffic).
   */
  public record Exposure(long incidentFlows, long incidentHits, long referenceFlows, long referenceHits) {
    /** The share of the reference records hit; 0 when there were none. */
    public double referenceShare() {
      return referenceFlows == 0 ? 0 : (double) referenceHits / referenceFlows;
    }
  }

  /**
   * A proposal with its exposure and verdict.
   *
   * @param refusal why it is refused; null when it passed the safety checks
   */
  public record Decision(Proposal proposal, Exposure exposure, String refusal) {
    public boolean allowed() {
      return refusal == null;
    }
  }

  /** The proposals for {@code incident}: its RTBH routes, then its Flowspec rules (none without a vector). */
  public static List<Proposal> proposals(Incident incident) {
    List<Proposal> out = new ArrayList<>();
    List<String> hosts = hosts(incident);
    for (String host : hosts) out.add(new Proposal(Kind.RTBH, host, null));
    if (!incident.vector().protocols().isEmpty()) {
      for (String destination : hosts.isEmpty() ? List.of(incident.victim()) : hosts) {
        for (FlowspecRule r : flowspecRules(destination, incident.vector())) {
          out.add(new Proposal(Kind.FLOWSPEC, destination, r));
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * The Flowspec rules for {@code vector} (which has traffic) at {@code destination}: the vector's rule and, for a
   * reflection with fragments, the fragments' ({@link FlowspecRule#fragmentsOf}).
   */
  public static List<FlowspecRule> flowspecRules(String destination, AttackVector vector) {
    FlowspecRule rule = FlowspecRule.of(destination, vector);
    return vector.fragments() ? List.of(rule, FlowspecRule.fragmentsOf(destination)) : List.of(rule);
  }

  /** The safety verdict on each of {@code proposals}, whose exposures are {@code exposures} in the same order. */
  public static List<Decision> decide(List<Proposal> proposals, List<Exposure> exposures, Options options) {
    if (proposals.size() != exposures.size()) {
      throw new IllegalArgumentException(proposals.size() + " proposals but " + exposures.size() + " exposures");
    }
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < proposals.size(); i++) {
      Proposal p = proposals.get(i);
      Exposure e = exposures.get(i);
      String refusal = null;
      String listed = p.kind() == Kind.RTBH ? allowListed(p.target(), options.neverBlackhole()) : null;
      if (listed != null) {
        refusal = p.target() + " lies in " + listed + ", which mitigation.never-blackhole protects";
      } else if ((p.kind() == Kind.RTBH || options.discards()) && e.referenceShare() > options.maxBenignShare()) {
        refusal = String.format(Locale.ROOT, "it would drop %s of the flow records to %s in the %s before the"
            + " incident (%d of %d), more than mitigation.max-benign-share %s", percent(e.referenceShare()),
            p.target(), Durations.text(options.reference()), e.referenceHits(), e.referenceFlows(),
            percent(options.maxBenignShare()))
            // A rule throttles instead where it may not drop: say how to get it.
            + (p.kind() == Kind.FLOWSPEC ? "; as a rate limit (mitigation.flowspec-action=rate-limit:N) it is not"
                + " refused" : "");
      }
      out.add(new Decision(p, e, refusal));
    }
    return List.copyOf(out);
  }

  /** The text of {@code decisions} for {@code incident}, ending with a newline; {@code header} is its last line. */
  public static String render(Incident incident, List<Decision> decisions, Options options, String header) {
    IncidentSpan s = incident.span();
    AttackVector v = incident.vector();
    StringBuilder out = new StringBuilder();
    out.append("# Mitigation proposals for incident ").append(s.id()).append(" (").append(s.model()).append(" v")
        .append(incident.modelVersion()).append(", scope ").append(s.scope()).append(")\n");
    out.append("# victim ").append(s.victim()).append(", ").append(s.start()).append(" .. ")
        .append(s.end() == null ? "still open at " + s.lastUpdate() : s.end().toString())
        .append(String.format(Locale.ROOT, ", peak %.0f pps", incident.peakPps()))
        // The streaming scorer's incidents track no bytes: no "0 bps" for them.
        .append(incident.peakBps() > 0 ? String.format(Locale.ROOT, " / %.0f bps", incident.peakBps()) : "")
        .append(String.format(Locale.ROOT, ", %d anomalous windows%n", s.windows()));
    out.append("# vector: ").append(v.describe()).append('\n');
    out.append("# ").append(header).append('\n');

    List<Decision> routes = decisions.stream().filter(d -> d.proposal().kind() == Kind.RTBH).toList();
    out.append("\n# RTBH (RFC 7999): blackholes ALL traffic to the address, the attack's and everyone else's.\n");
    if (routes.isEmpty()) {
      out.append("# No RTBH route proposed: the victim ").append(s.victim())
          .append(" is a prefix and no single address in it carries ").append(MIN_DESTINATION_PERCENT)
          .append("% of its packets (top destinations: ")
          .append(incident.topDestinations().isEmpty() ? "none" : String.join(", ", incident.topDestinations()))
          .append("); blackholing the whole prefix would cut it off entirely.\n");
    } else if (!isHost(s.victim())) {
      out.append("# The victim ").append(s.victim()).append(" is a prefix: routes for its top destination(s) ")
          .append(String.join(", ", incident.topDestinations().stream()
              .filter(d -> routes.stream().anyMatch(r -> r.proposal().target()
                  .equals(Victims.hostPrefix(Shares.key(d))))).toList()))
          .append(".\n");
    }
    for (Decision d : routes) {
      line(out, d, options);
    }

    out.append("\n# Flowspec (RFC 8955): matches the attack vector only");
    List<Decision> rules = decisions.stream().filter(d -> d.proposal().kind() == Kind.FLOWSPEC).toList();
    if (rules.isEmpty()) {
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
    for (Decision d : rules) {
      line(out, d, options);
    }
    return out.toString();
  }

  /** The exposure line of {@code d}, then its commands, or its refusal instead. */
  private static void line(StringBuilder out, Decision d, Options options) {
    Exposure e = d.exposure();
    out.append(String.format(Locale.ROOT, "# %s: hits %d of its %d flow records in the incident, %d of %d (%s) in"
        + " the %s before it%n", d.proposal().target(), e.incidentHits(), e.incidentFlows(), e.referenceHits(),
        e.referenceFlows(), percent(e.referenceShare()), Durations.text(options.reference())));
    if (!d.allowed()) {
      out.append("# REFUSED: ").append(d.refusal()).append(".\n");
      return;
    }
    if (options.format() != Format.GOBGP) out.append("exabgp: ").append(exabgp(d.proposal(), options)).append('\n');
    if (options.format() != Format.EXABGP) out.append("gobgp:  ").append(gobgp(d.proposal(), options)).append('\n');
  }

  /**
   * {@code decisions} one line each, for a summary: the ExaBGP command of an allowed proposal, the reason of a refused
   * one ({@code kaminari mitigate} prints them in full).
   */
  public static List<String> brief(List<Decision> decisions, Options options) {
    List<String> commands = exabgpCommands(decisions, options);
    List<String> out = new ArrayList<>();
    int next = 0;
    for (Decision d : decisions) {
      String what = (d.proposal().kind() == Kind.RTBH ? "RTBH " : "Flowspec ") + d.proposal().target();
      out.add(d.allowed() ? commands.get(next++) : what + " REFUSED: " + d.refusal());
    }
    return List.copyOf(out);
  }

  /**
   * The ExaBGP API commands of the allowed {@code decisions}, one per line, as {@code mitigation.mode=announce} writes
   * them to ExaBGP's pipe.
   */
  public static List<String> exabgpCommands(List<Decision> decisions, Options options) {
    return decisions.stream().filter(Decision::allowed).map(d -> exabgp(d.proposal(), options)).toList();
  }

  /** The ExaBGP API command announcing {@code p}. */
  static String exabgp(Proposal p, Options options) {
    if (p.kind() == Kind.FLOWSPEC) return p.rule().exabgp(options.action());
    return "announce route " + p.target() + " next-hop " + nextHop(p.target(), options) + " community [" + BLACKHOLE
        + " " + NO_EXPORT + "]";
  }

  /** The GoBGP CLI line adding {@code p}. */
  static String gobgp(Proposal p, Options options) {
    return GobgpApi.commandLine(gobgpArgs(p, options));
  }

  /**
   * The {@code gobgp} arguments of the allowed {@code decisions}, one list per route, as {@code mitigation.mode=announce}
   * runs them against GoBGP's API.
   */
  public static List<List<String>> gobgpCommands(List<Decision> decisions, Options options) {
    return decisions.stream().filter(Decision::allowed).map(d -> gobgpArgs(d.proposal(), options)).toList();
  }

  /** The {@code gobgp} arguments adding {@code p}. */
  static List<String> gobgpArgs(Proposal p, Options options) {
    if (p.kind() == Kind.FLOWSPEC) return p.rule().gobgpArgs(options.action());
    return List.of("global", "rib", "-a", p.target().indexOf(':') >= 0 ? "ipv6" : "ipv4", "add", p.target(),
        "nexthop", nextHop(p.target(), options), "community", BLACKHOLE + "," + NO_EXPORT);
  }

  private static String nextHop(String host, Options options) {
    return host.indexOf(':') >= 0 ? options.nextHopV6() : options.nextHopV4();
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

  /** The prefix of {@code allowList} that holds {@code host} (a host prefix), or null. */
  private static String allowListed(String host, List<String> allowList) {
    String address = host.substring(0, host.lastIndexOf('/'));
    return allowList.stream().filter(p -> Victims.contains(p, address)).findFirst().orElse(null);
  }

  /** {@code p} ({@code 10.1.2.3/8}, {@code 2001:db8::/32}) in canonical text, or a clear error. */
  static String prefix(String p) {
    int slash = p.indexOf('/');
    boolean v6 = p.indexOf(':') >= 0;
    int length;
    try {
      length = slash < 0 ? -1 : Integer.parseInt(p.substring(slash + 1));
    } catch (NumberFormatException e) {
      length = -1;
    }
    if (length < 0 || length > (v6 ? 128 : 32)) {
      throw new IllegalArgumentException("mitigation.never-blackhole: '" + p + "' is not a prefix (address/length)");
    }
    try {
      return IpPrefix.of(p.substring(0, slash), v6 ? 32 : length, v6 ? length : 128);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("mitigation.never-blackhole: '" + p + "' is not a prefix: " + e.getMessage());
    }
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * share);
  }
}
