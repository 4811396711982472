package io.kaminari.tools.generate;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Benign client/server sessions, each reported as a request record and usually a reply record, at a per-second count
 * that follows a residential ISP's diurnal curve.
 *
 * <p>Clients live in 10.1-4.0.0/16 (and 2001:db8:1-4::/48), servers in eight /24s (and 2001:db8:ff00-ff07::/48);
 * about 5% of sessions are IPv6. Replies come from the service port to the client's ephemeral port, which is what
 * puts 80, 443, 53, 25 among the top source ports as well as the top destination ports. The fixed-port applications
 * (game consoles, VoIP, P2P) reproduce the remaining top source ports of the seed talk (4010, 4610, 3379, 1024, ...).
 *
 * <p>A {@link PortShift} may report a web session on another port; it changes nothing else, and draws nothing from
 * this stream.
 */
final class BenignTraffic {
  /** Share of sessions on IPv6, in percent. */
  private static final int IPV6_PERCENT = 5;
  private static final int FIN = 1;
  private static final int SYN_ONLY = 2;
  private static final int RST_ACK = 20;

  /**
   * One kind of session. {@code portIsSource} marks the fixed-port applications, whose well-known port is on the
   * requesting side; {@code replyPercent} is how often the other side answers within the same export.
   */
  private record Service(int port, byte[] proto, int weight, boolean portIsSource, int replyPercent,
      double requestPackets, int requestPacketBytes, double replyPackets, int replyPacketBytes, double meanMillis) {}

  private static final Service[] SERVICES = {
      tcp(443, 330, 12, 90, 18, 1100, 4000),
      tcp(80, 150, 8, 110, 14, 1200, 3000),
      udp(53, 170, false, 95, 1.1, 70, 1.1, 160, 40),
      udp(123, 15, false, 90, 1, 76, 1, 76, 20),
      tcp(25, 25, 20, 600, 15, 70, 6000),
      tcp(587, 8, 20, 600, 15, 70, 6000),
      tcp(993, 15, 10, 150, 12, 700, 20_000),
      tcp(110, 5, 8, 60, 10, 600, 3000),
      tcp(22, 15, 40, 120, 40, 150, 30_000),
      tcp(3389, 8, 200, 150, 250, 900, 45_000),
      tcp(8080, 25, 8, 110, 14, 1200, 3000),
      tcp(8888, 10, 8, 110, 14, 1200, 3000),
      tcp(3306, 8, 10, 120, 10, 500, 1000),
      tcp(1433, 5, 10, 120, 10, 500, 1000),
      tcp(21, 5, 10, 70, 10, 90, 8000),
      new Service(0, PendingFlow.ICMP, 25, false, 90, 2, 84, 2, 84, 2000),
      udp(4010, 30, true, 30, 20, 180, 20, 180, 20_000),
      udp(4610, 12, true, 30, 20, 180, 20, 180, 20_000),
      udp(3379, 10, true, 30, 15, 200, 15, 200, 15_000),
      udp(1024, 10, true, 30, 10, 300, 10, 300, 10_000),
      udp(15000, 8, true, 30, 10, 160, 10, 160, 10_000),
      udp(3074, 12, true, 30, 25, 120, 25, 120, 30_000),
      udp(49186, 5, true, 30, 10, 200, 10, 200, 10_000),
      udp(7779, 5, true, 30, 10, 200, 10, 200, 10_000),
      udp(51216, 4, true, 30, 10, 200, 10, 200, 10_000),
      udp(55362, 4, true, 30, 10, 200, 10, 200, 10_000),
  };

  /** TCP flags of a request record: mostly complete short connections (27), some cut by a timeout or mid-stream. */
  private static final int[][] REQUEST_FLAGS = {{27, 60}, {26, 10}, {24, 12}, {16, 5}, {19, 4}, {2, 3}, {31, 3}, {30, 3}};
  private static final int[][] REPLY_FLAGS = {{27, 58}, {26, 10}, {24, 12}, {16, 6}, {19, 4}, {18, 3}, {20, 3}, {31, 4}};

  /**
   * Relative flows per hour of the day (UTC), interpolated linearly: trough around 05:00, peak around 21:00, the shape
   * of residential broadband traffic.
   */
  private static final double[] HOURLY = {
      0.55, 0.42, 0.32, 0.25, 0.21, 0.20, 0.24, 0.33, 0.45, 0.55, 0.60, 0.63,
      0.66, 0.66, 0.66, 0.68, 0.72, 0.78, 0.85, 0.93, 0.98, 1.00, 0.92, 0.75};

  private static final int CLIENT_PREFIXES = 4;
  private static final int[] SERVER_PREFIXES = {
      0xC6336400, 0xCB007100, 0xC0000200, 0xC6120100, 0xC6120200, 0xC6120300, 0xC6120400, 0xC6120500};

  /**
   * The IPv4 address of benign server {@code j}, in server prefix {@code j mod 8}; it carries benign traffic when
   * {@code j < serverCount(benignHosts)}.
   */
  static String serverAddress(int j) {
    return Ipv4.format(SERVER_PREFIXES[j % SERVER_PREFIXES.length] | (j / SERVER_PREFIXES.length + 1));
  }

