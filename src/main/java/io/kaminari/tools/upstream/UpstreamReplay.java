package io.kaminari.tools.upstream;

import io.kaminari.common.time.Micros;
import io.kaminari.flow.Flow;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.TrafficGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packet side of the real upstream chain: generated benign traffic as packets, with real attack captures moved to
 * known times inside it, exported by {@code softflowd} (NetFlow v9, through a counting {@link NetflowTap}) to a real
 * {@code nfacctd}, which publishes pmacct JSON to a Kafka topic. Shared by {@code kaminari demo --upstream} and
 * {@code UpstreamChainIT} (docs/upstream.md).
 *
 * <p>The timeline ({@link #START} .. {@link #END}, on 2024-05-01 where the generator's diurnal curve is flat) has a
 * training part of benign traffic only, a test hour with two attacks, and a benign tail with a third (unscored) one. It
 * is replayed in {@link #CHUNK}s of capture time, one softflowd run per chunk, with a pause longer than nfacctd's 1 s
 * {@code kafka_refresh_time} between them: nfacctd publishes its cache in hash order, so without the pause the whole
 * timeline would reach Kafka shuffled; with it, the topic is in event-time order up to about two chunks (a partly
 * filled plugin buffer can wait for the next chunk), which is what {@link #STREAM_LATENESS} allows the streaming
 * scorer.
 */
public final class UpstreamReplay {
  private UpstreamReplay() {}

  /** Start of the replayed timeline. */
  public static final Instant START = Instant.parse("2024-05-01T13:00:00Z");
  /** End of the benign traffic used for training (2 hours: 120 one-minute windows). */
  public static final Instant TRAIN_TO = Instant.parse("2024-05-01T15:00:00Z");
  /** End of the test hour (which holds the scored attacks) scored by the batch and streaming scorers. */
  public static final Instant TEST_TO = Instant.parse("2024-05-01T16:00:00Z");
  /**
   * End of the timeline: a benign tail (with the unscored SYN flood) that moves the streaming scorer's watermark past
   * {@link #TEST_TO}.
   */
  public static final Instant END = Instant.parse("2024-05-01T17:00:00Z");
  /** Capture time per softflowd run. */
  public static final Duration CHUNK = Duration.ofMinutes(20);
  /** Allowed lateness the streaming scorer needs on the replayed topic: two chunks and a margin (see the class doc). */
  public static final Duration STREAM_LATENESS = Duration.ofMinutes(45);
  /**
   * Benign flow records over the timeline: 250 a minute. With 100 a minute (measured), the per-port rates of a
   * 1-minute window were so noisy that quiet test windows scored as high as the ISAKMP attack; 2.5 times the flows
   * shrink that noise by about 1.6 for about 1 M packets to replay.
   */
  public static final long BENIGN_FLOWS = 60_000;
  /** The victim of every attack capture (the StopDDoS collection rewrote it); no benign flow goes there. */
  public static final String VICTIM = "10.10.10.10";

  /**
   * A real attack capture (a resource under {@code /upstream/pcaps/}, see SOURCE.txt there) replayed with its first
   * packet at {@code at}; {@code port} is the feature an explanation must name, e.g. {@code src_port 80};
   * {@code scored} tells whether it lies in the test hour the scorers are checked on.
   */
  public record Attack(String file, String what, Instant at, String port, boolean scored) {}

  /**
   * The attacks. The two reflections are in the test hour, started mid-window (xx:xx:30) so that each sub-second
   * capture falls into one window; the port each is recognised by is the reflectors' source port: 80 (SYN-ACKs from
   * web servers) and 4500 (ISAKMP NAT-T). The slow SYN flood (896 packets over 13.6 minutes from 60 sources, about one
   * a second: 532 SYN-ACKs from two hosts to port 21, SYNs to 9069, 9070, 445 and others) is replayed in the benign
   * tail after the test hour: it keeps its shape through the chain (the test checks it in kaminari.flows), but one
   * packet a second is below what a model of 1-minute windows of a few hundred benign flows tells from noise
   * (measured with port 21 in the features: flagged in 8 of its 15 minutes, with quiet windows, among them a benign FTP
   * burst on port 21, scoring as high), so it is not part of the scored hour.
   */
  public static final List<Attack> ATTACKS = List.of(
      new Attack("amp.TCP.reflection.SYNACK.pcap", "SYN-ACK reflection (8,000 packets in 0.15 s)",
          Instant.parse("2024-05-01T15:10:30Z"), "src_port 80", true),
      new Attack("amp.UDP.isakmp.pcap", "ISAKMP amplification from UDP/4500 (3,984 packets in 0.4 s)",
          Instant.parse("2024-05-01T15:25:30Z"), "src_port 4500", true),
      new Attack("amp.TCP.syn.optionallyACK.optionallysamePort.pcap",
          "slow SYN flood, 60 sources (896 packets in 13.6 min; after the test hour, not scored)",
          Instant.parse("2024-05-01T16:05:30Z"), "dst_port 21", false));

  /** The benign generator run: seeded, so every replay sends the same packets. */
  public static GeneratorConfig benign(long seed) {
    return GeneratorConfig.of(seed, START, Duration.between(START, END), BENIGN_FLOWS).withBenignHosts(2_000);
  }

  /**
   * What was replayed.
   *
   * @param benignRecords flow records the generator produced (request and reply records)
   * @param packets packets written, benign and attack
   * @param ipPackets the IPv4 and IPv6 ones among them, which a flow exporter counts (the captures hold 4 ARP frames)
   * @param attackPackets packets per attack capture file
   * @param exported flow records softflowd reported exporting, over all chunks (a little more than it sends)
   * @param sentRecords flow records in the NetFlow datagrams softflowd sent, counted on the way ({@link NetflowTap}):
   *     what must arrive on the topic
   * @param sentPackets the packet counters of those records
   * @param sequenceGaps datagrams lost between softflowd and the counting relay (0, or the counts are not exact)
   */
  public record Result(long benignRecords, long packets, long ipPackets, Map<String, Long> attackPackets,
      long exported, long sentRecords, long sentPackets, long sequenceGaps) {}

  private static final Pattern EXPORTED =
      Pattern.compile("Flows exported: (\\d+) \\((\\d+) records\\) in (\\d+) packets \\((\\d+) failures\\)");

  /**
   * Replays the timeline through softflowd into a running nfacctd on {@code port} and returns what softflowd exported.
   * The caller stops nfacctd afterwards (SIGINT publishes what its buffers still hold). Capture files go to
   * {@code work}.
   *
   * @throws Tools.MissingToolException when softflowd is not installed
   */
  public static Result replay(Path work, int port, long seed, PrintStream log) throws IOException,
      InterruptedException {
    String softflowd = Tools.require("softflowd", "softflowd");
    Files.createDirectories(work);
    List<Flow> benign = TrafficGenerator.parsedFlows(benign(seed));
    benign.sort(Comparator.comparingLong(Flow::eventTimeMicros));
    List<Pcap.Packet> attacks = new ArrayList<>();
    Map<String, Long> attackPackets = new LinkedHashMap<>();
    for (Attack a : ATTACKS) {
      List<Pcap.Packet> packets = Pcap.read(resource("/upstream/pcaps/" + a.file()), a.file());
      long shift = Micros.of(a.at()) - packets.stream().mapToLong(Pcap.Packet::micros).min().orElseThrow();
      packets.forEach(p -> attacks.add(p.shift(shift)));
      attackPackets.put(a.file(), (long) packets.size());
    }
    long exported = 0;
    long written = 0;
    long ip = 0;
    int next = 0;
    try (NetflowTap tap = NetflowTap.start(port)) {
      for (Instant from = START; from.isBefore(END); from = from.plus(CHUNK)) {
        long lo = Micros.of(from);
        long hi = Micros.of(from.plus(CHUNK));
        List<Pcap.Packet> chunk = new ArrayList<>();
        // Each benign record goes whole into the chunk where it starts; packets are then sorted by time.
        while (next < benign.size() && benign.get(next).eventTimeMicros() < hi) {
          chunk.addAll(FlowPackets.of(benign.get(next++)));
        }
        for (Pcap.Packet p : attacks) {
          if (p.micros() >= lo && p.micros() < hi) chunk.add(p);
        }
        chunk.sort(Comparator.comparingLong(Pcap.Packet::micros));
        Path pcap = work.resolve("chunk-" + from.toString().replace(':', '-') + ".pcap");
        Pcap.write(pcap, chunk);
        written += chunk.size();
        ip += chunk.stream().filter(UpstreamReplay::isIp).count();
        exported += softflowd(softflowd, pcap, tap.port);
        Files.delete(pcap);
        // Longer than kafka_refresh_time: nfacctd publishes this chunk before the next one arrives.
        Thread.sleep(1_200);
      }
      tap.drainAndStop(300);
      if (tap.undecoded() > 0) {
        throw new IOException(tap.undecoded() + " datagrams or flowsets from softflowd were not decoded");
      }
      if (log != null) {
        log.printf("  softflowd sent %,d flow records (%,d packets) in %,d datagrams for %,d IP packets replayed"
            + " (%,d generated benign records; attacks: %s); it reported %,d records exported%n", tap.records(),
            tap.packets(), tap.datagrams(), ip, benign.size(), attackPackets, exported);
      }
      return new Result(benign.size(), written, ip, attackPackets, exported, tap.records(), tap.packets(),
          tap.sequenceGaps());
    }
  }

  /**
   * Runs softflowd over one capture to {@code 127.0.0.1:port}; returns the records it reports exporting, and fails if
   * it exits non-zero or reports a send failure.
   */
  static long softflowd(String exe, Path pcap, int port) throws IOException, InterruptedException {
    Path log = pcap.resolveSibling(pcap.getFileName() + ".softflowd.log");
    // -a: flow times from the capture, not the clock; -A milli: millisecond flow times; -v 9: NetFlow v9. No
    // -t maxlife: softflowd 1.1.0 then drops the packets of a flow that arrive after its forced expiry (measured on
    // the SYN flood capture: 364 of 896 packets exported with maxlife=60, all 896 without).
    Process p = new ProcessBuilder(exe, "-r", pcap.toString(), "-n", "127.0.0.1:" + port, "-v", "9", "-a",
        "-A", "milli").redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("softflowd did not finish " + pcap + " within 120 s");
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Matcher m = EXPORTED.matcher(out);
    if (p.exitValue() != 0 || !m.find()) {
      throw new IOException("softflowd failed on " + pcap + " (exit " + p.exitValue() + "):\n" + out);
    }
    if (Long.parseLong(m.group(4)) != 0) throw new IOException("softflowd had send failures on " + pcap + ":\n" + out);
    Files.delete(log);
    return Long.parseLong(m.group(2));
  }

  /** Whether an Ethernet frame carries IPv4 or IPv6 (every replayed frame is Ethernet: see {@link Pcap#write}). */
  static boolean isIp(Pcap.Packet p) {
    byte[] f = p.frame();
    int type = f.length < 14 ? -1 : ((f[12] & 0xff) << 8) | (f[13] & 0xff);
    return type == 0x0800 || type == 0x86dd;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = UpstreamReplay.class.getResourceAsStream(name)) {
      if (in == null) throw new IOException("resource " + name + " is missing from the jar");
      return in.readAllBytes();
    }
  }
}
