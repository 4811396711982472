package io.kaminari.testing;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.tools.generate.FileFlowSink;
import io.kaminari.tools.generate.GenerationResult;
import io.kaminari.tools.generate.Scenarios;
import io.kaminari.tools.generate.TrafficGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.spark.sql.SparkSession;

/** The demo's two days of traffic (seed 42), through file landing, compaction and the global seed spec's features. */
public final class DemoTraffic {
  private DemoTraffic() {}

  /** The end of the demo's second day. */
  public static final Instant END = Scenarios.DEMO_START.plus(Duration.ofDays(2));

  /**
   * Generates the demo scenario at {@code flowsPerDay} into a fresh input directory under the session's home, lands
   * it from files, compacts it and builds the port vectors of {@link FeatureSpec#seed} (global) for both days.
   */
  public static GenerationResult landCompactFeatures(SparkSession spark, KaminariConfig config, long flowsPerDay)
      throws Exception {
    // A fresh input directory has a fresh landing checkpoint (keyed by the directory).
    Path files = Files.createTempDirectory(Path.of(config.get(Settings.HOME)), "demo-in-");
    GenerationResult generated;
    try (FileFlowSink sink = new FileFlowSink(files, true)) {
      generated = new TrafficGenerator(Scenarios.demo(42, flowsPerDay)).run(sink);
    }
    Pipeline pipeline = new Pipeline(spark, config);
    // File landing dates records by file modification time (now): compaction reads the hours the landing wrote.
    pipeline.compact(pipeline.landFiles(files));
    pipeline.features(FeatureSpec.seed(Scope.GLOBAL), Scenarios.DEMO_START, END);
    return generated;
  }
}
