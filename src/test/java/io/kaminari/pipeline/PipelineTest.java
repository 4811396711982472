package io.kaminari.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.ingest.LandJob;
import io.kaminari.model.DetectorTrainer;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.model.PromotionDecision;
import io.kaminari.model.PromotionGate;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.model.spark.TrainJob;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.generate.FileFlowSink;
import io.kaminari.tools.generate.GenerationResult;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.TrafficGenerator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The chain on three hours of generated traffic: each stage's typed result is what the next stage takes and what
 * the tables hold, and training reports each epoch once (it used to print every epoch three times: on stdout, and
 * logged by both the job and the trainer).
 */
class PipelineTest {
  static final Instant START = Instant.parse("2024-05-01T00:00:00Z");
  static final Hyperparameters HP = new Hyperparameters(List.of(8, 4), 3, 64, 1e-2, "adam", 42L, 0, 0.25,
      ThresholdMethod.parse("quantile:0.999"), 0.1);

  @Test
  void eachStageTakesThePreviousStagesResult() throws Exception {
    SparkSession spark = TestSpark.spark();
    KaminariConfig config = TestSpark.config();
    TestSpark.resetWarehouse();
    // A fresh directory is a fresh landing checkpoint; a fresh name, a model of its own in the shared model store.
    Path files = Files.createTempDirectory(Path.of(config.get(Settings.HOME)), "pipeline-in-");
    String model = "pipeline-test-" + System.nanoTime();
    GenerationResult generated;
    try (FileFlowSink sink = new FileFlowSink(files, false)) {
      generated = new TrafficGenerator(GeneratorConfig.of(7, START, Duration.ofHours(3), 3_000)).run(sink);
    }
    Pipeline pipeline = new Pipeline(spark, config);

    LandJob.Landing landed = pipeline.landFiles(files);
    assertThat(landed.run().outputRows()).isEqualTo(generated.messages());
    // File landing dates a record by its file's modification time: the arrival hours are around now.
    assertThat(landed.arrivalHours()).isNotEmpty()
        .containsExactlyElementsOf(Partitions.hours(spark, Warehouse.FLOWS_LANDING));

    JobRun compacted = pipeline.compact(landed);
    assertThat(compacted.windowStart()).isEqualTo(landed.arrivalHours().first().start());
    assertThat(compacted.outputRows()).isEqualTo(generated.flows());
    assertThat(compacted.eventHours().hours()).extracting(Hour::toString)
        .containsExactly("2024-05-01T00", "2024-05-01T01", "2024-05-01T02");

    FeatureSpec spec = FeatureSpec.seed(Scope.GLOBAL);
    JobRun built = pipeline.features(spec, START, START.plus(Duration.ofHours(3)));
    assertThat(built.outputRows()).as("one global vector per 5-minute window").isEqualTo(36);

    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    List<String> logged = new CopyOnWriteArrayList<>();
    PrintStream console = System.out;
    TrainJob.Training trained;
    try (LogCapture capture = new LogCapture(logged)) {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      trained = pipeline.train(model, spec, START, START.plus(Duration.ofHours(2)), HP, false);
    } finally {
      System.setOut(console);
    }
    String printed = stdout.toString(StandardCharsets.UTF_8);
    console.print(printed);
    for (int epoch = 1; epoch <= 3; epoch++) {
      String line = "epoch " + epoch + "/3 train_loss=";
      assertThat(printed.lines().filter(l -> l.startsWith(line))).as("stdout lines of epoch %d", epoch).hasSize(1);
      assertThat(logged).as("log events of epoch %d", epoch).noneMatch(m -> m.contains(line));
    }
    assertThat(logged).as("the trainer still logs what it does").anyMatch(m -> m.contains("trimmed retraining"));
    assertThat(trained.published().name()).isEqualTo(model);
    assertThat(trained.published().version()).isEqualTo(1);
    assertThat(trained.promotion().allowed()).isTrue();
    assertThat(pipeline.registry().resolve(ModelRef.alias(model, ModelRef.CHAMPION))).isEqualTo(1);
    assertThat(trained.run().message()).contains("published " + model + "/1");

    Instant from = START.plus(Duration.ofHours(2));
    Pipeline.Scored scored = pipeline.score(ModelRef.alias(model, ModelRef.CHAMPION), from, START.plus(
        Duration.ofHours(3)));
    assertThat(scored.model()).as("the alias resolved to the version scored").isEqualTo(ModelRef.version(model, 1));
    assertThat(scored.run().outputRows()).isEqualTo(12);
    assertThat(pipeline.scores(scored, Scope.GLOBAL).count()).isEqualTo(12);
    assertThat(pipeline.scores(scored, Scope.DST_PREFIX).count()).isZero();

    // Retrained on the same range and seed (identical weights): the gate scores both versions on the new version's
    // held-out windows (the last quarter of the range: 6 of the 24 windows) and finds them equal.
    assertThat(trained.published().metrics()).containsEntry(DetectorTrainer.HELD_OUT_ROWS, 6.0);
    TrainJob.Training again = pipeline.train(model, spec, START, START.plus(Duration.ofHours(2)), HP, false);
    PromotionDecision gate = again.promotion();
    assertThat(gate.basis()).as(gate.reason()).isEqualTo(PromotionGate.BASIS_HELD_OUT);
    assertThat(gate.candidateLoss()).isEqualTo(gate.currentLoss()).isPositive();
    assertThat(gate.moved()).isTrue();
    assertThat(gate.reason()).contains("on the candidate's 6 held-out windows");
  }

  @Test
  void compactingALandingThatFoundNothingNewIsRefused() throws Exception {
    SparkSession spark = TestSpark.spark();
    KaminariConfig config = TestSpark.config();
    Pipeline pipeline = new Pipeline(spark, config);
    Path empty = Files.createTempDirectory(Path.of(config.get(Settings.HOME)), "pipeline-empty-");
    LandJob.Landing landed = pipeline.landFiles(empty);
    assertThat(landed.arrivalHours()).isEmpty();
    assertThat(landed.span()).isEmpty();
    assertThatThrownBy(() -> pipeline.compact(landed))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing new was landed");
  }

  /** Every log event of any logger while open (log4j's console appender holds the stderr it started with). */
  static final class LogCapture extends AbstractAppender implements AutoCloseable {
    private final List<String> messages;
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);

    LogCapture(List<String> messages) {
      super("pipeline-test-capture", null, null, true, Property.EMPTY_ARRAY);
      this.messages = messages;
      start();
      LoggerConfig root = context.getConfiguration().getRootLogger();
      root.addAppender(this, Level.ALL, null);
      context.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
      messages.add(event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
    }

    @Override
    public void close() {
      context.getConfiguration().getRootLogger().removeAppender(getName());
      context.updateLoggers();
      stop();
    }
  }
}
