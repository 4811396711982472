package io.kaminari.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.testing.TestSpark;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The progress lines of a run: its own job group only, at the interval, and none when off. */
class RunProgressTest {

  /** Four slow tasks in group {@code group}: about 1.2 s on local[2]. */
  private static long slowJob(SparkSession spark, String group) {
    spark.sparkContext().setJobGroup(group, group, false);
    try {
      return spark.range(0, 400, 1, 4).mapPartitions((MapPartitionsFunction<Long, Long>) rows -> {
        Thread.sleep(600);
        return rows;
      }, Encoders.LONG()).count();
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  @Test
  void reportsTheTasksAndRecordsOfItsOwnGroupEveryInterval() throws Exception {
    SparkSession spark = TestSpark.spark();
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunProgress progress = RunProgress.start(spark, "RUN A", "features 1234abcd", Duration.ofMillis(300),
        lines::add)) {
      slowJob(spark, "OTHER"); // another run's job in the same session: not counted, and no line while it runs
      slowJob(spark, "RUN A");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (progress.tasksDone() < 5 && System.nanoTime() < deadline) Thread.sleep(50);
      // count() is two stages: the four slow tasks, then one that sums their counts
      assertThat(progress.tasksDone()).isEqualTo(5);
      assertThat(progress.tasksPlanned()).isEqualTo(5);
      // the next interval's line reports the end state
      while (lines.stream().noneMatch(l -> l.contains(" 5/5 ")) && System.nanoTime() < deadline) Thread.sleep(50);
    }
    assertThat(lines).isNotEmpty();
    assertThat(lines).allSatisfy(l -> assertThat(l).matches(
        "features 1234abcd: \\d+ s, \\d/[1-5] tasks of [12] stages done, [\\d,]+ records read, [\\d,]+ written"));
    assertThat(lines.get(lines.size() - 1)).contains("5/5 tasks of 2 stages done, 400 records read");
    // a line only when a task ended since the last one: no two lines report the same count
    assertThat(lines.stream().map(l -> l.replaceAll(": \\d+ s,", ":")).distinct().count()).isEqualTo(lines.size());
    int after = lines.size();
    Thread.sleep(700);
    assertThat(lines).as("closed: no line follows").hasSize(after);
  }

  @Test
  void aRunShorterThanTheIntervalWritesNothing_andZeroTurnsItOff() {
    SparkSession spark = TestSpark.spark();
    List<String> lines = new CopyOnWriteArrayList<>();
    try (RunProgress progress = RunProgress.start(spark, "RUN B", "compact", Duration.ofHours(1), lines::add)) {
      spark.sparkContext().setJobGroup("RUN B", "b", false);
      assertThat(spark.range(10).count()).isEqualTo(10);
      spark.sparkContext().clearJobGroup();
    }
    assertThat(lines).isEmpty();
    assertThatThrownBy(() -> RunProgress.start(spark, "g", "x", Duration.ZERO, lines::add))
        .hasMessageContaining("must be > 0");
    // progress.interval 0 reaches the session as 0 ms, and JobRuns then starts no reporter
    KaminariConfig off = TestSpark.config().with(Settings.PROGRESS_INTERVAL, "0");
    assertThat(off.get(Settings.PROGRESS_INTERVAL)).isZero();
    String before = spark.conf().get(RunProgress.CONF);
    try {
      spark.conf().set(RunProgress.CONF, "0");
      assertThat(RunProgress.start(spark, "g", "x")).isNull();
    } finally {
      spark.conf().set(RunProgress.CONF, before);
    }
    assertThat(before).as("the default interval, set by SparkSessions").isEqualTo("30000");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(Settings.PROGRESS_INTERVAL.name(), "-1s"), Map.of()))
        .hasMessageContaining("progress.interval");
  }
}
