package io.kaminari.tools.generate;

/**
 * The attacks the generator can inject, each with the flow shape a NetFlow exporter would report for it.
 *
 * <p>Parameters come from DDoSDB fingerprints (github.com/boschma2702/ddosdbRuleGenerator, json_files/, 2018 snapshot);
 * {@link AttackSpec} names the fingerprint behind each default.
 */
public enum AttackKind {
  /** Spoofed TCP SYNs: many random sources and source ports, one victim, one service port, flags "2". */
  SYN_FLOOD,
  /** Amplified UDP replies: source port fixed to the reflector's service, many reflectors, one victim, big packets. */
  UDP_REFLECTION,
  /** One scanner probing many destination ports of one victim, one SYN packet each. */
  PORT_SCAN
}
