package io.kaminari.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real GoBGP daemon ({@code gobgpd} of Debian's {@code gobgpd} package, which {@code .ci/run} installs) with its gRPC
 * API on a free loopback port and no BGP listener, and its own client to read its RIB back. A missing binary fails
 * the test that uses it: it is never skipped.
 */
public final class Gobgpd implements AutoCloseable {
  private final Process daemon;
  private final int port;

  private Gobgpd(Process daemon, int port) {
    this.daemon = daemon;
    this.port = port;
  }

  /** Starts a daemon (AS 65000, no peers) logging to {@code dir/gobgpd.log} and waits until its API answers. */
  public static Gobgpd start(Path dir) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return start(dir, port);
  }

  /** As {@link #start(Path)}, with the API on {@code port}: a daemon restarted where its clients point. */
  public static Gobgpd start(Path dir, int port) throws IOException, InterruptedException {
    Path config = dir.resolve("gobgpd.toml");
    // port = -1: the daemon does not listen for BGP peers, so nothing but the API is opened.
    Files.writeString(config, "[global.config]\n  as = 65000\n  router-id = \"192.0.2.254\"\n  port = -1\n");
    Process p = new ProcessBuilder("gobgpd", "-f", config.toString(), "--api-hosts=127.0.0.1:" + port,
        "--pprof-disable", "-p").redirectErrorStream(true).redirectOutput(dir.resolve("gobgpd.log").toFile()).start();
    Gobgpd g = new Gobgpd(p, port);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (g.client("global").code() != 0) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        g.close();
        throw new IllegalStateException("gobgpd did not answer on 127.0.0.1:" + port + ": "
            + Files.readString(dir.resolve("gobgpd.log")));
      }
      Thread.sleep(200);
    }
    return g;
  }

  /** {@code host:port} of the API, as {@code mitigation.gobgp-api} takes it. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** A client run's exit code and output. */
  public record Run(int code, String out) {}

  /** Runs {@code gobgp -u 127.0.0.1 -p PORT args}. */
  public Run client(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("gobgp", "-u", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
    return new Run(p.exitValue(), out);
  }

  /** The RIB of {@code family} ({@code ipv4}, {@code ipv4-flowspec}, ...) as GoBGP prints it. */
  public String rib(String family) throws IOException, InterruptedException {
    Run r = client("global", "rib", "-a", family);
    if (r.code() != 0) throw new IllegalStateException("gobgp global rib -a " + family + ": " + r.out());
    return r.out();
  }

  @Override
  public void close() throws InterruptedException {
    daemon.destroy();
    if (!daemon.waitFor(10, TimeUnit.SECONDS)) daemon.destroyForcibly().waitFor();
  }
}
