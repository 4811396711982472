package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
      for (String path : new String[] {"/metrics", "/api/scores", "/"}) {
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

  private int status(ScorerHttp http, String path, String authorization) throws Exception {
    return get(http, path, authorization).statusCode();
  }

  private HttpResponse<String> get(ScorerHttp http, String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path));
    if (authorization != null) b.header("Authorization", authorization);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
