package io.kaminari.tools.generate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One attack to inject: what, when, against which IPv4 victim (or victims), how many flow records per second, from how
 * many sources.
 *
 * <p>{@code port} is the attacked service port for {@link AttackKind#SYN_FLOOD}, the reflector's service port for
 * {@link AttackKind#UDP_REFLECTION} (one of {@link #REFLECTOR_PORTS}), and 0 for {@link AttackKind#PORT_SCAN}, whose
 * destination ports sweep 1..65535. Timing has millisecond precision, like NetFlow v9 timestamps.
 *
 * <p>{@code victim} is one address, except for the kinds that hit many: the carpet kinds
 * ({@link AttackKind#CARPET_SYN_FLOOD}, {@link AttackKind#CARPET_REFLECTION}) take a prefix, {@code 10.4.8.0/22}, and
 * deal their flows in turn to {@code victims} of its host addresses, spread evenly over it ({@link #destinations()});
 * {@link AttackKind#PORT_SHIFT} takes the prefix of the servers whose web sessions it moves. {@code victims} is 1 for
 * every other kind.
 *
 * <p>The factories take their defaults from DDoSDB fingerprints (see {@link AttackKind}):
 * <ul>
 *   <li>SYN flood: 66,610 spoofed sources with 41,757 source ports on port 80 in 33 s
 *       ({@code 39b684d5e448abcece02cdf29dde6cda}); 13,452 sources on one port in 102 s ({@code c606c18a...}).
 *   <li>DNS reflection: 30,551 reflectors from port 53 to 62,591 victim ports in 267 s ({@code 072a16f4...});
 *       25,027 reflectors in 744 s ({@code e6ee78d4...}).
 *   <li>NTP reflection: 1,288 reflectors from port 123 in 1,304 s ({@code 7bf0c3f9...}).
 *   <li>Chargen reflection: 439 reflectors from port 19 in 263 s ({@code dd2696c9...}).
 *   <li>SNMP, CLDAP, SSDP, memcached have no fingerprint in the snapshot; their reflector counts are assumptions.
 *   <li>Carpet bombing has no fingerprint either (DDoSDB fingerprints one victim each). Its shape follows the vendors'
 *       descriptions: the usual reflection vectors (DNS, NTP, CLDAP, memcached) or TCP SYN/reflection, spread over a
 *       customer prefix so that no single destination crosses a per-host threshold (NETSCOUT, "Carpet Bombing
 *       Protection", netscout.com/solutions/carpet-bombing-protection; FastNetMon, "Rise of carpet bombing DDoS
 *       attacks", 2023-10-24).
 * </ul>
 */
public record AttackSpec(
    AttackKind kind, Instant start, Duration duration, String victim, double flowsPerSecond, int sources, int port,
    int victims) {

  /** Default reflector count per reflector service port (the keys are the ports UDP_REFLECTION accepts). */
  public static final Map<Integer, Integer> REFLECTOR_PORTS = Map.of(
      19, 439, 53, 30_551, 123, 1_288, 161, 1_000, 389, 3_000, 1900, 2_000, 11211, 500);

  /** Spoofed-source pool of the SYN flood fingerprint 39b684d5. */
  public static final int SYN_FLOOD_SOURCES = 66_610;

  /** The benign service ports a {@link AttackKind#PORT_SHIFT} moves sessions away from: the web. */
  public static final Set<Integer> PORT_SHIFT_FROM = Set.of(80, 443);

  /** How many consecutive ports, from the spec's {@code port}, a {@link AttackKind#PORT_SHIFT} moves sessions to. */
  public static final int PORT_SHIFT_FAMILY = 16;

  /** The widest prefix a carpet may take (its hosts are listed, so at most a /16). */
  public static final int CARPET_MIN_PREFIX_LENGTH = 16;

  /** A single-victim attack (or one whose kind ignores the count): {@code victims} is 1. */
  public AttackSpec(
      AttackKind kind, Instant start, Duration duration, String victim, double flowsPerSecond, int sources, int port) {
    this(kind, start, duration, victim, flowsPerSecond, sources, port, 1);
  }

  public AttackSpec {
    Objects.requireNonNull(kind, "attack kind must not be null");
    Objects.requireNonNull(start, "attack start must not be null");
    Objects.requireNonNull(duration, "attack duration must not be null");
    Objects.requireNonNull(victim, "attack victim must not be null");
    if (start.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("attack start must be whole milliseconds, got " + start);
    }
    if (duration.isNegative() || duration.isZero() || duration.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("attack duration must be positive whole milliseconds, got " + duration);
    }
    if (!(flowsPerSecond > 0) || Double.isInfinite(flowsPerSecond)) {
      throw new IllegalArgumentException("attack flowsPerSecond must be positive and finite, got " + flowsPerSecond);
    }
    if (sources < 1) {
      throw new IllegalArgumentException("attack sources must be at least 1, got " + sources);
    }
    switch (kind) {
      case SYN_FLOOD, UDP_REFLECTION, PORT_SCAN -> {
        Ipv4.parse(victim, "attack victim");
        if (victims != 1) {
          throw new IllegalArgumentException(kind + " has one victim: victims must be 1, got " + victims);
        }
      }
      case CARPET_SYN_FLOOD, CARPET_REFLECTION -> {
        Ipv4.Prefix prefix = Ipv4.parsePrefix(victim, kind + " victim");
        if (prefix.length() < CARPET_MIN_PREFIX_LENGTH) {
          throw new IllegalArgumentException(kind + " victim prefix must be a /" + CARPET_MIN_PREFIX_LENGTH
              + " or narrower, got " + victim);
        }
        int hosts = prefix.hosts().length;
        if (victims < 2 || victims > hosts) {
          throw new IllegalArgumentException(kind + " victims must be 2.." + hosts + " (the host addresses of "
              + victim + "), got " + victims);
        }
      }
      case PORT_SHIFT -> {
        Ipv4.parsePrefix(victim, "PORT_SHIFT victim (the servers' prefix)");
        if (sources != 1 || victims != 1) {
          throw new IllegalArgumentException("PORT_SHIFT moves benign sessions, it has no sources or victims of its own:"
              + " sources and victims must be 1, got " + sources + " and " + victims);
        }
      }
      case REAL_CAPTURE -> throw new IllegalArgumentException(
          "REAL_CAPTURE records come from a capture (CaptureMix), the generator cannot make them");
    }
    switch (kind) {
      case SYN_FLOOD, CARPET_SYN_FLOOD -> {
        if (port < 1 || port > 65_535) {
          throw new IllegalArgumentException(kind + " port (the attacked service) must be 1..65535, got " + port);
        }
      }
      case UDP_REFLECTION, CARPET_REFLECTION -> {
        if (!REFLECTOR_PORTS.containsKey(port)) {
          throw new IllegalArgumentException(
              kind + " port must be a reflector service port " + REFLECTOR_PORTS.keySet() + ", got " + port);
        }
      }
      case PORT_SCAN -> {
        if (sources != 1 || port != 0) {
          throw new IllegalArgumentException(
              "PORT_SCAN has one source and sweeps all ports: sources must be 1 and port 0, got " + sources + " and " + port);
        }
      }
      case PORT_SHIFT -> {
        if (port < 1 || port > 65_536 - PORT_SHIFT_FAMILY) {
          throw new IllegalArgumentException("PORT_SHIFT port (the first of the " + PORT_SHIFT_FAMILY
              + " ports the sessions move to) must be 1.." + (65_536 - PORT_SHIFT_FAMILY) + ", got " + port);
        }
      }
      case REAL_CAPTURE -> { }
    }
  }

  /** A SYN flood on port 80 from the 66,610-source spoof pool of fingerprint 39b684d5. */
  public static AttackSpec synFlood(Instant start, Duration duration, String victim, double flowsPerSecond) {
    return new AttackSpec(AttackKind.SYN_FLOOD, start, duration, victim, flowsPerSecond, SYN_FLOOD_SOURCES, 80);
  }

  /** A reflection attack from {@code reflectorPort} with that service's default reflector count. */
  public static AttackSpec udpReflection(
      Instant start, Duration duration, String victim, int reflectorPort, double flowsPerSecond) {
    Integer sources = REFLECTOR_PORTS.get(reflectorPort);
    if (sources == null) {
      throw new IllegalArgumentException(
          "UDP_REFLECTION port must be a reflector service port " + REFLECTOR_PORTS.keySet() + ", got " + reflectorPort);
    }
    return new AttackSpec(AttackKind.UDP_REFLECTION, start, duration, victim, flowsPerSecond, sources, reflectorPort);
  }

  /** A SYN port scan probing {@code portsPerSecond} ports of the victim. */
  public static AttackSpec portScan(Instant start, Duration duration, String victim, double portsPerSecond) {
    return new AttackSpec(AttackKind.PORT_SCAN, start, duration, victim, portsPerSecond, 1, 0);
  }

  /**
   * Carpet bombing with spoofed SYNs to {@code port} of {@code victims} hosts of {@code prefix}, from the spoof pool of
   * fingerprint 39b684d5; each host receives one flow in {@code victims}.
   */
  public static AttackSpec carpetSynFlood(
      Instant start, Duration duration, String prefix, int victims, int port, double flowsPerSecond) {
    return new AttackSpec(AttackKind.CARPET_SYN_FLOOD, start, duration, prefix, flowsPerSecond, SYN_FLOOD_SOURCES, port,
        victims);
  }

  /**
   * Carpet bombing by reflection from {@code reflectorPort} (that service's default reflector count) on
   * {@code victims} hosts of {@code prefix}; each host receives one flow in {@code victims}.
   */
  public static AttackSpec carpetReflection(
      Instant start, Duration duration, String prefix, int victims, int reflectorPort, double flowsPerSecond) {
    Integer sources = REFLECTOR_PORTS.get(reflectorPort);
    if (sources == null) {
      throw new IllegalArgumentException("CARPET_REFLECTION port must be a reflector service port "
          + REFLECTOR_PORTS.keySet() + ", got " + reflectorPort);
    }
    return new AttackSpec(AttackKind.CARPET_REFLECTION, start, duration, prefix, flowsPerSecond, sources, reflectorPort,
        victims);
  }

  /**
   * A port-mix shift: during the attack, benign web sessions (TCP {@link #PORT_SHIFT_FROM}) to servers in
   * {@code serverPrefix} are reported on one of the {@link #PORT_SHIFT_FAMILY} ports from {@code toPort} instead (the
   * request's destination port and the reply's source port), as long as fewer than {@code recordsPerSecond} times the
   * elapsed time have been moved. Addresses, client ports, packets, bytes and times stay those of the benign session,
   * so every volume is unchanged; when the benign traffic holds fewer web records than asked, fewer are moved (the
   * tally says how many).
   *
   * <p>What it stands for: an application-layer flood on a port the network rarely carries, whose volume is offset by
   * the legitimate web traffic it crowds out (a saturated service), reduced to its one signal, the port mix.
   */
  public static AttackSpec portShift(
      Instant start, Duration duration, String serverPrefix, int toPort, double recordsPerSecond) {
    return new AttackSpec(AttackKind.PORT_SHIFT, start, duration, serverPrefix, recordsPerSecond, 1, toPort);
  }

  /** The same attack with another source count. */
  public AttackSpec withSources(int sources) {
    return new AttackSpec(kind, start, duration, victim, flowsPerSecond, sources, port, victims);
  }

  /** The same attack on another port (see the class comment for what the port means per kind). */
  public AttackSpec withPort(int port) {
    return new AttackSpec(kind, start, duration, victim, flowsPerSecond, sources, port, victims);
  }

  /** The end of the attack, exclusive. */
  public Instant end() {
    return start.plus(duration);
  }

  /**
   * The exact number of flow records the attack contributes: its rate times its duration, rounded. For a
   * {@link AttackKind#PORT_SHIFT}, the most it moves.
   */
  public long totalFlows() {
    return Math.max(1, Math.round(flowsPerSecond * duration.toMillis() / 1000.0));
  }

  /**
   * The destination addresses: the victim, or for the carpet kinds {@code victims} host addresses (neither .0 nor
   * .255) taken evenly across the prefix, the i-th being host {@code floor(i * hosts / victims)}. Not defined for
   * {@link AttackKind#PORT_SHIFT}, whose destinations are the benign sessions'.
   */
  public List<String> destinations() {
    return switch (kind) {
      case SYN_FLOOD, UDP_REFLECTION, PORT_SCAN -> List.of(victim);
      case CARPET_SYN_FLOOD, CARPET_REFLECTION -> {
        int[] hosts = Ipv4.parsePrefix(victim, "victim").hosts();
        List<String> out = new ArrayList<>(victims);
        for (int i = 0; i < victims; i++) {
          out.add(Ipv4.format(hosts[(int) ((long) i * hosts.length / victims)]));
        }
        yield List.copyOf(out);
      }
      case PORT_SHIFT, REAL_CAPTURE -> throw new IllegalStateException(kind + " has no destinations of its own");
    };
  }
}
