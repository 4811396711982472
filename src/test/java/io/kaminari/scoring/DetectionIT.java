package io.kaminari.scoring;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.IpPrefix;
import io.kaminari.features.Scope;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ar.NewPorts;
import io.kaminari.model.spark.TrainConfig;
import io.kaminari.model.spark.TrainJob;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.DemoTraffic;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.evaluate.WindowMetrics;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.GenerationResult;
import io.kaminari.tools.generate.Label;
import io.kaminari.tools.generate.LabelWriter;
import io.kaminari.tools.generate.Scenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Detection quality of the batch path {@code train -> registry -> score} on the demo's data: {@link Scenarios#demo}
 * with the demo's defaults (seed 42, 150,000 benign flows a day; a quiet first day, then a SYN flood, a DNS
 * reflection, an NTP reflection and a port scan of 10 minutes each on day two) goes through the real jobs: file
 * landing, compaction, features (global seed spec, 5-minute windows), {@link TrainJob} on day one with the default
 * hyperparameters publishing to the registry as champion, and {@link ScoreJob} on day two writing
 * {@code kaminari.anomaly_scores}. The flagged windows of day two are compared with the generator's labels (a window
 * is an attack window when any attack flow starts in it: 8 of the day's 288), and precision and recall are printed.
 *
 * <p>Measured (seed 42) with the default {@code pot:1/day}: precision 0.800, recall 1.000 (8 of 8 attack windows,
 * each at 5.4 times the verdict threshold or more; two false alarms, quiet windows at 1.011 and 1.012, each flagged
 * by the AR forecaster's half of the budget on one port's rate: dst_port 22 pps +6.2σ, dst_port 1433 pps +6.2σ,
 * against its threshold 6.13). With the earlier {@code quantile:0.999}: precision 0.889, recall 1.000 (one false
 * alarm; autoencoder threshold 1.69, the largest of the 282 windows of day one that trimmed retraining keeps). Without trimmed retraining ({@code trim_fraction} 0, the default
 * before it existed): precision 1.000, recall 1.000, threshold 1.80, the largest score of day one. Before the std
 * floor and the threshold's minimum-count rule of {@code models/flow-ae/MODEL_CARD.md}: precision 0.800, recall 0.500.
 * On two other seeds of the same scenario (7, 123), without trimming, recall 1.000 both, precision 0.615 (5 false
 * alarms) and 1.000; not re-measured with it.
 *
 * <p>Floors asserted, and why:
 * <ul>
 *   <li>Every window of the two high-rate attacks (SYN flood: 20 flows/s, ~5,800 source ports on dst port 80 per
 *       window; DNS reflection: ~67 pps from src port 53 to ~4,400 ports) is flagged. They score 4.8-5.5, 2.7-3x
 *       the threshold, on every seed measured; missing one is a bug, not a hard case.
 *   <li>Every attack is detected in at least one of its windows (event recall 1): the low-rate NTP reflection and
 *       port scan move only the "other" buckets and score 1.9-2.6, close to the threshold (1.7-1.8), so one of their
 *       windows may fall under it, but an attack missed entirely would mean the score no longer sees them.
 *   <li>Window recall >= 0.75: at most two of the 8 windows missed, i.e. one window of each low-rate attack.
 *   <li>At most 5 false alarms among the 280 quiet windows, hence precision >= 0.6. The budget is one false alarm a
 *       day ({@code pot:1/day}, half to each detector), extrapolated from one training day; the generator's days
 *       differ (its sparse ports burst at random): 2 here; 5 on the worst other seed measured (7, with the earlier
 *       quantile default). More than that is a false-alarm rate the threshold rule does not explain.
 * </ul>
 */
class DetectionIT {
  static final String MODEL = "detect-ae";
  static final Instant DAY2 = Scenarios.DEMO_START.plus(Duration.ofDays(1));
  static final Instant END = DAY2.plus(Duration.ofDays(1));
  /** The demo's default, so the figures printed here are the demo's. */
  static final long FLOWS_PER_DAY = 150_000;

