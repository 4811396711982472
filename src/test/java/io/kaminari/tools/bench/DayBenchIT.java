package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.testing.KaminariJar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kaminari bench day} from the packaged jar, in its own JVM and home (it resets its warehouse and model store):
 * the day goes from the broker through every stage, each model scores every vector the day built, and the run ends
 * with its fixed BENCH line. Correctness only: the speed is the benchmark's to measure.
 */
class DayBenchIT {
  private static KaminariJar.Run bench(Path base, String log, String flows) throws Exception {
    return KaminariJar.run(base.resolve(log), Duration.ofMinutes(20), List.of("-Xmx2g"), "bench", "day", "--home",
        base.resolve("home").toString(), "--flows", flows);
  }

  @Test
  void takesADayFromKafkaToScoresAndEndsWithItsBenchLine() throws Exception {
    Path base = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "day-bench-it-");
    KaminariJar.Run run = bench(base, "bench.log", "100000");
    assertThat(run.exit()).as(run.shown()).isZero();
    assertThat(run.last()).as(run.shown()).matches("BENCH day flows=100000 seconds=[0-9.]+ land_s=[0-9.]+"
        + " compact_s=[0-9.]+ features_s=[0-9.]+ train_s=[0-9.]+ score_s=[0-9.]+ vectors=\\d+ scored=\\d+");
    BenchLine line = BenchLine.parse(run.last());
    double stages = 0;
    for (String stage : List.of("land_s", "compact_s", "features_s", "train_s", "score_s")) {
      assertThat(line.number(stage)).as(stage).isPositive();
      stages += line.number(stage);
    }
    // The total is the stages' wall time end to end, so never less than their sum.
    assertThat(line.number("seconds")).isGreaterThanOrEqualTo(stages - 0.05);
    // Both seed specs: the global one has the day's 288 windows, the dst-prefix one one vector per prefix and window.
    assertThat(line.number("vectors")).isGreaterThan(288).isEqualTo(line.number("scored"));
    assertThat(run.stdout()).as(run.shown())
        .anyMatch(l -> l.startsWith("land ") && l.contains("input_records=100000 "))
        .anyMatch(l -> l.startsWith("scored [2024-05-02T00, 2024-05-03T00) with bench-day-global/1: 288 windows"))
        .anyMatch(l -> l.startsWith("scored [2024-05-02T00, 2024-05-03T00) with bench-day-dst-prefix/1: "));

    KaminariJar.Run refused = bench(base, "refused.log", "0");
    assertThat(refused.exit()).as(refused.shown()).isNotZero();
    assertThat(refused.shown()).contains("--flows must be > 0");
  }
}
