package io.kaminari.tools.generate;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One attack to inject: what, when, against which IPv4 victim, how many flow records per second, from how many sources.
 *
 * <p>{@code port} is the attacked service port for {@link AttackKind#SYN_FLOOD}, the reflector's service port for
 * {@link AttackKind#UDP_REFLECTION} (one of {@link #REFLECTOR_PORTS}), and 0 for {@link AttackKind#PORT_SCAN}, whose
 * destination ports sweep 1..65535. Timing has millisecond precision, like NetFlow v9 timestamps.
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
 * </ul>
 */
public record AttackSpec(
    AttackKind kind, Instant start, Duration duration, String victim, double flowsPerSecond, int sources, int port) {

  /** Default reflector count per reflector service port (the keys are the ports UDP_REFLECTION accepts). */
  public static final Map<Integer, Integer> REFLECTOR_PORTS = Map.of(
      19, 439, 53, 30_551, 123, 1_288, 161, 1_000, 389, 3_000, 1900, 2_000, 11211, 500);

  /** Spoofed-source pool of the SYN flood fingerprint 39b684d5. */
  public static final int SYN_FLOOD_SOURCES = 66_610;

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
    Ipv4.parse(victim, "attack victim");
    if (!(flowsPerSecond > 0) || Double.isInfinite(flowsPerSecond)) {
      throw new IllegalArgumentException("attack flowsPerSecond must be positive and finite, got " + flowsPerSecond);
    }
    if (sources < 1) {
      throw new IllegalArgumentException("attack sources must be at least 1, got " + sources);
    }
    switch (kind) {
      case SYN_FLOOD -> {
        if (port < 1 || port > 65_535) {
          throw new IllegalArgumentException("SYN_FLOOD port (the attacked service) must be 1..65535, got " + port);
        }
      }
      case UDP_REFLECTION -> {
        if (!REFLECTOR_PORTS.containsKey(port)) {
          throw new IllegalArgumentException(
              "UDP_REFLECTION port must be a reflector service port " + REFLECTOR_PORTS.keySet() + ", got " + port);
        }
      }
      case PORT_SCAN -> {
        if (sources != 1 || port != 0) {
          throw new IllegalArgumentException(
              "PORT_SCAN has one source and sweeps all ports: sources must be 1 and port 0, got " + sources + " and " + port);
        }
      }
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

  /** The same attack with another source count. */
  public AttackSpec withSources(int sources) {
    return new AttackSpec(kind, start, duration, victim, flowsPerSecond, sources, port);
  }

  /** The same attack on another port (see the class comment for what the port means per kind). */
  public AttackSpec withPort(int port) {
    return new AttackSpec(kind, start, duration, victim, flowsPerSecond, sources, port);
  }

  /** The end of the attack, exclusive. */
  public Instant end() {
    return start.plus(duration);
  }

  /** The exact number of flow records the attack contributes: its rate times its duration, rounded. */
  public long totalFlows() {
    return Math.max(1, Math.round(flowsPerSecond * duration.toMillis() / 1000.0));
  }
}