  @Test
  void flagsTheInjectedAttacksAndNotTheQuietWindows() throws Exception {
    SparkSession spark = TestSpark.spark();
    KaminariConfig config = TestSpark.config();
    TestSpark.resetWarehouse();
    Path home = Path.of(config.get(Settings.HOME));
    GenerationResult generated = DemoTraffic.landCompactFeatures(spark, config, FLOWS_PER_DAY);
    FeatureSpec spec = FeatureSpec.seed(Scope.GLOBAL);

    ModelRegistry registry = ModelRegistry.fromConfig(config);
    new TrainJob(spark, new TrainConfig(MODEL, spec, Scenarios.DEMO_START, DAY2, Hyperparameters.DEFAULTS, "champion",
        true, 0.0, home.resolve("tmp")), registry).run();
    ModelRef champion = ModelRef.parse(MODEL + "@champion");
    int version = registry.resolve(champion);
    ModelManifest manifest = registry.verify(MODEL, version);
    new ScoreJob(spark, new ScoreConfig(champion, EventHours.covering(DAY2, END), 24), registry).run();

    // Labels per scoring window: which attack (by victim) started flows in it.
    Map<Instant, String> attackOf = new TreeMap<>();
    for (Label l : LabelWriter.labels(generated, Duration.ofSeconds(spec.windowSeconds()))) {
      if (l.attackFlows() > 0) attackOf.put(l.windowStart(), l.victim());
    }
    List<Row> rows = spark.table(Warehouse.ANOMALY_SCORES)
        .where(col(Columns.MODEL_NAME).equalTo(MODEL).and(col(Columns.MODEL_VERSION).equalTo(version))
            .and(col(Columns.SCOPE).equalTo(Scope.GLOBAL.jsonName())))
        .orderBy(Columns.WINDOW_START).collectAsList();
    assertThat(rows).as("one global row per window of day two").hasSize(288);
    Set<Instant> flagged = new TreeSet<>();
    System.out.printf("threshold %.4f (%s)%n", manifest.threshold(), manifest.thresholdMethod());
    for (Row r : rows) {
      Instant w = r.getAs(Columns.WINDOW_START);
      boolean anomaly = r.getAs(Columns.IS_ANOMALY);
      if (anomaly) flagged.add(w);
      if (anomaly || attackOf.containsKey(w)) {
        System.out.printf("  %s score=%7.3f %-8s %-15s %s%n", w, r.<Double>getAs(Columns.SCORE),
            anomaly ? "FLAGGED" : "missed", attackOf.getOrDefault(w, "(quiet)"),
            r.getList(r.fieldIndex(Columns.EXPLANATION)));
      }
    }
    WindowMetrics m = WindowMetrics.of(flagged, attackOf.keySet());
    System.out.printf("DetectionIT demo day 2, global 5-minute windows: %d attack windows, %d quiet; per-window %s%n",
        attackOf.size(), rows.size() - attackOf.size(), m);

    assertThat(attackOf).as("labelled attack windows: 4 attacks x 2 windows").hasSize(8);
    assertThat(manifest.metrics()).as("pot calibrated on the whole training day (minimum-count rule): the 282 windows"
        + " trimmed retraining keeps (round(0.02 x 259) training and round(0.02 x 29) validation windows trimmed) and"
        + " the 6 trimmed ones, which pot adds back to its tail (Calibrator)")
        .containsEntry("threshold_windows", 288.0).containsEntry("trimmed_windows", 6.0);
    for (AttackSpec a : Scenarios.demoAttacks()) {
      Set<Instant> windows = new TreeSet<>();
      attackOf.forEach((w, victim) -> {
        if (victim.equals(a.victim())) windows.add(w);
      });
      Set<Instant> found = new TreeSet<>(windows);
      found.retainAll(flagged);
      System.out.printf("  %-15s %-13s %d of %d windows flagged%n", a.kind(), a.victim(), found.size(), windows.size());
      assertThat(found).as("%s on %s detected in at least one window", a.kind(), a.victim()).isNotEmpty();
      if (a.victim().equals("203.0.113.10") || a.victim().equals("203.0.113.20")) {
        assertThat(found).as("every window of the high-rate %s on %s", a.kind(), a.victim()).isEqualTo(windows);
      }
    }
    // The new-ports rule: day one's service ports all recur (none new to a window left out), so 4 new ports a window
    // are the most it tolerates; the port scan reaches hundreds a window, and the explanation names them.
    assertThat(manifest.metrics()).containsEntry("ar_new_ports_threshold", 4.0);
    List<Instant> byNewPorts = rows.stream()
        .filter(r -> r.getList(r.fieldIndex(Columns.EXPLANATION)).stream()
            .anyMatch(e -> e.toString().startsWith("AR " + NewPorts.LABEL + " ")))
        .map(r -> r.<Instant>getAs(Columns.WINDOW_START)).toList();
    assertThat(byNewPorts).as("windows the new-ports rule explains: the port scan's").isNotEmpty()
        .allSatisfy(w -> assertThat(attackOf).containsKey(w));
    // The goal, met since the AR quorum (two series must rise): precision and recall 1.0 on day two.
    assertThat(m.recall()).as("window recall").isEqualTo(1.0);
    assertThat(m.falsePositives()).as("false alarms among the quiet windows").isZero();

    judgesEveryPrefixOnItsOwn(spark, config, registry, attackOf);

    // Hours without vectors: the run fails and says what to run, and the scores already there stay.
    long before = spark.table(Warehouse.ANOMALY_SCORES).count();
    Instant later = END.plus(Duration.ofDays(30));
    assertThatThrownBy(() -> new ScoreJob(spark, new ScoreConfig(champion, EventHours.covering(later,
        later.plus(Duration.ofHours(1))), 24), registry).run())
        .hasMessageContaining("no port vectors of spec " + spec.id()).hasMessageContaining("run `kaminari features`");
    assertThat(spark.table(Warehouse.ANOMALY_SCORES).count()).isEqualTo(before);
  }

