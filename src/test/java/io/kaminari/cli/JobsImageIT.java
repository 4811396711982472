package io.kaminari.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.incidents.FlowspecRule;
import io.kaminari.incidents.GobgpApi;
import io.kaminari.testing.Gobgpd;
import io.kaminari.testing.OciImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs image ({@code target/jib-jobs.tar}, built by Jib in {@code package}) run from its own layers through its
 * entrypoint (Spark's Kubernetes {@code entrypoint.sh}), as its non-root user on a read-only root: the pass-through
 * mode runs the {@code kaminari} CLI and the shell tools the DAGs' registry scripts use, and the {@code driver} mode
 * goes through the image's own {@code spark-submit} (bash, spark-class, Spark's launcher, tini) into the job jar.
 * The {@code executor} mode needs a driver on Kubernetes, which no test here has; its class is checked to be there.
 */
class JobsImageIT {
  static final Path TARBALL = Path.of("target", "jib-jobs.tar").toAbsolutePath();

  @TempDir static Path tmp;
  static OciImage image;
  static Path root;

  @BeforeAll
  static void unpack() throws Exception {
    image = OciImage.open(TARBALL, tmp);
    root = image.unpack(tmp.resolve("root"));
  }

  @Test
  void isSparkOnKubernetesShaped() throws Exception {
    assertThat(image.config().path("User").asText()).isEqualTo("185:185");
    assertThat(image.entrypointAndCmd()).containsExactly("/opt/entrypoint.sh");
    assertThat(image.env()).containsEntry("SPARK_HOME", "/opt/spark").containsEntry("JAVA_HOME", "/opt/java/openjdk");
    assertThat(image.volumes()).contains("/tmp");
    Path jars = root.resolve("opt/spark/jars");
    assertThat(jars.resolve("spark-core_2.12-3.5.7.jar")).isRegularFile();
    Path kubernetes;
    try (Stream<Path> list = Files.list(jars)) {
      kubernetes = list.filter(p -> p.getFileName().toString().startsWith("spark-kubernetes_2.12-")).findFirst()
          .orElseThrow(() -> new AssertionError("no spark-kubernetes jar in /opt/spark/jars"));
    }
    try (JarFile jar = new JarFile(kubernetes.toFile())) {
      assertThat(jar.getEntry("org/apache/spark/scheduler/cluster/k8s/KubernetesExecutorBackend.class")).isNotNull();
      assertThat(jar.getEntry("org/apache/spark/scheduler/cluster/k8s/KubernetesClusterManager.class")).isNotNull();
    }
    assertThat(root.resolve("usr/bin/tini")).isRegularFile().isExecutable();
    assertThat(root.resolve("opt/kaminari/kaminari.jar")).isRegularFile();
  }

  /** Production only: no harness class in the job jar, no Kafka broker among Spark's jars (PackagingIT, pom.xml). */
  @Test
  void holdsNoHarnessAndNoBroker() throws Exception {
    try (JarFile jar = new JarFile(root.resolve("opt/kaminari/kaminari.jar").toFile())) {
      assertThat(jar.stream().map(e -> e.getName()))
          .anyMatch(n -> n.equals("io/kaminari/cli/Main.class"))
          .noneMatch(n -> n.startsWith("io/kaminari/tools/"))
          .doesNotContain("META-INF/services/io.kaminari.cli.Subcommand");
    }
    try (Stream<Path> list = Files.list(root.resolve("opt/spark/jars"))) {
      assertThat(list.map(p -> p.getFileName().toString())).contains("kafka-clients-3.9.1.jar")
          .noneMatch(n -> n.startsWith("kafka_2.12-") || n.startsWith("kafka-server") || n.startsWith("kafka-raft")
              || n.startsWith("kafka-metadata"));
    }
  }

  @Test
  void passThroughRunsTheKaminariCli() throws Exception {
    String out = run(List.of("kaminari", "--help"), Map.of());
    for (String sub : List.of("land", "compact", "features", "select-ports", "train", "score", "models", "retain")) {
      assertThat(out).contains("  " + sub);
    }
    assertThat(out).as("the harness's subcommands are not in the image").doesNotContain("  demo ")
        .doesNotContain("  broker ");
  }

  @Test
  void passThroughHasTheShellToolsOfTheRegistryScripts() throws Exception {
    assertThat(run(List.of("/bin/sh", "-c", "echo 'flow-ae/7 sha' | head -n 1 | cut -d ' ' -f 1 | cut -d / -f 2"),
        Map.of())).isEqualTo("7\n");
  }

  @Test
  void driverModeRunsTheJobJarThroughTheImagesSparkSubmit() throws Exception {
    String out = run(List.of("driver", "--master", "local[1]", "--conf", "spark.ui.enabled=false", "--class",
        "io.kaminari.cli.Main", "local:///opt/kaminari/kaminari.jar", "config", "--dump", "--set", "topics=a,b"),
        Map.of("SPARK_DRIVER_BIND_ADDRESS", "127.0.0.1"));
    assertThat(out).contains("topics: a,b");
  }

  /**
   * {@code mitigation.mode=announce} from a pod: the image's own GoBGP client, run as {@link GobgpApi} runs it, adds a
   * Flowspec rule to a real {@code gobgpd}, which holds it as printed.
   */
  @Test
  void itsGobgpClientAnnouncesToARealGobgpd(@TempDir Path dir) throws Exception {
    try (Gobgpd gobgpd = Gobgpd.start(dir)) {
      List<String> args = new ArrayList<>(List.of(GobgpApi.CLIENT));
      args.addAll(GobgpApi.connection(gobgpd.address()));
      args.addAll(FlowspecRule.fragmentsOf("203.0.113.30/32").gobgpArgs("discard"));
      run(args, Map.of());
      assertThat(gobgpd.rib("ipv4-flowspec"))
          .contains("[destination: 203.0.113.30/32][protocol: ==udp][fragment: is-fragment]");
    }
  }

  /** The image's entrypoint with {@code args} (a pod's {@code args}); fails with the output unless it exits 0. */
  private static String run(List<String> args, Map<String, String> env) throws Exception {
    List<String> cmd = new ArrayList<>(image.entrypointAndCmd());
    cmd.addAll(args);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = image.command(root, cmd, env).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("%s%nstdout:%n%s%nstderr:%n%s", cmd, stdout, Files.readString(err)).isZero();
    return stdout;
  }
}
