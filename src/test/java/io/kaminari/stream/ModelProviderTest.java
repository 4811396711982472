package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.ScoringModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Following an alias: a version whose load fails is retried with backoff (issue 16: it never was). */
class ModelProviderTest {
  @TempDir Path tmp;

  @Test
  void aTransientLoadFailureIsRetriedAfterABackoff() throws Exception {
    ModelRegistry registry = new ModelRegistry(tmp.resolve("models").toUri(), new Configuration());
    int version = WindowManagerTest.publishTiny(registry, ScorerFixture.SPEC_60, tmp);
    registry.promote(ScorerFixture.MODEL, version, "champion", true, 0.05);
    // The cache directory cannot be created while a file is in its way: a transient local failure.
    Path cache = Files.writeString(tmp.resolve("cache"), "in the way");
    ScorerMetrics metrics = new ScorerMetrics();
    Duration interval = Duration.ofSeconds(1);
    try (ModelProvider provider = new ModelProvider(registry, ModelRef.parse(ScorerFixture.MODEL + "@champion"),
        cache, interval, metrics)) {
      provider.check();
      assertThat(provider.take()).isNull();
      assertThat(metrics.reloadFailures()).isEqualTo(1);
      Files.delete(cache);
      provider.check(); // within the first backoff (one interval): not tried again yet
      assertThat(metrics.reloadFailures()).isEqualTo(1);
      assertThat(provider.take()).isNull();
      Thread.sleep(interval.toMillis() + 100);
      provider.check();
      try (ScoringModel model = provider.take()) {
        assertThat(model).isNotNull();
        assertThat(model.version()).isEqualTo(version);
      }
      assertThat(metrics.reloadSuccesses()).isEqualTo(1);
      assertThat(metrics.reloadFailures()).isEqualTo(1);
      provider.check();
      assertThat(provider.take()).as("offered once").isNull();
    }
  }
}