  /**
   * The same days under {@code dst-prefix} (the seed spec, 5-minute windows; its own model, trained and scored as
   * above): every attack is found on its victim's /24, and at most one (window, prefix) outside the attacks is
   * flagged, the "at most 1 false alarm per day per scope". Without the single-conversation exception
   * ({@code SingleConversation}) the sustained autoencoder rule flagged two here (14:15 and 20:40, each one host's
   * RDP or web stream to a prefix, 75% and 97% of its packets); the attacks are found by the prefix rate.
   */
  private static void judgesEveryPrefixOnItsOwn(SparkSession spark, KaminariConfig config, ModelRegistry registry,
      Map<Instant, String> attackOf) throws Exception {
    FeatureSpec spec = FeatureSpec.seed(Scope.DST_PREFIX);
    new Pipeline(spark, config).features(spec, Scenarios.DEMO_START, END);
    String model = MODEL + "-prefix";
    new TrainJob(spark, new TrainConfig(model, spec, Scenarios.DEMO_START, DAY2, Hyperparameters.DEFAULTS, "champion",
        true, 0.0, Path.of(config.get(Settings.HOME)).resolve("tmp")), registry).run();
    ModelRef champion = ModelRef.parse(model + "@champion");
    int version = registry.resolve(champion);
    assertThat(registry.verify(model, version).detectors().keyHistory()).as("prefixes with their own thresholds")
        .isNotNull();
    new ScoreJob(spark, new ScoreConfig(champion, EventHours.covering(DAY2, END), 24), registry).run();
    Map<Instant, String> victimPrefix = new TreeMap<>();
    attackOf.forEach((w, victim) -> victimPrefix.put(w, IpPrefix.of(victim, spec.ipv4PrefixLength(),
        spec.ipv6PrefixLength())));
    List<Row> flagged = spark.table(Warehouse.ANOMALY_SCORES)
        .where(col(Columns.MODEL_NAME).equalTo(model).and(col(Columns.MODEL_VERSION).equalTo(version))
            .and(col(Columns.IS_ANOMALY)))
        .orderBy(Columns.WINDOW_START, Columns.SCOPE_KEY).collectAsList();
    Set<String> found = new TreeSet<>();
    List<String> falseAlarms = new java.util.ArrayList<>();
    for (Row r : flagged) {
      Instant w = r.getAs(Columns.WINDOW_START);
      String key = r.getAs(Columns.SCOPE_KEY);
      String line = w + " " + key + " " + r.getAs(Columns.FIRED) + " " + r.getList(r.fieldIndex(Columns.EXPLANATION));
      System.out.println("  dst-prefix " + line);
      if (key.equals(victimPrefix.get(w))) {
        found.add(attackOf.get(w));
      } else {
        falseAlarms.add(line);
      }
    }
    assertThat(found).as("every attack found on its victim's prefix")
        .containsExactlyInAnyOrderElementsOf(new TreeSet<>(attackOf.values()));
    assertThat(falseAlarms).as("flagged prefixes outside the attacks, day two").hasSizeLessThanOrEqualTo(1);
  }
}
