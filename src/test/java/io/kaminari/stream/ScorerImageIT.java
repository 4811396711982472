package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.model.ModelRegistry;
import io.kaminari.testing.OciImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer image ({@code target/jib-scorer.tar}, built by Jib in {@code package}) run from its own layers: its
 * entrypoint starts with nothing but the image's files, as its non-root user, on a read-only root with the declared
 * volumes writable; it answers {@code /healthz} while Kafka is unreachable and loads a champion model from a
 * {@code file://} registry, which extracts libtorch into the cache volume and links it against the image's libraries.
 */
class ScorerImageIT {
  static final Path TARBALL = Path.of("target", "jib-scorer.tar").toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void runsFromItsOwnLayersOnAReadOnlyRoot() throws Exception {
    OciImage image = OciImage.open(TARBALL, tmp);
    assertThat(image.config().path("User").asText()).isEqualTo("10001:10001");
    assertThat(image.volumes()).containsExactlyInAnyOrder("/var/kaminari", "/tmp");
    Map<String, String> env = image.env();
    for (String cache : List.of("KAMINARI_HOME", "HOME", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR")) {
      assertThat(env.get(cache)).as(cache).startsWith("/var/kaminari");
    }
    Path root = image.unpack(tmp.resolve("root"));

    // Exactly the jars the launcher loads: the ones Kaminari-Libs names (all of them: picocli was once missing).
    Path jar = root.resolve("opt/kaminari/kaminari-scorer.jar");
    TreeSet<String> named = new TreeSet<>();
    try (JarFile jf = new JarFile(jar.toFile())) {
      for (String lib : jf.getManifest().getMainAttributes().getValue(ScorerLauncher.LIBS).split(":")) {
        named.add(Path.of(lib.trim()).getFileName().toString());
      }
    }
    TreeSet<String> inImage;
    try (Stream<Path> libs = Files.list(root.resolve("opt/kaminari/lib"))) {
      inImage = libs.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(inImage).isEqualTo(named).anyMatch(n -> n.startsWith("picocli-")).noneMatch(n -> n.contains("spark"));

    ModelRegistry registry = ScorerFixture.registry(root.resolve("var/kaminari/models"));
    int version = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
    int port = freePort();
    List<String> cmd = new ArrayList<>();
    boolean[] seen = new boolean[2];
    for (String a : image.entrypointAndCmd()) {
      // The image's own flags, on a free loopback port instead of 0.0.0.0:8080 (this machine is shared).
      if (a.startsWith("--http-port=")) {
        seen[0] = true;
        a = "--http-port=" + port;
      } else if (a.startsWith("--http-host=")) {
        seen[1] = true;
        a = "--http-host=127.0.0.1";
      }
      cmd.add(a);
    }
    assertThat(seen).as("the image's Cmd sets --http-host and --http-port").containsOnly(true);
    cmd.addAll(List.of("--bootstrap-servers=127.0.0.1:1", "--topic=nothing", "--model-store=file:///var/kaminari/models",
        "--set", "scorer.model-poll-interval=1s"));
    Path log = tmp.resolve("scorer.log");
    Process p = image.command(root, cmd, Map.of()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      assertThat(awaitStatus(http, port, "/healthz", p)).as("healthz; log:%n%s", read(log)).isEqualTo(200);
      assertThat(get(http, port, "/readyz").statusCode()).as("no Kafka, not ready").isEqualTo(503);
      String metrics = "";
      for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(180); System.nanoTime() < end && p.isAlive(); ) {
        metrics = get(http, port, "/metrics").body();
        if (metrics.contains("model_reload_successes_total 1") || metrics.contains("model_reload_failures_total 1")) {
          break;
        }
        Thread.sleep(500);
      }
      assertThat(metrics).as("log:%n%s", read(log)).contains("model_reload_successes_total 1");
      assertThat(read(log)).contains("flow-ae/" + version + " loaded and validated");
      // Written where the volumes are: libtorch's natives and the verified model copy, nothing on the root.
      assertThat(root.resolve("var/kaminari/djl")).isDirectory();
      try (Stream<Path> walk = Files.walk(root.resolve("var/kaminari/djl"))) {
        assertThat(walk.anyMatch(f -> f.getFileName().toString().equals("libtorch_cpu.so"))).isTrue();
      }
      assertThat(root.resolve("var/kaminari/scorer-cache")).isDirectory();
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
    }
  }

  private static int awaitStatus(HttpClient http, int port, String path, Process p) throws Exception {
    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); System.nanoTime() < end && p.isAlive(); ) {
      try {
        return get(http, port, path).statusCode();
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    return -1;
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "(no log)";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
