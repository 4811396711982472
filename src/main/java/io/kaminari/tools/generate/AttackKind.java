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
  PORT_SCAN,
  /**
   * Carpet bombing with spoofed SYNs: the {@link #SYN_FLOOD} shape, its flows dealt in turn to many destinations of
   * one prefix, so that each destination sees a small share of the attack.
   */
  CARPET_SYN_FLOOD,
  /** Carpet bombing by reflection: the {@link #UDP_REFLECTION} shape, dealt in turn to many destinations of a prefix. */
  CARPET_REFLECTION,
  /**
   * A shift in port mix at constant volume: benign web sessions (TCP 80 and 443) to servers of a prefix are reported
   * on a quiet port family instead, record for record, so every volume (per window, per destination, per source) is
   * exactly that of the same traffic without the attack; see {@link AttackSpec#portShift}.
   */
  PORT_SHIFT,
  /**
   * The flow records of a real attack capture replayed at a known time ({@link CaptureMix}); never generated, so no
   * {@link AttackSpec} has this kind. It names those records in labels.
   */
  REAL_CAPTURE
}
