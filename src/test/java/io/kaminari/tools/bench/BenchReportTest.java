package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kaminari.tools.bench.BenchReport.Cost;
import io.kaminari.tools.bench.BenchSuite.Case;
import io.kaminari.tools.bench.BenchSuite.Run;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report generator on made-up BENCH lines: parsing, costs, growth, verdicts, projection, kept notes. */
class BenchReportTest {
  private static final int CORES = 2;

  private static Case suiteCase(String name) {
    return BenchSuite.CASES.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  private static Run run(String name, long size, String bench) {
    return new Run(suiteCase(name), size, "kaminari bench " + name, BenchLine.parse(bench), null, 42.0);
  }

  /** Compaction and the scorer linear in flows; features and training with a fixed cost on top. */
  private static List<Run> fullRuns() {
    List<Run> runs = new ArrayList<>();
    for (long flows : List.of(500_000L, 1_000_000L, 2_000_000L)) {
      runs.add(run("compact", flows, "BENCH compact flows=" + flows
          + " flows_per_s_per_core=100000 naive_flows_per_s_per_core=25000 ratio=4.00"));
    }
    for (long flows : List.of(2_500_000L, 5_000_000L, 10_000_000L)) {
      double seconds = 5 + flows / 400_000.0;
      runs.add(run("features", flows, String.format(Locale.ROOT, "BENCH features flows=%d seconds=%.2f vectors=288288",
          flows, seconds)));
    }
    for (long windows : List.of(25_000L, 50_000L, 100_000L)) {
      runs.add(run("train", windows, String.format(Locale.ROOT,
          "BENCH train windows=%d epochs=50 seconds_per_epoch=%.3f seconds_total=%.3f", windows, windows / 200_000.0,
          windows / 4_000.0)));
    }
    runs.add(run("train-pytorch", 100_000, "BENCH train-pytorch windows=100000 epochs=50 seconds_per_epoch=0.250"
        + " djl_seconds_per_epoch=0.500 djl_to_pytorch=2.00 cpu_seconds_per_epoch=0.200"
        + " djl_cpu_seconds_per_epoch=0.300 torch=2.7.1+cu126"));
    runs.add(run("score", 1_000_000, "BENCH score windows=1000000 windows_per_s_per_core=50000 seconds=10.00 cores=2"
        + " floor_windows_per_s_per_core=90000"));
    runs.add(run("day", 10_000_000, "BENCH day flows=10000000 seconds=150.00 land_s=30.00 compact_s=40.00"
        + " features_s=50.00 train_s=20.00 score_s=10.00 vectors=300000 scored=300000"));
    for (long flows : List.of(1_250_000L, 2_500_000L, 5_000_000L)) {
      runs.add(run("scorer", flows, "BENCH scorer flows=" + flows + " flows_per_s_per_core=250000"
          + " raw_flows_per_s=1000000 p50_ms=20.0 p99_ms=250.0 swap_ms=80 lost_windows=0 rss_mb=600"));
    }
    return runs;
  }

  private static BenchReport.Suite suite(List<Run> runs, Map<String, String> skipped, double scale) {
    return new BenchReport.Suite(runs, skipped, scale, "java -jar target/kaminari.jar bench all", "2 cores, 24 GiB",
        Instant.parse("2024-05-01T00:00:00Z"), 12.5, "0.1 / 0.2 / 0.3", "1.0 / 0.8 / 0.5", CORES);
  }

  private static String row(String md, String startsWith) {
    return md.lines().filter(l -> l.startsWith(startsWith)).findFirst()
        .orElseThrow(() -> new AssertionError("no row starting with " + startsWith + " in\n" + md));
  }

  @Test
  void parsesBenchAndPytorchLines() {
    BenchLine l = BenchLine.parse("BENCH scorer flows=5 p99_ms=250.0 torch=2.7.1");
    assertThat(l.name()).isEqualTo("scorer");
    assertThat(l.values().keySet()).containsExactly("flows", "p99_ms", "torch");
    assertThat(l.number("p99_ms")).isEqualTo(250.0);
    assertThat(l.text("torch")).isEqualTo("2.7.1");
    assertThatThrownBy(() -> l.number("torch")).hasMessageContaining("torch=2.7.1 is not a number");
    assertThatThrownBy(() -> l.number("rss_mb")).hasMessageContaining("no rss_mb=");

    BenchLine p = BenchLine.parse("PYTORCH windows=10 seconds_per_epoch=0.5", "PYTORCH");
    assertThat(p.name()).isEmpty();
    assertThat(p.number("seconds_per_epoch")).isEqualTo(0.5);
    assertThatThrownBy(() -> BenchLine.parse("BENCH x flows")).hasMessageContaining("'flows' is not key=value");
    assertThatThrownBy(() -> BenchLine.parse("bench x a=1")).hasMessageContaining("not a BENCH line");
  }

  @Test
  void scaledCasesKeepAMinimumAndDropDuplicateSizes() {
    Case c = new Case("x", "--flows", "flows", List.of(500_000L, 1_000_000L, 2_000_000L), List.of("--epochs", "5"));
    assertThat(c.scaled(0.01).sizes()).containsExactly(5_000L, 10_000L, 20_000L);
    assertThat(c.scaled(0.0001).sizes()).containsExactly(BenchSuite.MIN_SIZE, 200L);
    assertThat(c.scaled(0.01).args(5_000)).containsExactly("--flows", "5000", "--epochs", "5");
    assertThat(c.headline()).isEqualTo(2_000_000L);
  }

  @Test
  void growthExponentIsTheLogLogSlope() {
    List<Cost> linear = List.of(new Cost(1e6, 1, 3), new Cost(2e6, 1, 6), new Cost(4e6, 1, 12));
    assertThat(BenchReport.exponent(linear)).isCloseTo(1.0, within(1e-9));
    List<Cost> quadratic = List.of(new Cost(1e6, 1, 1), new Cost(2e6, 1, 4), new Cost(4e6, 1, 16));
    assertThat(BenchReport.exponent(quadratic)).isCloseTo(2.0, within(1e-9));
    List<Cost> fixedCost = List.of(new Cost(1e6, 1, 10 + 1), new Cost(2e6, 1, 10 + 2), new Cost(4e6, 1, 10 + 4));
    assertThat(BenchReport.exponent(fixedCost)).isBetween(0.0, 0.5);
    assertThat(BenchReport.exponent(List.of(new Cost(1e6, 1, 1), new Cost(1e6, 1, 2)))).isNaN();
  }

  @Test
  void costsComeFromEachBenchLinesOwnUnits() {
    List<Run> runs = fullRuns();
    Cost compact = BenchReport.cost(BenchReport.headline(suite(runs, Map.of(), 1), "compact").orElseThrow(), CORES);
    assertThat(compact.coreSeconds()).isCloseTo(2_000_000 / 100_000.0, within(1e-9));
    assertThat(compact.wallSeconds()).isCloseTo(compact.coreSeconds() / CORES, within(1e-9));
    assertThat(compact.perMillion()).isCloseTo(10.0, within(1e-9));
    Cost features = BenchReport.cost(BenchReport.headline(suite(runs, Map.of(), 1), "features").orElseThrow(), CORES);
    assertThat(features.coreSeconds()).isCloseTo(30.0 * CORES, within(1e-9));
    Cost scorer = BenchReport.cost(BenchReport.headline(suite(runs, Map.of(), 1), "scorer").orElseThrow(), CORES);
    assertThat(scorer.wallSeconds()).isNaN();
    assertThat(scorer.perMillion()).isCloseTo(4.0, within(1e-9));
  }

  @Test
  void aScoreLineFromBeforeTheFloorStillMakesItsRow() {
    List<Run> runs = new ArrayList<>(fullRuns());
    runs.replaceAll(r -> r.bench().name().equals("score") ? run("score", 1_000_000,
        "BENCH score windows=1000000 windows_per_s_per_core=50000 seconds=10.00 cores=2") : r);
    String md = BenchReport.markdown(suite(runs, Map.of(), 1), "");
    assertThat(row(md, "| batch scoring throughput (1,000,000 windows)"))
        .contains("10.0 s on 2 cores, read to written |").doesNotContain("floor");
  }

  @Test
  void measuresAreJudgedAgainstTheirTargetsAtScaleOne() {
    String md = BenchReport.markdown(suite(fullRuns(), Map.of(), 1), "");
    // 100k flows/s per core is below the 150k target, 4x naive is above the 2x one.
    assertThat(row(md, "| compaction throughput (2,000,000 flows)")).contains("100,000 flows/s per core")
        .contains("naive Spark JSON job: 25,000 flows/s per core").endsWith("| **missed** |");
    assertThat(row(md, "| compaction against the naive job")).contains("4.00× naive").endsWith("| met |");
    assertThat(row(md, "| features of one day")).contains("30.0 s (288,288 vectors)").contains("0.50 of target")
        .endsWith("| met |");
    assertThat(row(md, "| training, DJL (100,000 windows × 50 epochs)")).contains("25.0 s (0.500 s/epoch)")
        .contains("PyTorch: 0.250 s/epoch").endsWith("| met |");
    assertThat(row(md, "| training, DJL against PyTorch")).contains("2.00× wall, 1.50× CPU (DJL ÷ PyTorch)")
        .contains("PyTorch 2.7.1+cu126").endsWith("| — |");
    assertThat(row(md, "| scorer peak RSS")).contains("600 MB").endsWith("| **missed** |");
    assertThat(row(md, "| scorer lost or doubled windows")).endsWith("| met |");
    assertThat(row(md, "| scorer hot swap under load")).contains("| 80.0 ms |").endsWith("| met |");
    assertThat(row(md, "| batch scoring throughput (1,000,000 windows)")).contains("50,000 windows/s per core")
        .contains("10.0 s on 2 cores")
        .contains("Spark's floor, the same rows read and written without a model: 90,000 windows/s per core")
        .contains("0.05 of target").endsWith("| **missed** |");
    assertThat(row(md, "| a day from Kafka to scores (10,000,000 flows)")).contains("| 150.0 s |")
        .contains("land 30.0 s, compact 40.0 s, features 50.0 s, train 20.0 s, score 10.0 s")
        .contains("1.25 of target").endsWith("| **missed** |");
    assertThat(md).contains("Targets: 6 met, 5 missed.");
    assertThat(md).contains("Machine: 2 cores, 24 GiB").contains("`java -jar target/kaminari.jar bench all`");
    assertThat(md).contains("DJL takes 2.00× PyTorch's wall time per epoch, and 1.50× its CPU time");
  }

  @Test
  void scaleTableAndProjectionFollowFromTheFigures() {
    String md = BenchReport.markdown(suite(fullRuns(), Map.of(), 1), "");
    // compaction: 10 core-s per million at every size, so growth 1.00 on its first row
    assertThat(row(md, "| compact | 500,000 flows")).isEqualTo("| compact | 500,000 flows | 2.5 | 5.0 | 10.0 | 1.00 |");
    assertThat(row(md, "| compact | 2,000,000 flows"))
        .isEqualTo("| compact | 2,000,000 flows | 10.0 | 20.0 | 10.0 |  |");
    // features: 5 s fixed + 2.5 s per million, on 2 cores; the fixed part makes the growth < 1
    assertThat(row(md, "| features | 10,000,000 flows")).contains("| 30.0 | 60.0 | 6.0 |");
    assertThat(row(md, "| scorer | 5,000,000 flows")).isEqualTo("| scorer | 5,000,000 flows | — | 20.0 | 4.0 |  |");

    // 10x: 100M flows a day, 12.5M in the peak hour (3x the mean hour)
    double peakHour = 100_000_000 / 24.0 * 3;
    double compactHour = 10.0 * peakHour / 1e6; // linear: growth 1.00
    double featuresHour = 6.0 * peakHour / 1e6; // linear from the largest run: growth < 1
    // 1000x: 1.25G flows in the peak hour; the executor cores that do both jobs in 600 s
    double peakHour1000 = 10_000_000_000.0 / 24 * 3;
    long cores1000 = (long) Math.ceil((10.0 + 6.0) * peakHour1000 / 1e6 / 600);
    String projection = md.substring(md.indexOf("## Projection"), md.indexOf("## Runs"));
    assertThat(row(projection, "| flows in the peak hour")).contains(String.format(Locale.ROOT, "| %,.0f |",
        peakHour));
    assertThat(row(projection, "| compaction core-s for the peak hour")).contains(String.format(Locale.ROOT,
        "| %,.0f |", compactHour));
    assertThat(row(projection, "| features core-s for the peak hour")).contains(String.format(Locale.ROOT,
        "| %,.0f |", featuresHour));
    assertThat(row(projection, "| executor cores to finish the peak hour in time")).endsWith(String.format(
        Locale.ROOT, "| %,d |", cores1000));
    assertThat(row(projection, "| executors of 4 cores")).endsWith(String.format(Locale.ROOT, "| %,d |",
        (cores1000 + 3) / 4));
    // the scorer's ceiling is 250k flows/s; 1000x peaks at 10G/86400*3 = 347k flows/s
    double load1000 = 10_000_000_000.0 / 86_400 * 3 / 250_000;
    assertThat(row(projection, "| scorer load")).endsWith(String.format(Locale.ROOT, "| %.2f× |", load1000));
    assertThat(projection).contains(String.format(Locale.ROOT, "%.1f× what one thread can do", load1000));
    // dst-prefix training: 7 days x 288,288 vectors x 1000 windows at 2.5 ms each, on one thread or in 4 groups
    double hours1000 = 7 * 288_288 * 1000.0 / 4_000 / 3600;
    assertThat(row(projection, "| dst-prefix training, hours on one driver thread")).endsWith(String.format(
        Locale.ROOT, "| %,.0f |", hours1000));
    assertThat(row(projection, "| dst-prefix training, hours with its 4 groups in parallel tasks")).endsWith(
        String.format(Locale.ROOT, "| %,.0f |", hours1000 / 4));
    assertThat(projection).contains(String.format(Locale.ROOT, "%,.1f hours at 1000×", hours1000 / 4))
        .contains("beyond the retrain DAG's 3-hour task timeout").doesNotContain("does not scale out");
  }

  @Test
  void skippedAndFailedRunsAreRecordedNotJudged() {
    List<Run> runs = new ArrayList<>(fullRuns());
    runs.removeIf(r -> r.bench().name().equals("train-pytorch") || r.bench().name().equals("features"));
    runs.add(new Run(suiteCase("features"), 10_000_000, "kaminari bench features --flows 10000000", null, "exit 1",
        3.0));
    Map<String, String> skipped = new LinkedHashMap<>();
    skipped.put("train-pytorch", "no Python interpreter at .venv-bench/bin/python");
    String md = BenchReport.markdown(suite(runs, skipped, 1), "");
    assertThat(row(md, "| training, DJL against PyTorch")).endsWith(
        "| skipped: no Python interpreter at .venv-bench/bin/python |");
    assertThat(row(md, "| features of one day")).contains("**failed**: exit 1");
    assertThat(row(md, "| training, DJL (100,000")).contains("PyTorch: not run");
    assertThat(md).contains("**Not measured in this run:** no Python interpreter")
        .contains("bash src/bench/python/setup.sh");
    assertThat(md).contains("Not computed: no successful run of features.");
    assertThat(md).contains("Targets: 5 met, 5 missed.");
  }

  @Test
  void aSwapTheScorerNeverReportedIsMissed() {
    List<Run> runs = new ArrayList<>(fullRuns());
    runs.removeIf(r -> r.bench().name().equals("scorer"));
    runs.add(run("scorer", 5_000_000, "BENCH scorer flows=5000000 flows_per_s_per_core=350000 raw_flows_per_s=1000000"
        + " p50_ms=20.0 p99_ms=250.0 swap_ms=-1 lost_windows=0 rss_mb=400"));
    String md = BenchReport.markdown(suite(runs, Map.of(), 1), "");
    assertThat(row(md, "| scorer hot swap under load")).contains("no swap reported").endsWith("| **missed** |");
  }

  @Test
  void aScaledRunJudgesNothingAndSaysSo() {
    String md = BenchReport.markdown(suite(fullRuns(), Map.of(), 0.01), "");
    assertThat(md).contains("**Smoke run at scale 0.01").doesNotContain("| met |").doesNotContain("**missed**")
        .doesNotContain("Targets:");
    assertThat(row(md, "| compaction against the naive job")).endsWith("| not judged (scale 0.01) |");
  }

  @Test
  void handWrittenNotesAreKept() {
    String existing = "# Benchmarks\n\nold table\n\n" + BenchReport.NOTES_MARKER + "\n\n## Where time goes\nprofile\n";
    String notes = BenchReport.notes(existing);
    assertThat(notes).startsWith(BenchReport.NOTES_MARKER).endsWith("## Where time goes\nprofile\n");
    String md = BenchReport.markdown(suite(fullRuns(), Map.of(), 1), notes);
    assertThat(md).endsWith(notes).doesNotContain("old table");
    assertThat(BenchReport.notes(md)).isEqualTo(notes);
    assertThat(BenchReport.notes("no marker here")).isEmpty();
    assertThat(BenchReport.markdown(suite(fullRuns(), Map.of(), 1), "")).endsWith(BenchReport.NOTES_MARKER + "\n");
  }
}