  /** How many benign servers there are for {@code benignHosts} client hosts. */
  static int serverCount(int benignHosts) {
    return Math.max(SERVER_PREFIXES.length * 2, Math.min(benignHosts / 20, SERVER_PREFIXES.length * 254));
  }

  private static Service tcp(int port, int weight, double reqPackets, int reqBytes, double replyPackets, int replyBytes,
      double meanMillis) {
    return new Service(port, PendingFlow.TCP, weight, false, 97, reqPackets, reqBytes, replyPackets, replyBytes,
        meanMillis);
  }

  private static Service udp(int port, int weight, boolean portIsSource, int replyPercent, double reqPackets,
      int reqBytes, double replyPackets, int replyBytes, double meanMillis) {
    return new Service(port, PendingFlow.UDP, weight, portIsSource, replyPercent, reqPackets, reqBytes, replyPackets,
        replyBytes, meanMillis);
  }

  private final SplittableRandom rng;
  private final long totalFlows;
  private final double totalWeight;
  private final byte[][] clientV4;
  private final byte[][] clientV6;
  private final byte[][] serverV4;
  private final int[] serverV4Int;
  private final byte[][] serverV6;
  private final List<PortShift> shifts;
  private final byte[] serviceByDraw;
  private final int[] requestFlagsByDraw = table(REQUEST_FLAGS);
  private final int[] replyFlagsByDraw = table(REPLY_FLAGS);
  private double cumulativeWeight;
  private long generated;

  BenignTraffic(GeneratorConfig config, SplittableRandom rng, List<PortShift> shifts) {
    this.rng = rng;
    this.shifts = List.copyOf(shifts);
    this.totalFlows = config.benignFlows();
    long first = config.start().getEpochSecond();
    long end = config.end().getEpochSecond();
    double total = 0;
    for (long s = first; s < end; s++) {
      total += weight(s);
    }
    this.totalWeight = total;
    int clients = config.benignHosts();
    clientV4 = new byte[clients][];
    clientV6 = new byte[clients][];
    for (int i = 0; i < clients; i++) {
      int prefix = i % CLIENT_PREFIXES;
      int host = i / CLIENT_PREFIXES;
      clientV4[i] = AsciiBuffer.ascii("10." + (prefix + 1) + "." + host / 254 + "." + (host % 254 + 1));
      clientV6[i] = AsciiBuffer.ascii("2001:db8:" + (prefix + 1) + "::" + v6Suffix(host + 1));
    }
    int servers = serverCount(clients);
    serverV4 = new byte[servers][];
    serverV4Int = new int[servers];
    serverV6 = new byte[servers][];
    for (int j = 0; j < servers; j++) {
      int prefix = j % SERVER_PREFIXES.length;
      int host = j / SERVER_PREFIXES.length + 1;
      serverV4Int[j] = SERVER_PREFIXES[prefix] | host;
      serverV4[j] = AsciiBuffer.ascii(serverAddress(j));
      serverV6[j] = AsciiBuffer.ascii("2001:db8:ff0" + prefix + "::" + Integer.toHexString(host));
    }
    int weights = 0;
    for (Service s : SERVICES) {
      weights += s.weight;
    }
    serviceByDraw = new byte[weights];
    for (int i = 0, at = 0; i < SERVICES.length; i++) {
      for (int w = 0; w < SERVICES[i].weight; w++) {
        serviceByDraw[at++] = (byte) i;
      }
    }
  }

  /** The canonical (RFC 5952) text of the last 32 bits of an address whose other bits past the /48 are zero. */
  private static String v6Suffix(int value) {
    int high = value >>> 16;
    String low = Integer.toHexString(value & 0xFFFF);
    return high == 0 ? low : Integer.toHexString(high) + ":" + low;
  }

  private static int[] table(int[][] weighted) {
    int total = 0;
    for (int[] w : weighted) {
      total += w[1];
    }
    int[] byDraw = new int[total];
    int at = 0;
    for (int[] w : weighted) {
      for (int i = 0; i < w[1]; i++) {
        byDraw[at++] = w[0];
      }
    }
    return byDraw;
  }

  static double weight(long epochSecond) {
    double hour = Math.floorMod(epochSecond, 86_400L) / 3600.0;
    int h = (int) hour;
    double frac = hour - h;
    return HOURLY[h] * (1 - frac) + HOURLY[(h + 1) % 24] * frac;
  }

  /**
   * Generates the flow records starting in {@code second}; the running sum of weights makes the counts add up to
   * exactly {@code benignFlows} over the period.
   */
  void generate(long second, ArrivalQueue queue) {
    cumulativeWeight += weight(second);
    long target = Math.min(totalFlows, Math.round(totalFlows * (cumulativeWeight / totalWeight)));
    for (long quota = target - generated; quota > 0; ) {
      quota -= session(second, quota > 1, queue);
    }
    generated = Math.max(generated, target);
  }

