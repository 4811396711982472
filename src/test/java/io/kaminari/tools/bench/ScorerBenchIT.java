package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.testing.KaminariJar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kaminari bench scorer} from the packaged jars at a small size: the scorer process it starts closes every
 * window of the stream (its flush flow must lie past the scorer's default lateness: with the 60 s flush of a 60 s
 * lateness, a 90 s default left the last window open and the bench waited for it for 30 minutes), swaps the model
 * under load, loses no window, and the command ends with its fixed BENCH line. Correctness only: the speed is the
 * benchmark's to measure.
 */
class ScorerBenchIT {
  @Test
  void closesEveryWindowSwapsTheModelAndEndsWithItsBenchLine() throws Exception {
    Path base = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "scorer-bench-it-");
    // 60,000 flows: three minutes of event time at the bench's 20,000 a minute, four windows
    KaminariJar.Run run = KaminariJar.run(base.resolve("bench.log"), Duration.ofMinutes(5), List.of("-Xmx1g"),
        "bench", "scorer", "--home", base.resolve("home").toString(), "--flows", "60000");
    assertThat(run.exit()).as(run.shown()).isZero();
    assertThat(run.last()).as(run.shown()).matches("BENCH scorer flows=60000 flows_per_s_per_core=\\d+"
        + " raw_flows_per_s=\\d+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ swap_ms=\\d+ lost_windows=0 rss_mb=\\d+");
    assertThat(BenchLine.parse(run.last()).number("swap_ms")).as("the model was swapped under load").isNotNegative();
  }
}
