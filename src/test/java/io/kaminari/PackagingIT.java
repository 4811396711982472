package io.kaminari;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifacts {@code mvn package} builds, as they ship: the production ones hold none of the harness
 * ({@code io.kaminari.tools}) and no Kafka broker, and {@code target/kaminari.jar}, the developer's and harness's jar,
 * finds both (the broker through its manifest's Class-Path into {@code target/tools-lib}).
 */
class PackagingIT {
  static final Path TARGET = Path.of("target").toAbsolutePath();
  /** spark-submit's jar, the jobs image's job jar (and its copy under the image's name), the streaming scorer's. */
  static final List<String> PRODUCTION_JARS =
      List.of("kaminari-spark.jar", "kaminari-jobs.jar", "jobs/kaminari.jar", "kaminari-scorer.jar");
  /** The broker's jars (kafka_2.12 and its kafka-* modules), not kafka-clients or Spark's Kafka source. */
  static final Pattern BROKER_JAR = Pattern.compile(
      "kafka_2\\.1[23]-.*|kafka-(server|server-common|raft|metadata|storage|storage-api|group-coordinator.*"
          + "|transaction-coordinator|coordinator-common|share-coordinator|tools-api)-[0-9].*\\.jar");
  /** Class-file prefixes of the broker (its Scala core and the server-side modules). */
  static final List<String> BROKER_CLASSES = List.of("kafka/", "org/apache/kafka/raft/", "org/apache/kafka/metadata/",
      "org/apache/kafka/storage/internals/", "org/apache/kafka/server/common/", "org/apache/kafka/coordinator/");

  @TempDir Path tmp;

  @Test
  void productionJarsHoldNoHarnessAndNoBroker() throws Exception {
    for (String name : PRODUCTION_JARS) {
      try (JarFile jar = new JarFile(TARGET.resolve(name).toFile())) {
        List<String> entries = jar.stream().map(e -> e.getName()).toList();
        assertThat(entries).as(name).anyMatch(e -> e.startsWith("io/kaminari/"));
        assertThat(entries).as(name + ": harness classes").noneMatch(e -> e.startsWith("io/kaminari/tools/"));
        assertThat(entries).as(name + ": the service file naming the harness's subcommands")
            .doesNotContain("META-INF/services/io.kaminari.cli.Subcommand");
        assertThat(entries).as(name + ": broker classes")
            .noneMatch(e -> e.endsWith(".class") && BROKER_CLASSES.stream().anyMatch(e::startsWith));
        var attributes = jar.getManifest().getMainAttributes();
        for (String attribute : List.of("Class-Path", "Kaminari-Libs")) {
          String value = attributes.getValue(attribute);
          if (value == null) continue;
          assertThat(Arrays.stream(value.split("[ :]")).map(p -> Path.of(p).getFileName().toString()))
              .as(name + " " + attribute).noneMatch(j -> BROKER_JAR.matcher(j).matches());
        }
      }
    }
  }

  /** target/lib is the runtime class path and the jobs image's /opt/spark/jars: the broker is only in tools-lib. */
  @Test
  void theBrokerIsNoRuntimeLibrary() throws Exception {
    assertThat(jars(TARGET.resolve("lib"))).contains("kafka-clients-3.9.1.jar")
        .noneMatch(j -> BROKER_JAR.matcher(j).matches());
    assertThat(jars(TARGET.resolve("tools-lib"))).contains("kafka_2.12-3.9.1.jar", "kafka-raft-3.9.1.jar")
        .noneMatch(j -> j.startsWith("spark-") || j.startsWith("kafka-clients"));
  }

  @Test
  void theDevelopersJarHasTheHarnessAndFindsTheBroker() throws Exception {
    try (JarFile jar = new JarFile(TARGET.resolve("kaminari.jar").toFile())) {
      assertThat(jar.getEntry("io/kaminari/tools/cli/DemoCommand.class")).isNotNull();
      assertThat(jar.getEntry("META-INF/services/io.kaminari.cli.Subcommand")).isNotNull();
      List<String> classPath = List.of(jar.getManifest().getMainAttributes().getValue("Class-Path").split(" "));
      assertThat(classPath).contains("tools-lib/kafka_2.12-3.9.1.jar", "lib/kafka-clients-3.9.1.jar")
          .allSatisfy(p -> assertThat(TARGET.resolve(p)).isRegularFile());
    }
    // The broker starts from the jar alone, as the DAGs' local mode and `kaminari demo` start it.
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        TARGET.resolve("kaminari.jar").toString(), "broker", "--home", tmp.toString(), "--port", "0")
        .redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        lines.add(line);
        if (line.startsWith("bootstrap.servers=")) break;
      }
    } finally {
      p.destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    assertThat(lines).as("kaminari broker's output").anyMatch(l -> l.matches("bootstrap.servers=127\\.0\\.0\\.1:\\d+"));
  }

  /** The job jar on the jobs image's class path alone: the production subcommands, none of the harness's. */
  @Test
  void theJobJarIsTheCliWithoutTheHarness() throws Exception {
    String cp = TARGET.resolve("kaminari-jobs.jar") + java.io.File.pathSeparator + TARGET.resolve("lib") + "/*";
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
        "io.kaminari.cli.Main", "--help").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    for (String sub : List.of("land", "compact", "features", "train", "score", "models", "scorer")) {
      assertThat(out).contains("  " + sub + " ");
    }
    for (String sub : List.of("demo", "generate", "bench", "evaluate", "broker")) {
      assertThat(out).doesNotContain("  " + sub + " ");
    }
  }

  private static List<String> jars(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".jar")).toList();
    }
  }
}
