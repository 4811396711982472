package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorer's HTTP server with and without its optional bearer token. */
class ScorerHttpTest {
  @TempDir Path dir;
  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void withoutATokenEveryEndpointIsOpen() throws Exception {
    try (ScorerHttp http = new ScorerHttp("127.0.0.1", 0, new ScorerMetrics(), new RecentScores(10), () -> false)) {
      assertThat(status(http, "/healthz", null)).isEqualTo(200);
      assertThat(status(http, "/readyz", null)).isEqualTo(503);
      assertThat(status(http, "/metrics", null)).isEqualTo(200);
      assertThat(status(http, "/api/scores", null)).isEqualTo(200);
      assertThat(status(http, "/", null)).isEqualTo(200);
    }
  }

  @Test
  void withATokenDataEndpointsNeedItAndProbesStayOpen() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cr3t-token\n");
    try (ScorerHttp http = new ScorerHttp("127.0.0.1", 0, token, new ScorerMetrics(), new RecentScores(10),
        () -> true)) {
      assertThat(status(http, "/healthz", null)).isEqualTo(200);
      assertThat(status(http, "/readyz", null)).isEqualTo(200);
      for (String path : new String[] {"/metrics", "/api/scores", "/api/incidents", "/"}) {
        assertThat(status(http, path, null)).as(path).isEqualTo(401);
        assertThat(status(http, path, "Bearer wrong")).as(path).isEqualTo(401);
        assertThat(status(http, path, "Basic czNjcjN0LXRva2Vu")).as(path).isEqualTo(401);
        assertThat(status(http, path, "Bearer s3cr3t-token")).as(path).isEqualTo(200);
        assertThat(status(http, path, "bearer s3cr3t-token")).as(path).isEqualTo(200);
      }
      HttpResponse<String> denied = get(http, "/metrics", null);
      assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kaminari-scorer\"");
      assertThat(denied.body()).doesNotContain("kaminari_");

      // A rotated Secret takes effect without a restart; an emptied one admits nobody (fail closed).
      Files.writeString(token, "rotated-token");
      Files.setLastModifiedTime(token, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
      assertThat(status(http, "/metrics", "Bearer s3cr3t-token")).isEqualTo(401);
      assertThat(status(http, "/metrics", "Bearer rotated-token")).isEqualTo(200);
      Files.delete(token);
      assertThat(status(http, "/metrics", "Bearer rotated-token")).isEqualTo(401);
      assertThat(status(http, "/healthz", null)).isEqualTo(200);
    }
  }

  @Test
  void aConfiguredButEmptyOrMissingTokenFileStopsTheStart() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty"), " \n");
    assertThatThrownBy(() -> new ScorerHttp("127.0.0.1", 0, empty, new ScorerMetrics(), new RecentScores(1),
        () -> true)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is empty");
    assertThatThrownBy(() -> new ScorerHttp("127.0.0.1", 0, dir.resolve("absent"), new ScorerMetrics(),
        new RecentScores(1), () -> true)).hasMessageContaining("cannot read the scorer's HTTP token file");
  }

  /** Finding (issue 16): two idle connections made /healthz time out (2 threads, no request timeout). */
  @Test
  void stalledClientsCannotStarveTheProbes() throws Exception {
    try (ScorerHttp http = new ScorerHttp("127.0.0.1", 0, new ScorerMetrics(), new RecentScores(10), () -> true)) {
      List<Socket> stalled = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) stalled.add(halfRequest(http));
        HttpClient impatient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/healthz"))
            .timeout(Duration.ofSeconds(5)).build();
        assertThat(impatient.send(probe, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // More stalled clients than threads: the server cuts them after the request timeout, and the probe answers.
        for (int i = 0; i < ScorerHttp.THREADS + 2; i++) stalled.add(halfRequest(http));
        HttpRequest patient = HttpRequest.newBuilder(probe.uri())
            .timeout(Duration.ofSeconds(ScorerHttp.REQUEST_TIMEOUT_S * 3L)).build();
        assertThat(impatient.send(patient, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        for (Socket s : stalled) assertThat(closedByServer(s)).isTrue();
      } finally {
        for (Socket s : stalled) s.close();
      }
    }
  }

  @Test
  void healthzAnswers503WithTheLoopsProblem() throws Exception {
    String[] problem = {null};
    try (ScorerHttp http = new ScorerHttp("127.0.0.1", 0, null, new ScorerMetrics(), new RecentScores(10),
        () -> false, () -> problem[0])) {
      assertThat(status(http, "/healthz", null)).isEqualTo(200);
      problem[0] = "fenced: another scorer with transactional id kaminari-scorer-tx took over";
      HttpResponse<String> r = get(http, "/healthz", null);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo(problem[0] + "\n");
    }
  }

  /** Whether the server closes {@code s} (end of stream or reset) within three request timeouts. */
  private static boolean closedByServer(Socket s) throws Exception {
    s.setSoTimeout(ScorerHttp.REQUEST_TIMEOUT_S * 3 * 1000);
    try {
      return s.getInputStream().read() == -1;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  /** A connection that sent the start of a request and then nothing. */
  private Socket halfRequest(ScorerHttp http) throws Exception {
    Socket s = new Socket("127.0.0.1", http.port());
    OutputStream out = s.getOutputStream();
    out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  private int status(ScorerHttp http, String path, String authorization) throws Exception {
    return get(http, path, authorization).statusCode();
  }

  private HttpResponse<String> get(ScorerHttp http, String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path));
    if (authorization != null) b.header("Authorization", authorization);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
