package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.testing.KaminariJar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kaminari bench score} from the packaged jar, in its own JVM and home (it writes {@code port_vectors} and a
 * model, which must not reach the shared test warehouse): it scores every vector it wrote, ends with its fixed BENCH
 * line, and refuses a size it cannot use. Correctness only: the speed is the benchmark's to measure.
 */
class ScoreBenchIT {
  private static KaminariJar.Run bench(Path base, String log, String windows) throws Exception {
    return KaminariJar.run(base.resolve(log), Duration.ofMinutes(20), List.of("-Xmx1g"), "bench", "score", "--home",
        base.resolve("home").toString(), "--windows", windows);
  }

  @Test
  void scoresEveryVectorItWroteAndEndsWithItsBenchLine() throws Exception {
    Path base = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "score-bench-it-");
    KaminariJar.Run run = bench(base, "bench.log", "5500");
    assertThat(run.exit()).as(run.shown()).isZero();
    // 5,500 asked, whole windows of 1,000 prefixes scored; the line is the last of the command's output.
    assertThat(run.last()).as(run.shown()).matches("BENCH score windows=5000 windows_per_s_per_core=\\d+"
        + " seconds=[0-9.]+ cores=\\d+ floor_windows_per_s_per_core=\\d+");
    BenchLine line = BenchLine.parse(run.last());
    assertThat(line.number("windows_per_s_per_core")).isPositive();
    assertThat(line.number("floor_windows_per_s_per_core")).isPositive();
    assertThat(base.resolve("home/bench/score-floor")).as("the floor's scratch rows are deleted").doesNotExist();
    assertThat(run.stdout()).as(run.shown())
        .anyMatch(l -> l.startsWith("scored [2024-05-01T00, 2024-05-01T01) with bench-score/1: 5,000 windows, "));

    KaminariJar.Run refused = bench(base, "refused.log", "999");
    assertThat(refused.exit()).as(refused.shown()).isNotZero();
    assertThat(refused.shown()).contains("--windows must be >= 1000");
  }
}
