package io.kaminari.tools.generate;

import java.util.SplittableRandom;

/**
 * One {@link AttackKind#PORT_SHIFT} while benign traffic is generated: which benign web sessions it moves, to which
 * port, and the tally of the records moved.
 *
 * <p>A session is moved when its service is one of {@link AttackSpec#PORT_SHIFT_FROM}, its server is an IPv4 address
 * in the spec's prefix, its request starts in [start, end - 1 s) (so that its reply, 1-80 ms later, is still inside the
 * attack) and fewer records than the spec's rate times the time elapsed have been moved so far. The decision uses no
 * random draw and the port is drawn from this attack's own stream, so the benign stream, and with it every address,
 * count, size and time, is the same as without the attack.
 */
final class PortShift {
  private final AttackSpec spec;
  private final AttackTally tally;
  private final SplittableRandom rng;
  private final Ipv4.Prefix servers;
  private final long startMillis;
  private final long lastStartMillis;
  private long moved;

  PortShift(AttackSpec spec, SplittableRandom rng) {
    if (spec.kind() != AttackKind.PORT_SHIFT) {
      throw new IllegalArgumentException("not a PORT_SHIFT: " + spec.kind());
    }
    this.spec = spec;
    this.tally = new AttackTally(spec);
    this.rng = rng;
    this.servers = Ipv4.parsePrefix(spec.victim(), "PORT_SHIFT victim");
    this.startMillis = spec.start().toEpochMilli();
    this.lastStartMillis = spec.end().toEpochMilli() - 1000;
  }

  AttackTally tally() {
    return tally;
  }

  /**
   * The port a session of {@code servicePort} to {@code serverV4} starting at {@code sessionStartMillis} moves to, or
   * -1 when it stays; {@code ipv6} sessions always stay.
   */
  int moveTo(int servicePort, boolean ipv6, int serverV4, long sessionStartMillis) {
    if (ipv6 || !AttackSpec.PORT_SHIFT_FROM.contains(servicePort) || !servers.contains(serverV4)
        || sessionStartMillis < startMillis || sessionStartMillis >= lastStartMillis) {
      return -1;
    }
    if (moved >= spec.flowsPerSecond() * (sessionStartMillis - startMillis) / 1000.0) {
      return -1;
    }
    return spec.port() + rng.nextInt(AttackSpec.PORT_SHIFT_FAMILY);
  }

  /** Counts one moved record. */
  void count(long startMicros) {
    tally.count(startMicros);
    moved++;
  }
}
