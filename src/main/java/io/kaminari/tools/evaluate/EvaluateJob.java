package io.kaminari.tools.evaluate;

import static io.kaminari.common.Columns.AE_SCORE;
import static io.kaminari.common.Columns.AE_THRESHOLD;
import static io.kaminari.common.Columns.AR_SCORE;
import static io.kaminari.common.Columns.AR_THRESHOLD;
import static io.kaminari.common.Columns.EXPLANATION;
import static io.kaminari.common.Columns.IS_ANOMALY;
import static io.kaminari.common.Columns.SCOPE;
import static io.kaminari.common.Columns.SCOPE_KEY;
import static io.kaminari.common.Columns.SCORE;
import static io.kaminari.common.Columns.THRESHOLD;
import static io.kaminari.common.Columns.WINDOW_START;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kaminari.common.FileTrees;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.features.spark.FeaturesJob;
import io.kaminari.ingest.LandJob;
import io.kaminari.model.Detectors;
import io.kaminari.model.Fusion;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ScopeGroups;
import io.kaminari.model.ScoringModel;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.pipeline.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The evaluation harness: runs the real pipeline (land files, compact, select ports on the training range, features,
 * train, score the test range) and the {@link Baseline} on the same windows, then writes {@code scores.csv} (the
 * production verdict), {@code ae_scores.csv} and {@code ar_scores.csv} (each detector on its own),
 * {@code baseline_scores.csv}, {@code metrics.json} (one block per detector) and {@code report.html} into the output
 * directory.
 *
 * <p>The session must be the run's own: its warehouse, metastore, checkpoints and model store live under
 * {@code <out>/work}, and the job starts by emptying them, so reruns into the same directory are clean.
 */
public final class EvaluateJob {
  public static final String MODEL = "eval-ae";
  public static final String BASELINE_VERSION = "baseline-fastnetmon";
  /** Ports the run's spec selects on the training range, per direction. */
  public static final int PORTS = 15;
  public static final List<String> FILES = List.of("scores.csv", "ae_scores.csv", "ar_scores.csv",
      "baseline_scores.csv", "metrics.json", "report.html");

  private final SparkSession spark;
  private final EvaluateConfig cfg;
  private final Pipeline pipeline;
  private final Hyperparameters hyperparameters;
  private final long t0 = System.nanoTime();

  public EvaluateJob(SparkSession spark, EvaluateConfig cfg, KaminariConfig config) {
    this.spark = spark;
    this.cfg = cfg;
    this.pipeline = new Pipeline(spark, config);
    // The defaults, or the definition the config names (evaluate-suite compares threshold methods this way, with
    // evaluate's command line unchanged); read here so that a bad file fails before the pipeline runs.
    String definition = config.get(Settings.EVALUATE_DEFINITION);
    this.hyperparameters = definition.isBlank() ? Hyperparameters.DEFAULTS
        : Hyperparameters.read(Path.of(definition));
  }

  /**
   * What a run produced (also written to metrics.json): per detector its metrics and rows. {@code production} is the
   * verdict {@code kaminari score} writes (the autoencoder and the AR forecaster fused), {@code ar} is null for a
   * version without a forecaster.
   */
  public record Outcome(Metrics.Result production, Metrics.Result autoencoder, Metrics.Result ar,
      Metrics.Result baseline, List<ScoreRow> productionRows, List<ScoreRow> aeRows, List<ScoreRow> arRows,
      List<ScoreRow> baselineRows) {}

