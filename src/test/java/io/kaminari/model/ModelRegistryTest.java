package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The registry contract on {@code file://}, plus the file-system independent parts: references, manifest JSON and its
 * validation, and the {@code model.store} setting.
 */
class ModelRegistryTest extends AbstractModelRegistryContract {
  private static final Configuration CONF = new Configuration();

  @Override
  URI freshRoot() {
    return work.resolve("registry-" + UUID.randomUUID()).resolve("models").toUri();
  }

  @Override
  Configuration conf() {
    return CONF;
  }

  @Test
  void localRegistryLeavesNoChecksumSideFiles() throws Exception {
    publish(1, 0.1);
    try (var files = Files.walk(Path.of(root))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".crc"));
    }
  }

  @Test
  void refsParseAndRejectWithClearErrors() {
    assertThat(ModelRef.parse("flow-ae")).isEqualTo(ModelRef.alias("flow-ae", "latest"));
    assertThat(ModelRef.parse("flow-ae@champion")).isEqualTo(ModelRef.alias("flow-ae", "champion"));
    assertThat(ModelRef.parse("flow-ae/3")).isEqualTo(ModelRef.version("flow-ae", 3));
    assertThat(ModelRef.parse("flow-ae/3").toString()).isEqualTo("flow-ae/3");
    assertThatThrownBy(() -> ModelRef.parse("Flow")).hasMessageContaining("model name 'Flow' must match");
    assertThatThrownBy(() -> ModelRef.parse("flow/0")).hasMessageContaining("version '0' is not a number >= 1");
    assertThatThrownBy(() -> ModelRef.parse("flow/x")).hasMessageContaining("version 'x'");
    assertThatThrownBy(() -> ModelRef.parse("flow@")).hasMessageContaining("alias name '' must match");
    assertThatThrownBy(() -> ModelRef.parse("flow@a/2")).hasMessageContaining("not both");
    assertThatThrownBy(() -> ModelRef.parse("-x")).hasMessageContaining("invalid model reference '-x'");
    assertThatThrownBy(() -> ModelRef.parse("a".repeat(65))).hasMessageContaining("at most 64");
    assertThatThrownBy(() -> ModelRef.parse(" ")).hasMessageContaining("empty model reference");
  }

  @Test
  void manifestJsonRoundTripsAndToleratesUnknownFields() {
    ModelManifest m = draft(NAME, 0.25, 7).published(3, java.time.Instant.parse("2024-05-09T10:00:00Z"),
        Map.of("a.params", "0".repeat(64)));
    String json = m.toJson();
    assertThat(ModelManifest.fromJson(json, "t")).isEqualTo(m);
    assertThat(json).contains("\"spec_id\" : \"" + SPEC.id() + "\"").contains("\"created\" : \"2024-05-09T10:00:00Z\"")
        .contains("\"threshold_method\" : \"quantile 0.999 of validation scores\"").contains("\"hidden_sizes\"");
    String newer = json.replaceFirst("\\{", "{\n  \"future_field\" : {\"x\" : 1},");
    assertThat(ModelManifest.fromJson(newer, "t")).isEqualTo(m);
  }

  @Test
  void manifestValidationNamesTheField() {
    String json = draft(NAME, 0.25, 7).published(3, java.time.Instant.parse("2024-05-09T10:00:00Z"),
        Map.of("a.params", "0".repeat(64))).toJson();
    assertThatThrownBy(() -> ModelManifest.fromJson(json.replaceFirst("\\s*\"threshold_method\" : \"[^\"]*\",", ""),
        "flow-ae/3")).isInstanceOf(ModelException.class)
        .hasMessageStartingWith("invalid manifest of flow-ae/3: Missing required creator property 'threshold_method'");
    assertThatThrownBy(() -> ModelManifest.fromJson(json.replace("\"val_loss\"", "\"loss\""), "flow-ae/3"))
        .hasMessageContaining("metrics must include val_loss");
    assertThatThrownBy(() -> ModelManifest.fromJson(json.replace("\"created\" : \"2024", "\"created\" : \"yesterday"),
        "flow-ae/3")).hasMessageContaining("invalid manifest of flow-ae/3").hasMessageContaining("ISO-8601");
    assertThatThrownBy(() -> ModelManifest.fromJson(json.replace("\"a.params\"", "\"../a.params\""), "flow-ae/3"))
        .hasMessageContaining("'..' segment");
    assertThatThrownBy(() -> ModelManifest.fromJson("{", "flow-ae/3")).hasMessageContaining("not valid JSON");

    float[] shortStats = new float[3];
    assertThatThrownBy(() -> new ModelManifest(NAME, 0, null, SPEC.id(), SPEC,
        new ModelManifest.Normalisation(shortStats, new float[] {1, 1, 1}), 1, "q", draft(NAME, 1, 1).trainFrom(),
        draft(NAME, 1, 1).trainTo(), 1, 1, draft(NAME, 1, 1).hyperparameters(), Map.of("val_loss", 1.0), "d", "e", "c",
        Map.of())).hasMessage("normalisation has 3 values but spec " + SPEC.id() + " has dimension 64");
    assertThatThrownBy(() -> new ModelManifest.Normalisation(new float[] {0}, new float[] {0}))
        .hasMessageContaining("std[0] must be finite and > 0");
  }

  @Test
  void publishRejectsBadInput() throws Exception {
    assertThatThrownBy(() -> registry.publish(NAME, work.resolve("nope"), draft(NAME, 1, 1)))
        .hasMessageContaining("does not exist");
    Path dir = modelDir(1);
    assertThatThrownBy(() -> registry.publish("other", dir, draft(NAME, 1, 1)))
        .hasMessage("the draft manifest names model flow-ae, not other");
    Files.writeString(dir.resolve(ModelManifest.FILE_NAME), "{}");
    assertThatThrownBy(() -> registry.publish(NAME, dir, draft(NAME, 1, 1)))
        .hasMessageContaining("manifest.json is reserved");
  }

  @Test
  void modelStoreDefaultsToAnAbsoluteFileUri() {
    KaminariConfig c = KaminariConfig.load(null, Map.of("home", "rel/home"), Map.of());
    URI uri = c.get(Settings.MODEL_STORE);
    assertThat(uri.getScheme()).isEqualTo("file");
    assertThat(Path.of(uri)).isEqualTo(Path.of("rel/home/models").toAbsolutePath());
    assertThat(c.get(Settings.PROMOTION_MARGIN)).isEqualTo(0.05);
    assertThat(KaminariConfig.load(null, Map.of("model.store", "hdfs://nn:8020/kaminari/models"), Map.of())
        .get(Settings.MODEL_STORE)).isEqualTo(URI.create("hdfs://nn:8020/kaminari/models"));
    assertThat(Path.of(KaminariConfig.load(null, Map.of("model.store", "file:///srv/m"), Map.of())
        .get(Settings.MODEL_STORE))).isEqualTo(Path.of("/srv/m"));
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of("model.store", "s3a://bucket/"), Map.of()))
        .hasMessageContaining("must name a directory below the file system root");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of("promotion.margin", "-1"), Map.of()))
        .hasMessageContaining("promotion.margin");
  }
}
