package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged {@code target/kaminari-scorer.jar}: Spark-free, runnable, fixed flags, liveness within 5 s. */
class ScorerJarIT {
  static final Path JAR = Path.of("target", "kaminari-scorer.jar").toAbsolutePath();
  static final List<String> FLAGS = List.of("--bootstrap-servers", "--topic", "--output-topic", "--model",
      "--model-store", "--http-port", "--http-host", "--config");

  @TempDir Path tmp;

  @Test
  void holdsAndReferencesNothingOfSparkOrScala() throws Exception {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      String libs = jar.getManifest().getMainAttributes().getValue(ScorerLauncher.LIBS);
      assertThat(libs).contains("kafka-clients").contains("pytorch-engine").contains("hadoop-client-api")
          .doesNotContain("spark").doesNotContain("scala");
      for (String lib : libs.split(":")) assertThat(JAR.resolveSibling(lib)).exists();
      assertThat(jar.getManifest().getMainAttributes().getValue("Class-Path")).isNull();
      Enumeration<JarEntry> entries = jar.entries();
      int classes = 0;
      while (entries.hasMoreElements()) {
        JarEntry e = entries.nextElement();
        assertThat(e.getName()).doesNotStartWith("org/apache/spark").doesNotStartWith("scala/");
        if (e.getName().endsWith(".class")) {
          classes++;
          try (InputStream in = jar.getInputStream(e)) {
            String constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(constants).as(e.getName()).doesNotContain("org/apache/spark").doesNotContain("scala/")
                .doesNotContain("kafka/server");
          }
        }
      }
      assertThat(classes).isGreaterThan(50);
    }
  }

  @Test
  void helpListsTheFixedFlags() throws Exception {
    Process p = new ProcessBuilder(java(), "-jar", JAR.toString(), "--help").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(out).contains(FLAGS);
  }

  @Test
  void livenessAnswersWithinFiveSecondsWhileKafkaIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of(java(), "-jar", JAR.toString(), "--home", tmp.toString(),
        "--bootstrap-servers", "127.0.0.1:1", "--topic", "nothing", "--http-port", Integer.toString(port),
        "--model-store", tmp.resolve("models").toUri().toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      long started = System.nanoTime();
      Integer status = null;
      while (status == null && System.nanoTime() - started < 5_000_000_000L) {
        try {
          status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException notYet) {
          Thread.sleep(50);
        }
      }
      assertThat(status).as("healthz within 5 s; log: %s", Files.readString(tmp.resolve("log"))).isEqualTo(200);
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(503);
    } finally {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