  /** Emits one session's request and, when allowed and answered, its reply; returns the records emitted. */
  private int session(long second, boolean replyAllowed, ArrivalQueue queue) {
    Service svc = SERVICES[serviceByDraw[rng.nextInt(serviceByDraw.length)]];
    boolean v6 = rng.nextInt(100) < IPV6_PERCENT;
    int client = skewed(clientV4.length, 2);
    int server = (svc.port * 131 + skewed(Math.max(1, serverV4.length / 4), 3)) % serverV4.length;
    byte[] clientAddr = v6 ? clientV6[client] : clientV4[client];
    byte[] serverAddr = v6 ? serverV6[server] : serverV4[server];
    int exporter = client % PmacctWriter.EXPORTERS;
    boolean tcp = svc.proto == PendingFlow.TCP;
    boolean icmp = svc.proto == PendingFlow.ICMP;
    int ephemeral = icmp ? 0 : ephemeralPort();

    int requestFlags = tcp ? requestFlagsByDraw[rng.nextInt(requestFlagsByDraw.length)] : 0;
    long startMillis = second * 1000 + rng.nextInt(1000);
    int servicePort = svc.port;
    PortShift shift = null;
    for (PortShift s : shifts) {
      int moved = s.moveTo(svc.port, v6, serverV4Int[server], startMillis);
      if (moved >= 0) {
        servicePort = moved;
        shift = s;
        break;
      }
    }
    PendingFlow request = queue.obtain();
    request.srcText = clientAddr;
    request.dstText = serverAddr;
    request.portSrc = svc.portIsSource ? servicePort : ephemeral;
    request.portDst = svc.portIsSource ? ephemeral : servicePort;
    request.proto = svc.proto;
    request.exporter = exporter;
    long durationMillis;
    if (requestFlags == SYN_ONLY) {
      // An unanswered connect: the SYN and its retransmissions after 1 s and 3 s.
      request.packets = 1 + rng.nextInt(3);
      request.bytes = request.packets * 60;
      durationMillis = request.packets == 1 ? 0 : request.packets == 2 ? 1000 : 3000;
    } else {
      request.packets = packets(svc.requestPackets);
      request.bytes = bytes(request.packets, svc.requestPacketBytes, tcp ? 40 : 28);
      durationMillis = request.packets == 1 ? 0 : (long) (-svc.meanMillis * Math.log(1 - rng.nextDouble()));
      if (tcp && durationMillis >= PendingFlow.ACTIVE_TIMEOUT_MILLIS) {
        requestFlags &= ~FIN; // cut by the active timeout: the connection is still open
      }
    }
    request.tcpFlags = requestFlags;
    request.setTimes(startMillis, durationMillis, rng);
    queue.add(request);
    if (shift != null) {
      shift.count(request.startMicros);
    }

    if (!replyAllowed || rng.nextInt(100) >= svc.replyPercent || (requestFlags == SYN_ONLY && rng.nextBoolean())) {
      return 1;
    }
    PendingFlow reply = queue.obtain();
    reply.srcText = serverAddr;
    reply.dstText = clientAddr;
    reply.portSrc = request.portDst;
    reply.portDst = request.portSrc;
    reply.proto = svc.proto;
    reply.exporter = exporter;
    long replyDuration;
    if (requestFlags == SYN_ONLY) {
      reply.tcpFlags = RST_ACK;
      reply.packets = 1;
      reply.bytes = 40;
      replyDuration = 0;
    } else {
      reply.tcpFlags = tcp ? replyFlagsByDraw[rng.nextInt(replyFlagsByDraw.length)] : 0;
      reply.packets = packets(svc.replyPackets);
      reply.bytes = bytes(reply.packets, svc.replyPacketBytes, tcp ? 40 : 28);
      // A multi-packet reply spans at least a few milliseconds even when the request was a single packet.
      replyDuration = reply.packets == 1 ? 0 : Math.max(durationMillis, 2 * reply.packets);
    }
    reply.setTimes(startMillis + 1 + rng.nextInt(80), replyDuration, rng);
    queue.add(reply);
    if (shift != null) {
      shift.count(reply.startMicros);
    }
    return 2;
  }

  /** An index in [0, n) biased towards 0: a few heavy hosts and popular servers, a long tail of light ones. */
  private int skewed(int n, int power) {
    double u = rng.nextDouble();
    double p = u;
    for (int i = 1; i < power; i++) {
      p *= u;
    }
    return (int) (n * p);
  }

  /** Linux (32768-60999) or Windows (49152-65535) ephemeral range. */
  private int ephemeralPort() {
    return rng.nextInt(10) < 6 ? 32_768 + rng.nextInt(28_232) : 49_152 + rng.nextInt(16_384);
  }

  /** Exponentially distributed around {@code mean}, at least 1, with an occasional bulk transfer 20 times larger. */
  private long packets(double mean) {
    long n = 1 + (long) (-(mean - 1) * Math.log(1 - rng.nextDouble()));
    return rng.nextInt(50) == 0 ? n * 20 : n;
  }

  private long bytes(long packets, int meanPacketBytes, int minPacketBytes) {
    long perPacket = Math.max(minPacketBytes, (long) (meanPacketBytes * (0.5 + rng.nextDouble())));
    return packets * Math.min(1500, perPacket);
  }
}