  public Outcome run() throws Exception {
    Path out = Files.createDirectories(cfg.out().toAbsolutePath());
    TreeMap<Instant, Long> labels = Labels.read(cfg.labels(), cfg.window());
    TreeSet<Instant> testAttacks = Labels.attackWindows(labels, cfg.testFrom(), cfg.testTo());
    TreeSet<Instant> trainAttacks = Labels.attackWindows(labels, cfg.trainFrom(), cfg.trainTo());
    if (!trainAttacks.isEmpty()) {
      System.out.println("warning: " + trainAttacks.size() + " labelled attack window(s) in the training range; both"
          + " detectors are calibrated on them");
    }
    pipeline.reset();
    step("1. staging " + cfg.flows());
    Path input = stage(out.resolve("input"));

    LandJob.Landing landed = pipeline.landFiles(input);
    step("2. landed " + landed.run().outputRows() + " records: " + landed.run().message());
    JobRun compacted = pipeline.compact(landed);
    step(String.format("3. compacted %,d flows (%,d rejected, %,d duplicates)", compacted.outputRows(),
        compacted.rejected(), compacted.duplicates()));

    FeatureSpec spec = pipeline.selectPorts(cfg.trainFrom(), cfg.trainTo(), PORTS, cfg.scope(), cfg.windowSeconds(),
        "evaluate").spec();
    step("4. selected ports on the training range: spec " + spec.id() + " src " + spec.srcPorts() + " dst "
        + spec.dstPorts());
    for (Instant[] r : new Instant[][] {{cfg.trainFrom(), cfg.trainTo()}, {cfg.testFrom(), cfg.testTo()}}) {
      JobRun built = pipeline.features(spec, r[0], r[1]);
      step(String.format("5. built %,d vectors for [%s, %s)", built.outputRows(), r[0], r[1]));
    }

    ModelManifest manifest = pipeline.train(MODEL, spec, cfg.trainFrom(), cfg.trainTo(), hyperparameters, true)
        .published();
    step("6. trained " + MODEL + "/" + manifest.version() + " on the training range (threshold "
        + hyperparameters.threshold().text() + ", trim_fraction " + hyperparameters.trimFraction() + ", ar_order "
        + hyperparameters.arOrder() + ")");
    Pipeline.Scored scoredRun = pipeline.score(ModelRef.version(MODEL, manifest.version()), cfg.testFrom(),
        cfg.testTo());
    DetectorRows scored = detectorRows(scoredRun);
    List<ScoreRow> prodRows = scored.production();
    step("7. scored the test range: " + prodRows.size() + " rows");

    Baseline.Thresholds thresholds = calibrateBaseline();
    List<ScoreRow> baseRows = baselineRows(thresholds, spec);
    step("8. baseline " + thresholds + ": " + baseRows.size() + " rows");

    List<Instant> windows = cfg.testWindowStarts();
    Metrics.Result prod = metrics(windows, prodRows, testAttacks);
    Metrics.Result ae = metrics(windows, scored.ae(), testAttacks);
    Metrics.Result ar = scored.ar().isEmpty() ? null : metrics(windows, scored.ar(), testAttacks);
    Metrics.Result base = metrics(windows, baseRows, testAttacks);
    ScoreRow.write(out.resolve("scores.csv"), prodRows);
    ScoreRow.write(out.resolve("ae_scores.csv"), scored.ae());
    ScoreRow.write(out.resolve("ar_scores.csv"), scored.ar());
    ScoreRow.write(out.resolve("baseline_scores.csv"), baseRows);
    Map<String, Object> json = metricsJson(prod, ae, ar, base, thresholds, spec, MODEL + "/" + manifest.version(),
        manifest, labels, testAttacks, trainAttacks);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("metrics.json").toFile(), json);
    Map<String, Metrics.Result> detectors = new LinkedHashMap<>();
    detectors.put("Autoencoder", ae);
    if (ar != null) detectors.put("AR forecaster", ar);
    Report.write(out, cfg, windows, testAttacks, prodRows, baseRows, prod, base, detectors);
    step("9. wrote " + FILES + " to " + out);
    System.out.println("production:  " + summary(prod));
    System.out.println("autoencoder: " + summary(ae));
    System.out.println("ar:          " + (ar == null ? "none (" + manifest.detectors().arNote() + ")" : summary(ar)));
    System.out.println("baseline:    " + summary(base));
    return new Outcome(prod, ae, ar, base, prodRows, scored.ae(), scored.ar(), baseRows);
  }

  private Metrics.Result metrics(List<Instant> windows, List<ScoreRow> rows, Set<Instant> attacks) {
    return Metrics.of(windows, cfg.window(), flagged(rows), attacks, windowScores(rows));
  }

  static String summary(Metrics.Result r) {
    return String.format(java.util.Locale.ROOT, "%s; events %d/%d detected, mean delay %.2f windows,"
        + " %.2f false alarms/day, ROC AUC %.3f", r.perWindow(), r.eventsDetected(), r.events().size(),
        r.meanDelayWindows(), r.falseAlarmsPerDay(), r.rocAuc());
  }

  /**
   * Links (or copies) the flow files into {@code dir}: the file source lands a directory, and a private copy keeps the
   * labels file or anything else next to the flows out of it. Hidden and underscore files are skipped, as Spark does.
   */
  private Path stage(Path dir) throws IOException {
    FileTrees.delete(dir);
    Files.createDirectories(dir);
    Path flows = cfg.flows().toAbsolutePath().normalize();
    Path labels = cfg.labels().toAbsolutePath().normalize();
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(flows)) {
      try (Stream<Path> s = Files.list(flows)) {
        s.filter(Files::isRegularFile).filter(p -> !p.equals(labels))
            .filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().startsWith("_"))
            .sorted().forEach(files::add);
      }
    } else if (Files.isRegularFile(flows)) {
      files.add(flows);
    } else {
      throw new IllegalArgumentException("--flows " + cfg.flows() + " is neither a file nor a directory");
    }
    if (files.isEmpty()) throw new IllegalArgumentException("--flows " + cfg.flows() + " holds no flow files");
    for (Path f : files) {
      Path target = dir.resolve(f.getFileName());
      try {
        Files.createLink(target, f);
      } catch (IOException | UnsupportedOperationException e) {
        Files.copy(f, target);
      }
    }
    return dir;
  }

  /** The scored rows of the test range, as each detector judged them. */
  record DetectorRows(List<ScoreRow> production, List<ScoreRow> ae, List<ScoreRow> ar) {}

  /**
   * The version's rows of {@code kaminari.anomaly_scores} in the test range: the production verdict as written
   * ({@code score}, {@code threshold}, {@code is_anomaly}, the whole explanation), the autoencoder's
   * ({@code ae_score}, {@code ae_threshold}, its top features) and the AR forecaster's ({@code ar_score},
   * {@code ar_threshold}, its top series; rows without an AR score are left out).
   */
  private DetectorRows detectorRows(Pipeline.Scored scored) {
    List<Row> rows = pipeline.scores(scored, cfg.scope())
        .select(WINDOW_START, SCOPE, SCOPE_KEY, SCORE, THRESHOLD, IS_ANOMALY, EXPLANATION, AE_SCORE, AE_THRESHOLD,
            AR_SCORE, AR_THRESHOLD)
        .orderBy(WINDOW_START, SCOPE_KEY).collectAsList();
    List<ScoreRow> production = new ArrayList<>(rows.size());
    List<ScoreRow> ae = new ArrayList<>(rows.size());
    List<ScoreRow> ar = new ArrayList<>(rows.size());
    String mv = scored.model().name() + "/" + scored.model().version();
    for (Row r : rows) {
      List<String> why = r.isNullAt(6) ? List.of() : r.getList(6);
      Instant w = r.getAs(0);
      production.add(new ScoreRow(w, r.getString(1), r.getString(2), r.getDouble(3), r.getDouble(4),
          r.getBoolean(5), mv, String.join("; ", why)));
      double aeScore = r.getDouble(7);
      double aeThreshold = r.getDouble(8);
      ae.add(new ScoreRow(w, r.getString(1), r.getString(2), aeScore, aeThreshold, aeScore > aeThreshold, mv,
          String.join("; ", why.stream().filter(EvaluateJob::isAeFeature).toList())));
      if (!r.isNullAt(9)) {
        double arScore = r.getDouble(9);
        double arThreshold = r.getDouble(10);
        ar.add(new ScoreRow(w, r.getString(1), r.getString(2), arScore, arThreshold, arScore > arThreshold, mv,
            String.join("; ", why.stream().filter(e -> e.startsWith(ScoringModel.AR_PREFIX)).toList())));
      }
    }
    if (cfg.scope() == Scope.GLOBAL && production.size() != cfg.testWindows()) {
      throw new IllegalStateException("expected one global score per test window (" + cfg.testWindows() + "), got "
          + production.size());
    }
    return new DetectorRows(production, ae, ar);
  }

  /** Whether an explanation entry is one of the autoencoder's features ({@code src_port 80 pps (87%)}). */
  static boolean isAeFeature(String entry) {
    return entry.startsWith("src_port ") || entry.startsWith("dst_port ");
  }

  private Baseline.Thresholds calibrateBaseline() {
    Baseline.Calibrator c = new Baseline.Calibrator(cfg.windowSeconds());
    Iterator<Row> it = Baseline.destinationStats(
        FeaturesJob.readFlows(spark, Warehouse.FLOWS, cfg.trainFrom(), cfg.trainTo()), cfg.windowSeconds())
        .toLocalIterator();
    while (it.hasNext()) c.accept(Baseline.fromRow(it.next()));
    if (c.seen() == 0) throw new IllegalStateException("no flows in the training range: nothing to calibrate on");
    return c.thresholds(cfg.baselineMargin());
  }

  private List<ScoreRow> baselineRows(Baseline.Thresholds t, FeatureSpec spec) {
    Iterator<Row> it = Baseline.destinationStats(
        FeaturesJob.readFlows(spark, Warehouse.FLOWS, cfg.testFrom(), cfg.testTo()), cfg.windowSeconds())
        .toLocalIterator();
    Iterator<Baseline.DestinationWindow> stats = new Iterator<>() {
      public boolean hasNext() {
        return it.hasNext();
      }

      public Baseline.DestinationWindow next() {
        return Baseline.fromRow(it.next());
      }
    };
    TreeMap<Baseline.Key, Baseline.Verdict> worst = Baseline.worstPerScope(stats, t, cfg.windowSeconds(),
        ip -> Featurizer.scopeKey(ip, spec));
    String scope = cfg.scope().jsonName();
    if (cfg.scope() == Scope.GLOBAL) {
      // Every window of the test range, quiet ones included.
      for (Instant w : cfg.testWindowStarts()) {
        worst.putIfAbsent(new Baseline.Key(w, Featurizer.GLOBAL_KEY), null);
      }
    }
    List<ScoreRow> out = new ArrayList<>(worst.size());
    worst.forEach((k, v) -> out.add(v == null
        ? new ScoreRow(k.windowStart(), scope, k.scopeKey(), 0.0, 1.0, false, BASELINE_VERSION, "no traffic")
        : new ScoreRow(k.windowStart(), scope, k.scopeKey(), v.score(), 1.0, v.anomalous(), BASELINE_VERSION,
            v.explanation())));
    return out;
  }

  /** Per window: the largest score/threshold over its rows (the scale both detectors share). */
  static Map<Instant, Double> windowScores(List<ScoreRow> rows) {
    Map<Instant, Double> out = new java.util.HashMap<>();
    for (ScoreRow r : rows) out.merge(r.windowStart(), r.score() / r.threshold(), Math::max);
    return out;
  }

  static Set<Instant> flagged(List<ScoreRow> rows) {
    Set<Instant> out = new TreeSet<>();
    for (ScoreRow r : rows) if (r.isAnomaly()) out.add(r.windowStart());
    return out;
  }

  private Map<String, Object> metricsJson(Metrics.Result prod, Metrics.Result ae, Metrics.Result ar,
      Metrics.Result base, Baseline.Thresholds t, FeatureSpec spec, String modelVersion, ModelManifest manifest,
      Map<Instant, Long> labels, Set<Instant> testAttacks, Set<Instant> trainAttacks) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("window", cfg.windowText());
    m.put("window_seconds", cfg.windowSeconds());
    m.put("scope", cfg.scope().jsonName());
    m.put("flows", cfg.flows().toString());
    m.put("labels", cfg.labels().toString());
    m.put("train", Map.of("from", cfg.trainFrom().toString(), "to", cfg.trainTo().toString(),
        "labelled_attack_windows", trainAttacks.size()));
    Map<String, Object> test = new LinkedHashMap<>();
    test.put("from", cfg.testFrom().toString());
    test.put("to", cfg.testTo().toString());
    test.put("windows", cfg.testWindows());
    test.put("days", prod.testDays());
    test.put("labelled_attack_windows", testAttacks.size());
    test.put("events", prod.events().size());
    m.put("test", test);
    Detectors d = manifest.detectors();
    Map<String, Object> prodBlock = detector(prod);
    prodBlock.put("model_version", modelVersion);
    prodBlock.put("threshold", Fusion.THRESHOLD);
    prodBlock.put("rule", d == null ? Detectors.RULE_AE : d.rule());
    prodBlock.put("budget", d == null ? manifest.hyperparameters().threshold().text() : d.budget());
    m.put("production", prodBlock);
    Map<String, Object> aeBlock = detector(ae);
    aeBlock.put("model_version", modelVersion);
    aeBlock.put("threshold", manifest.threshold());
    aeBlock.put("threshold_method", manifest.thresholdMethod());
    aeBlock.put("spec_id", spec.id());
    aeBlock.put("src_ports", spec.srcPorts());
    aeBlock.put("dst_ports", spec.dstPorts());
    if (d != null && d.scopeGroups() != null) {
      aeBlock.put("traffic_groups", d.scopeGroups().groups().size());
      aeBlock.put("keys_per_window", d.scopeGroups().keysPerWindow());
      aeBlock.put("group_thresholds", d.scopeGroups().groups().stream().map(ScopeGroups.Group::threshold).toList());
    }
    m.put("autoencoder", aeBlock);
    Map<String, Object> arBlock = ar == null ? new LinkedHashMap<>() : detector(ar);
    arBlock.put("model_version", modelVersion);
    if (d != null && d.ar() != null) {
      arBlock.put("threshold", d.ar().threshold());
      arBlock.put("threshold_method", d.ar().thresholdMethod());
    } else {
      arBlock.put("note", d == null ? "the version predates the AR forecaster" : d.arNote());
    }
    m.put("ar", arBlock);
    Map<String, Object> baseBlock = detector(base);
    baseBlock.put("model_version", BASELINE_VERSION);
    baseBlock.put("thresholds", Baseline.describe(t, cfg.baselineMargin()));
    m.put("baseline", baseBlock);
    return m;
  }

  static Map<String, Object> detector(Metrics.Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("precision", r.perWindow().precision());
    m.put("recall", r.perWindow().recall());
    m.put("f1", r.perWindow().f1());
    m.put("true_positives", r.perWindow().truePositives());
    m.put("false_positives", r.perWindow().falsePositives());
    m.put("false_negatives", r.perWindow().falseNegatives());
    m.put("event_recall", r.eventRecall());
    m.put("events_detected", r.eventsDetected());
    m.put("events", r.events().size());
    m.put("mean_detection_delay_windows", Double.isNaN(r.meanDelayWindows()) ? null : r.meanDelayWindows());
    m.put("max_detection_delay_windows", r.maxDelayWindows() < 0 ? null : r.maxDelayWindows());
    m.put("false_alarms_per_day", r.falseAlarmsPerDay());
    m.put("roc_auc", Double.isNaN(r.rocAuc()) ? null : r.rocAuc());
    List<Map<String, Object>> events = new ArrayList<>();
    for (Metrics.Event e : r.events()) {
      Map<String, Object> em = new LinkedHashMap<>();
      em.put("start", e.start().toString());
      em.put("end", e.end().toString());
      em.put("windows", e.windows());
      em.put("detected", e.detected());
      em.put("detection_delay_windows", e.delayWindows());
      events.add(em);
    }
    m.put("per_event", events);
    return m;
  }

  private void step(String s) {
    System.out.printf("%n== [%4.0f s] %s%n", (System.nanoTime() - t0) / 1e9, s);
  }
}
