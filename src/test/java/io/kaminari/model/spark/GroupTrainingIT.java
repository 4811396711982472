package io.kaminari.model.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.time.Micros;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.model.DetectorTrainer;
import io.kaminari.model.HeldOut;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.InMemoryVectorSource;
import io.kaminari.model.KeyHistory;
import io.kaminari.model.LoadedModel;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ScopeGroups;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.VectorSource;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.bench.ScoreBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} of a {@code dst-prefix} spec trains its traffic groups in Spark tasks ({@link GroupTraining}) and
 * publishes exactly the version that training them one after another in one process ({@link DetectorTrainer#grouped})
 * gives on the same rows: the same weights byte for byte, thresholds, key thresholds and held-out rows.
 */
class GroupTrainingIT {
  private static final int WINDOWS = 120; // 10 hours of 5-minute windows: every prefix has a history (>= 100 rows)
  private static final Hyperparameters HP = Hyperparameters.DEFAULTS.withEpochs(3, 0)
      .withThreshold(ThresholdMethod.parse("quantile:0.999"));

  @TempDir Path tmp;

  @Test
  void groupsTrainedInSparkTasksEqualGroupsTrainedInOneProcess() throws Exception {
    SparkSession spark = TestSpark.spark();
    TestSpark.resetWarehouse();
    FeatureSpec spec = FeatureSpec.seed(Scope.DST_PREFIX);
    ScoreBench.vectors(spark, spec, (long) WINDOWS * ScoreBench.KEYS).write().insertInto(Warehouse.PORT_VECTORS);
    Instant from = ScoreBench.DAY;
    Instant to = from.plusSeconds((long) WINDOWS * spec.windowSeconds());
    Pipeline pipeline = new Pipeline(spark, TestSpark.config());

    Map<Integer, Integer> tasksByStage = new ConcurrentHashMap<>();
    SparkListener tasks = new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        tasksByStage.merge(end.stageId(), 1, Integer::sum);
      }
    };
    spark.sparkContext().addSparkListener(tasks);
    String model = "group-training-" + System.nanoTime();
    ModelManifest published;
    try {
      published = pipeline.train(model, spec, from, to, HP, false).published();
    } finally {
      spark.sparkContext().removeSparkListener(tasks);
    }
    ScopeGroups groups = published.detectors().scopeGroups();
    assertThat(groups.training()).isEqualTo(GroupTraining.TRAINING);
    assertThat(groups.groups()).hasSize(ScopeGroups.MAX_GROUPS);
    // The training stage ran one task per group (shuffle-map stages here have the 2 shuffle partitions or the scan's).
    assertThat(tasksByStage).containsValue(ScopeGroups.MAX_GROUPS);
    LoadedModel version = pipeline.registry().load(ModelRef.version(model, published.version()), tmp.resolve("cache"));

    // The same rows, in the same order, trained in this process.
    ScopeGroups.Assignments assignments = ScopeGroups.Assignments.read(version.dir());
    List<Row> rows = TrainJob.trainingVectors(spark, spec.id(), from, to).collectAsList();
    int n = groups.groups().size();
    List<List<Row>> byGroup = new ArrayList<>();
    for (int g = 0; g < n; g++) byGroup.add(new ArrayList<>());
    Map<String, ScopeGroups.KeyTraffic> traffic = new HashMap<>();
    Set<Instant> starts = new HashSet<>();
    for (Row r : rows) {
      byGroup.get(assignments.groups().get(r.getString(1))).add(r);
      traffic.merge(r.getString(1), new ScopeGroups.KeyTraffic(1, r.getLong(3), r.getLong(4), r.getLong(3)),
          (a, b) -> new ScopeGroups.KeyTraffic(a.rows() + b.rows(), a.packets() + b.packets(),
              Math.max(a.maxFlows(), b.maxFlows()), Math.max(a.maxPackets(), b.maxPackets())));
      starts.add(r.getAs(0));
    }
    ScopeGroups.Plan plan = ScopeGroups.plan(traffic, WINDOWS, starts.size());
    assertThat(plan.assignments()).isEqualTo(assignments.groups());
    List<VectorSource> sources = new ArrayList<>();
    for (List<Row> group : byGroup) {
      long[] micros = group.stream().mapToLong(r -> Micros.of(r.<Instant>getAs(0))).toArray();
      float[][] vectors = group.stream().map(r -> TrainJob.vector(r, spec)).toArray(float[][]::new);
      sources.add(new InMemoryVectorSource(micros, vectors));
    }
    Path local = Files.createDirectories(tmp.resolve("in-process"));
    DetectorTrainer.Trained inProcess = DetectorTrainer.grouped(sources,
        g -> byGroup.get(g).stream().map(r -> r.getString(1)).iterator(), plan, WINDOWS, spec, HP, local, p -> { });

    for (int g = 0; g < n; g++) {
      String dir = ScopeGroups.dir(g);
      assertThat(Files.readAllBytes(version.dir().resolve(dir).resolve("autoencoder-0000.params")))
          .as("group %d weights", g)
          .isEqualTo(Files.readAllBytes(local.resolve(dir).resolve("autoencoder-0000.params")));
      assertThat(groups.groups().get(g).threshold())
          .isEqualTo(inProcess.detectors().scopeGroups().groups().get(g).threshold());
    }
    KeyHistory.Thresholds history = KeyHistory.Thresholds.read(version.dir());
    assertThat(history.byKey()).hasSize(ScoreBench.KEYS);
    assertThat(history.groupMaxFlows()).hasSize(n).allSatisfy(f -> assertThat(f).isPositive());
    assertThat(history.groupMaxPackets()).hasSize(n).allSatisfy(p -> assertThat(p).isPositive());
    assertThat(history).as("thresholds, the prefix rate's counts and the single-conversation bound")
        .isEqualTo(KeyHistory.Thresholds.read(local));
    assertThat(Files.readAllBytes(version.dir().resolve(HeldOut.VECTORS)))
        .isEqualTo(Files.readAllBytes(local.resolve(HeldOut.VECTORS)));
    assertThat(Files.readAllLines(version.dir().resolve(HeldOut.KEYS)))
        .isEqualTo(Files.readAllLines(local.resolve(HeldOut.KEYS)));
    assertThat(published.metrics()).containsEntry(DetectorTrainer.HELD_OUT_ROWS,
        inProcess.metrics().get(DetectorTrainer.HELD_OUT_ROWS));
    assertThat(inProcess.detectors().scopeGroups().training()).isEqualTo(DetectorTrainer.IN_PROCESS);
  }
}
