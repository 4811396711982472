package io.kaminari.tools.generate;

import java.util.SplittableRandom;

/**
 * The flow records of one attack, spread evenly over its duration (one per slot of duration / total flows, at a
 * random millisecond within the slot), each counted in the attack's {@link AttackTally}.
 *
 * <p>Shapes follow the DDoSDB fingerprints cited in {@link AttackSpec}: spoofed SYN floods send one SYN per source
 * port, sometimes retransmitted (1-3 packets of 40 or 60 bytes, fingerprint 39b684d5 used 41,757 source ports);
 * reflection sends responses to random victim ports (62,591 distinct ports in 072a16f4) with the service's typical
 * amplified size: DNS ANY ~1,450-byte fragments, NTP monlist 468-byte packets up to 100 per reply, memcached and CLDAP
 * ~1,400, chargen ~1,000, SNMP GetBulk ~1,300, SSDP ~320. A port scan is one SYN of 44 bytes (nmap's -sS probe) per
 * port from one fixed source port. The carpet kinds have the shape of their single-victim kind, with the k-th flow going
 * to destination {@code k mod victims}: each destination gets every victims-th slot, so its rate is the attack's rate
 * divided by the number of victims, evenly spaced, never a random clump.
 */
final class AttackTraffic {
  /** A multiplier coprime to 65535, so the scan visits every port 1..65535 once before repeating, in shuffled order. */
  private static final long SCAN_STRIDE = 7919;

  private final AttackSpec spec;
  private final AttackTally tally;
  private final SplittableRandom rng;
  private final int[] sources;
  private final int[] victims;
  private final int[] exporters;
  private final long total;
  private final long startMillis;
  private final long durationMillis;
  private final int packetBytes;
  private final int maxPackets;
  private final int scanSourcePort;
  private long next;

  AttackTraffic(AttackSpec spec, SplittableRandom rng) {
    this.spec = spec;
    this.tally = new AttackTally(spec);
    this.rng = rng;
    this.victims = spec.destinations().stream().mapToInt(v -> Ipv4.parse(v, "attack victim")).toArray();
    this.exporters = new int[victims.length];
    for (int i = 0; i < victims.length; i++) {
      exporters[i] = (victims[i] >>> 8) % PmacctWriter.EXPORTERS;
    }
    this.total = spec.totalFlows();
    this.startMillis = spec.start().toEpochMilli();
    this.durationMillis = spec.duration().toMillis();
    this.sources = new int[spec.sources()];
    for (int i = 0; i < sources.length; i++) {
      sources[i] = publicAddress();
    }
    this.scanSourcePort = 40_000 + rng.nextInt(20_000);
    int[] profile = switch (spec.kind()) {
      case SYN_FLOOD, CARPET_SYN_FLOOD -> new int[] {40, 3};
      case PORT_SCAN -> new int[] {44, 1};
      case UDP_REFLECTION, CARPET_REFLECTION -> switch (spec.port()) {
        case 19 -> new int[] {1_000, 10};
        case 53 -> new int[] {1_450, 8};
        case 123 -> new int[] {468, 100};
        case 161 -> new int[] {1_300, 10};
        case 389, 11211 -> new int[] {1_400, 10};
        case 1900 -> new int[] {320, 10};
        default -> throw new IllegalStateException("no reflection profile for port " + spec.port());
      };
      case PORT_SHIFT, REAL_CAPTURE -> throw new IllegalArgumentException(spec.kind() + " is not generated as flows");
    };
    this.packetBytes = profile[0];
    this.maxPackets = profile[1];
  }

  AttackTally tally() {
    return tally;
  }

  /** A random unicast address outside 0/8, 10/8, 127/8 and multicast/reserved space. */
  private int publicAddress() {
    while (true) {
      int a = rng.nextInt();
      int first = a >>> 24;
      if (first != 0 && first != 10 && first != 127 && first < 224) {
        return a;
      }
    }
  }

  private long slotStartMillis(long k) {
    return startMillis + (long) (k * (double) durationMillis / total);
  }

  /** Generates the attack's flows whose slots begin in {@code second}. */
  void generate(long second, ArrivalQueue queue) {
    long stepEnd = (second + 1) * 1000;
    while (next < total && slotStartMillis(next) < stepEnd) {
      long k = next++;
      long start = Math.min(startMillis + durationMillis - 1,
          startMillis + (long) ((k + rng.nextDouble()) * durationMillis / total));
      PendingFlow f = queue.obtain();
      f.srcText = null;
      f.dstText = null;
      int to = (int) (k % victims.length);
      f.dstV4 = victims[to];
      f.exporter = exporters[to];
      long flowMillis = 0;
      switch (spec.kind()) {
        case SYN_FLOOD, CARPET_SYN_FLOOD -> {
          f.srcV4 = sources[rng.nextInt(sources.length)];
          f.portSrc = 1024 + rng.nextInt(64_512);
          f.portDst = spec.port();
          f.proto = PendingFlow.TCP;
          f.tcpFlags = 2;
          f.packets = rng.nextInt(10) < 8 ? 1 : 2 + rng.nextInt(maxPackets - 1);
          f.bytes = f.packets * (packetBytes + (rng.nextBoolean() ? 0 : 20)); // bare header, or with TCP options
          flowMillis = f.packets == 1 ? 0 : f.packets == 2 ? 1000 : 3000;
        }
        case UDP_REFLECTION, CARPET_REFLECTION -> {
          f.srcV4 = sources[rng.nextInt(sources.length)];
          f.portSrc = spec.port();
          f.portDst = 1024 + rng.nextInt(64_512);
          f.proto = PendingFlow.UDP;
          f.tcpFlags = 0;
          f.packets = 1 + rng.nextInt(maxPackets);
          f.bytes = f.packets * Math.min(1500, packetBytes * (90 + rng.nextInt(21)) / 100);
          flowMillis = f.packets == 1 ? 0 : rng.nextInt((int) Math.min(10_000, f.packets * 200));
        }
        case PORT_SCAN -> {
          f.srcV4 = sources[0];
          f.portSrc = scanSourcePort;
          f.portDst = 1 + (int) (k * SCAN_STRIDE % 65_535);
          f.proto = PendingFlow.TCP;
          f.tcpFlags = 2;
          f.packets = 1;
          f.bytes = packetBytes;
        }
        case PORT_SHIFT, REAL_CAPTURE -> throw new IllegalStateException("unreachable: rejected by the constructor");
      }
      f.setTimes(start, flowMillis, rng);
      tally.count(f.startMicros);
      queue.add(f);
    }
  }
}
