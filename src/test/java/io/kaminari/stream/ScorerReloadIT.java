package io.kaminari.stream;

import static io.kaminari.stream.ScorerFixture.STREAM_START;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.kafka.EmbeddedKafka;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot reload under load: a promoted version takes over at one window boundary; a broken one is refused. */
class ScorerReloadIT {
  @TempDir Path tmp;

  @Test
  void promotedVersionSwitchesOnceAtAWindowBoundaryAndABrokenOneIsRefused() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
      kafka.createTopics(2, "flows");
      kafka.createTopics(1, "scores", "dlq");
      Path home = tmp.resolve("home");
      ModelRegistry registry = ScorerFixture.registry(home.resolve("models"));
      int v1 = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
      var config = ScorerFixture.config(home, kafka.bootstrapServers(), "flows", "scores", "dlq");
      try (Scorer scorer = Scorer.start(config)) {
        Instant t = STREAM_START;
        for (int part = 0; part < 3; part++) {
          GeneratorConfig traffic = ScorerFixture.benign(30 + part, t, Duration.ofMinutes(10));
          Thread producer = new Thread(() -> ScorerFixture.produce(kafka.bootstrapServers(), "flows", traffic));
          producer.start();
          if (part == 1) {
            // While part 2 streams: a new version, promoted.
            int v2 = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
            assertThat(v2).isEqualTo(v1 + 1);
            // The scorer polls the alias every second: the broken version must not be promoted before it has seen
            // this one (when the stream is scored fast, part 3 can start within that second).
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (scorer.metrics().reloadSuccesses() < 2 && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(scorer.metrics().reloadSuccesses()).as("v2 loaded").isEqualTo(2);
          } else if (part == 2) {
            // While part 3 streams: a version whose weights are garbage (checksums fine, load fails).
            publishBroken(registry);
          }
          producer.join();
          t = t.plus(Duration.ofMinutes(10));
          ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores", Duration.ofSeconds(60),
              ScorerIT.atLeast(10 * part + 5));
        }
        ScorerFixture.flush(kafka.bootstrapServers(), "flows", 2, ScorerIT.FLUSH);
        List<ScoredWindow> out = ScorerFixture.scored(ScorerFixture.readCommitted(kafka.bootstrapServers(), "scores",
            Duration.ofSeconds(60), ScorerIT.atLeast(ScorerIT.CLOSED_WINDOWS)));
        ScorerIT.assertExactlyOnce(out, ScorerIT.CLOSED_WINDOWS);
        List<Integer> versions = out.stream().map(ScoredWindow::modelVersion).toList();
        int switchAt = versions.indexOf(v1 + 1);
        assertThat(switchAt).as("versions %s", versions).isPositive();
        assertThat(versions.subList(0, switchAt)).containsOnly(v1);
        assertThat(versions.subList(switchAt, versions.size())).containsOnly(v1 + 1);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (scorer.metrics().reloadFailures() == 0 && System.nanoTime() < deadline) Thread.sleep(200);
        // Refused, and retried with backoff while the alias names it (each attempt counts).
        assertThat(scorer.metrics().reloadFailures()).isPositive();
        assertThat(scorer.metrics().reloadSuccesses()).isEqualTo(2);
        assertThat(scorer.metrics().modelVersion()).isEqualTo(v1 + 1);
        assertThat(scorer.ready()).isTrue();
      }
    }
  }

  private static void publishBroken(ModelRegistry registry) throws Exception {
    Path good = ScorerFixture.trained(ScorerFixture.SPEC_60);
    Path broken = Files.createTempDirectory("broken-model-");
    try (Stream<Path> files = Files.list(good)) {
      for (Path f : files.toList()) Files.copy(f, broken.resolve(f.getFileName()));
    }
    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    Files.write(broken.resolve("autoencoder-0000.params"), garbage);
    ModelManifest current = registry.manifest(io.kaminari.model.ModelRef.parse(ScorerFixture.MODEL + "@champion"));
    ModelManifest draft = new ModelManifest(current.name(), 0, null, current.specId(), current.spec(),
        current.normalisation(), current.threshold(), current.thresholdMethod(), current.trainFrom(),
        current.trainTo(), current.trainSamples(), current.validationSamples(), current.hyperparameters(),
        current.metrics(), current.djlVersion(), current.engine(), current.codeVersion(), null);
    int v = registry.publish(ScorerFixture.MODEL, broken, draft).version();
    registry.promote(ScorerFixture.MODEL, v, "champion", true, 0.05);
  }
}
