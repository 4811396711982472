package io.kaminari.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager, which {@code .ci/run} installs) on a free local
 * port, clustering off, routing every alert to a receiver that sends nowhere; the tests read what it holds back through
 * its v2 API. Missing binary = a failed test, never a skipped one.
 */
public final class RealAlertmanager implements AutoCloseable {
  static final String BINARY = "prometheus-alertmanager";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  private final String url;

  private RealAlertmanager(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  /** Starts one with its config and data under {@code dir} and waits until it is ready. */
  public static RealAlertmanager start(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path config = dir.resolve("alertmanager.yml");
    Files.writeString(config, "route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p;
    try {
      p = new ProcessBuilder(BINARY, "--config.file=" + config, "--storage.path=" + dir.resolve("data"),
          "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
          .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
    } catch (IOException e) {
      throw new AssertionError(BINARY + " is not on PATH: install Debian's prometheus-alertmanager (.ci/run does)", e);
    }
    RealAlertmanager am = new RealAlertmanager(p, "http://127.0.0.1:" + port);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(am.url + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return am;
        }
      } catch (IOException notYet) {
        // starting
      }
      assertThat(p.isAlive()).as("alertmanager exited: %s", Files.readString(dir.resolve("alertmanager.log")))
          .isTrue();
      assertThat(System.nanoTime()).as("alertmanager ready within 30 s").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  public String url() {
    return url;
  }

  /** The alerts it holds whose labels match {@code filter} (e.g. {@code incident_id="..."}), resolved ones included. */
  public JsonNode alerts(String filter) throws IOException, InterruptedException {
    String q = "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true&filter="
        + URLEncoder.encode(filter, StandardCharsets.UTF_8);
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + q)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
  }
}
