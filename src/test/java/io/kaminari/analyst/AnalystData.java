package io.kaminari.analyst;

import io.kaminari.common.FileTrees;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.incidents.spark.IncidentsConfig;
import io.kaminari.incidents.spark.IncidentsJob;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.spark.TrainConfig;
import io.kaminari.model.spark.TrainJob;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.scoring.ScoreConfig;
import io.kaminari.scoring.ScoreJob;
import io.kaminari.testing.DemoTraffic;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.generate.Scenarios;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.spark.sql.SparkSession;

/**
 * Demo-like data built through the real jobs, small: the demo scenario (two days, attacks on day two) written to
 * pmacct files, file-landed, compacted, featurised (global seed spec), then two versions of {@code flow-ae} trained on
 * day one (v2 with a low threshold so the two disagree) and both used to score day two, and the incidents of day two
 * from v1's scores.
 */
final class AnalystData {
  static final String MODEL = "flow-ae";
  static final Instant DAY2 = Scenarios.DEMO_START.plus(Duration.ofDays(1));
  static final Instant END = DAY2.plus(Duration.ofDays(1));
  static final long FLOWS_PER_DAY = 4000;

  private AnalystData() {}

  /**
   * Builds the data into the shared test session's warehouse, unless it is there already: ITs share one JVM, and one
   * that resets the warehouse between two users of this data makes the second build it again.
   */
  static synchronized SparkSession build() throws Exception {
    SparkSession spark = TestSpark.spark();
    if (present(spark)) return spark;
    KaminariConfig config = TestSpark.config();
    TestSpark.resetWarehouse();
    Path home = Path.of(config.get(Settings.HOME));
    FileTrees.delete(Path.of(config.get(Settings.MODEL_STORE))); // versions restart at 1
    DemoTraffic.landCompactFeatures(spark, config, FLOWS_PER_DAY);
    FeatureSpec spec = FeatureSpec.seed(Scope.GLOBAL);

    ModelRegistry registry = ModelRegistry.fromConfig(config);
    Hyperparameters quick = Hyperparameters.DEFAULTS.withEpochs(15, 5);
    Hyperparameters eager = new Hyperparameters(quick.hiddenSizes(), quick.epochs(), quick.batchSize(),
        quick.learningRate(), quick.optimiser(), quick.seed(), quick.patience(), quick.validationFraction(),
        ThresholdMethod.parse("quantile:0.8"));
    for (Hyperparameters h : new Hyperparameters[] {quick, eager}) {
      new TrainJob(spark, new TrainConfig(MODEL, spec, Scenarios.DEMO_START, DAY2, h, "champion", true, 0.0,
          home.resolve("tmp")), registry).run();
    }
    for (int v = 1; v <= 2; v++) {
      new ScoreJob(spark, new ScoreConfig(ModelRef.parse(MODEL + "/" + v), EventHours.covering(DAY2, END), 24),
          registry).run();
    }
    new IncidentsJob(spark, incidents(DAY2, END)).run();
    return spark;
  }

  /** The incidents run of {@code [from, to)} over v1's scores, with the default quiet windows and lookback. */
  static IncidentsConfig incidents(Instant from, Instant to) {
    return new IncidentsConfig(MODEL, 1, from, to, TestSpark.config().get(Settings.INCIDENT_QUIET_WINDOWS),
        TestSpark.config().get(Settings.INCIDENT_LOOKBACK));
  }

  private static boolean present(SparkSession spark) {
    if (!spark.catalog().tableExists(Warehouse.MODEL_VERSIONS)) return false;
    return spark.sql("SELECT count(DISTINCT model_version) FROM " + Warehouse.ANOMALY_SCORES)
        .first().getLong(0) == 2 && spark.table(Warehouse.MODEL_VERSIONS).count() == 2;
  }
}
