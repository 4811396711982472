package io.kaminari.tools.upstream;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real nfacctd (pmacct's NetFlow/IPFIX collector) as a child process, publishing JSON flow records to a Kafka topic.
 *
 * <p>Gotchas it encodes (docs/upstream.md): {@code kafka_refresh_time} defaults to 60 s, so it is 1 here; the core
 * process blocks SIGTERM, and SIGINT is what makes it purge its cache to Kafka and exit, so {@link #stop()} sends SIGINT.
 */
public final class Nfacctd implements AutoCloseable {
  /** The primitives the chain aggregates on: every field Kaminari has a column for that softflowd exports. */
  public static final String AGGREGATE = "peer_src_ip, src_host, dst_host, src_port, dst_port, proto, tcpflags,"
      + " timestamp_start, timestamp_end, timestamp_arrival, timestamp_export, export_proto_version, export_proto_seqno";

  public final int port;
  public final Path log;
  private final Process process;

  private Nfacctd(int port, Path log, Process process) {
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /** The configuration nfacctd runs with. */
  public static String config(int port, String bootstrapServers, String topic) {
    String[] hostPort = bootstrapServers.split(":");
    return String.join("\n",
        "daemonize: false",
        "nfacctd_ip: 127.0.0.1",
        "nfacctd_port: " + port,
        // Kernel receive buffer of the UDP socket: softflowd sends a whole pcap's flows in milliseconds.
        "nfacctd_pipe_size: 4194304",
        // Core -> plugin queue. The default drops records silently (no log line) when a burst outruns the plugin:
        // on a loaded machine 4,315 of softflowd's 12,148 records arrived. A 10 MB queue in 10 kB buffers (the
        // 1:1000 ratio CONFIG-KEYS recommends) loses none; a partly filled buffer is delivered at the latest on SIGINT.
        "plugin_pipe_size: 10240000",
        "plugin_buffer_size: 10240",
        // Kaminari's collector.timezone defaults to UTC; nfacctd's default is the machine's local time.
        "timestamps_utc: true",
        "plugins: kafka[k]",
        "kafka_output[k]: json",
        "kafka_topic[k]: " + topic,
        "kafka_broker_host[k]: " + hostPort[0],
        "kafka_broker_port[k]: " + hostPort[1],
        "kafka_refresh_time[k]: 1",
        "kafka_markers[k]: true",
        "aggregate[k]: " + AGGREGATE,
        "");
  }

  /** Writes the config to {@code dir}, starts nfacctd on a free UDP port and waits until it listens. */
  public static Nfacctd start(Path dir, String bootstrapServers, String topic) throws Exception {
    String exe = Tools.require("nfacctd", "pmacct");
    Files.createDirectories(dir);
    int port = freeUdpPort();
    Path conf = dir.resolve("nfacctd.conf");
    Files.writeString(conf, config(port, bootstrapServers, topic));
    Path log = dir.resolve("nfacctd.log");
    Process p = new ProcessBuilder(exe, "-f", conf.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Nfacctd n = new Nfacctd(port, log, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!n.logText().contains("waiting for NetFlow/IPFIX data")) {
      if (!p.isAlive()) throw new IllegalStateException("nfacctd exited (" + p.exitValue() + ") at start:\n" + n.logText());
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("nfacctd did not start listening within 20 s:\n" + n.logText());
      }
      Thread.sleep(50);
    }
    return n;
  }

  /** SIGINT, which makes nfacctd purge its cache to Kafka and exit; fails if it does not exit cleanly. */
  public void stop() throws Exception {
    java.util.List<ProcessHandle> plugins = process.descendants().toList();
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) throw new IllegalStateException("kill -INT " + process.pid() + " failed");
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("nfacctd did not exit within 30 s of SIGINT:\n" + logText());
    }
    // The core waits for its plugin children (which purge to Kafka on the same signal); make sure none outlives it.
    for (ProcessHandle h : plugins) h.onExit().get(30, TimeUnit.SECONDS);
  }

  public String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
