package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code kaminari bench score} from the packaged jar, in its own JVM and home (it writes {@code port_vectors} and a
 * model, which must not reach the shared test warehouse): it scores every vector it wrote, ends with its fixed BENCH
 * line, and refuses a size it cannot use. Correctness only: the speed is the benchmark's to measure.
 */
class ScoreBenchIT {
  static final Path JAR = Path.of("target", "kaminari.jar").toAbsolutePath();

  private static List<String> run(Path home, Path log, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx1g", "-Dai.djl.offline=true", "-Dspark.ui.enabled=false", "-jar", JAR.toString(), "bench",
        "score", "--home", home.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process p = pb.start();
    // A hang guard, not a timing.
    if (!p.waitFor(20, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("bench score did not finish in 20 minutes:\n" + Files.readString(log));
    }
    List<String> out = Files.readAllLines(log);
    out.add("exit " + p.exitValue());
    return out;
  }

  @Test
  void scoresEveryVectorItWroteAndEndsWithItsBenchLine() throws Exception {
    Path base = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "score-bench-it-");
    List<String> out = run(base.resolve("home"), base.resolve("bench.log"), "--windows", "5500");
    String shown = String.join("\n", out);
    assertThat(out.get(out.size() - 1)).as(shown).isEqualTo("exit 0");
    // 5,500 asked, whole windows of 1,000 prefixes scored; the line is the last of the command's output.
    String line = out.get(out.size() - 2);
    assertThat(line).as(shown).matches("BENCH score windows=5000 windows_per_s_per_core=\\d+ seconds=[0-9.]+"
        + " cores=\\d+");
    BenchLine parsed = BenchLine.parse(line);
    assertThat(parsed.number("windows_per_s_per_core")).isPositive();
    assertThat(shown).contains("scored [2024-05-01T00, 2024-05-01T01) with bench-score/1: 5,000 windows");

    List<String> refused = run(base.resolve("home"), base.resolve("refused.log"), "--windows", "999");
    assertThat(refused.get(refused.size() - 1)).isNotEqualTo("exit 0");
    assertThat(String.join("\n", refused)).contains("--windows must be >= 1000");
  }
}
