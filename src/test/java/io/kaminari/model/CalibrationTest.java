package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {
  @TempDir Path dir;

  private static Calibration sample() {
    return new Calibration("mad:3.0", Calibration.TRAINING_RANGE, 282, 0.02, 6, List.of("2024-05-01T03:00:00Z"),
        Map.of("k", 3.0, "median_log", -1.5, "mad_log", 0.3));
  }

  @Test
  void validatesEveryField() {
    assertThat(sample().parameters()).containsEntry("k", 3.0);
    assertThatThrownBy(() -> new Calibration(" ", Calibration.VALIDATION, 1, 0, 0, null, null))
        .hasMessage("calibration.method is required");
    assertThatThrownBy(() -> new Calibration("m", "all", 1, 0, 0, null, null)).hasMessageContaining("calibration.basis");
    assertThatThrownBy(() -> new Calibration("m", Calibration.VALIDATION, 0, 0, 0, null, null))
        .hasMessageContaining("calibration.windows must be >= 1");
    assertThatThrownBy(() -> new Calibration("m", Calibration.VALIDATION, 1, 1, 0, null, null))
        .hasMessageContaining("trim_fraction");
    assertThatThrownBy(() -> new Calibration("m", Calibration.VALIDATION, 1, 0, 0, List.of("x"), null))
        .hasMessageContaining("lists 1 trimmed window starts for 0 trimmed windows");
    assertThatThrownBy(() -> new Calibration("m", Calibration.VALIDATION, 1, 0, 0, null, Map.of("x", Double.NaN)))
        .hasMessage("calibration parameter x must be finite, got NaN");
    Calibration empty = new Calibration("m", Calibration.VALIDATION, 1, 0, 0, null, null);
    assertThat(empty.trimmedWindowStarts()).isEmpty();
    assertThat(empty.parameters()).isEmpty();
  }

  @Test
  void modelJsonWithoutCalibrationOrTrimFractionStillReads() throws Exception {
    // model.json as written before calibration and trim_fraction existed
    Files.writeString(dir.resolve(ModelMetadata.FILE_NAME), """
        {"input_dim": 2, "hyperparameters": {"hidden_sizes": [2], "threshold": "quantile:0.999"},
         "mean": [0, 0], "std": [1, 1], "threshold": 2.5, "best_epoch": 3, "train_windows": 90,
         "validation_windows": 10, "engine": "e"}
        """);
    ModelMetadata old = ModelMetadata.read(dir);
    assertThat(old.calibration()).isNull();
    // an absent hyperparameter takes the default; that the model predates trimming shows in its absent calibration
    assertThat(old.hyperparameters().trimFraction()).isEqualTo(Hyperparameters.DEFAULTS.trimFraction());
    ModelMetadata current = new ModelMetadata(2, old.hyperparameters(), old.mean(), old.std(), 2.5, 3, 90, 10, "e",
        sample());
    current.write(dir);
    assertThat(Files.readString(dir.resolve(ModelMetadata.FILE_NAME))).contains("\"calibration\"");
    assertThat(ModelMetadata.read(dir).calibration()).isEqualTo(sample());
    old.write(dir);
    assertThat(Files.readString(dir.resolve(ModelMetadata.FILE_NAME))).doesNotContain("calibration");
  }

  @Test
  void theManifestCarriesItAndReadsManifestsWithoutIt() {
    FeatureSpec spec = FeatureSpec.seed(Scope.GLOBAL);
    float[] std = new float[spec.dimension()];
    Arrays.fill(std, 1f);
    ModelManifest without = new ModelManifest("flow-ae", 3, Instant.parse("2024-05-09T10:00:00Z"), spec.id(), spec,
        new ModelManifest.Normalisation(new float[spec.dimension()], std), 3.5, "quantile:0.999 of validation scores",
        Instant.parse("2024-05-01T00:00:00Z"), Instant.parse("2024-05-02T00:00:00Z"), 259, 29,
        Hyperparameters.DEFAULTS, Map.of(ModelManifest.VAL_LOSS, 0.25), "0.36.0", "PyTorch 2.7.1", "test",
        Map.of("a.params", "0".repeat(64)));
    assertThat(without.calibration()).isNull();
    assertThat(without.toJson()).doesNotContain("calibration");
    assertThat(ModelManifest.fromJson(without.toJson(), "t").calibration()).isNull();

    String json = without.toJson().replaceFirst("\"train_from\"", "\"calibration\" : {\"method\" : \"mad:3.0\","
        + " \"basis\" : \"training_range\", \"windows\" : 282, \"trim_fraction\" : 0.02, \"trimmed\" : 6,"
        + " \"trimmed_window_starts\" : [\"2024-05-01T03:00:00Z\"], \"parameters\" : {\"k\" : 3.0, \"mad_log\" : 0.3,"
        + " \"median_log\" : -1.5}},\n  \"train_from\"");
    ModelManifest with = ModelManifest.fromJson(json, "t");
    assertThat(with.calibration()).isEqualTo(sample());
    assertThat(ModelManifest.fromJson(with.toJson(), "t")).isEqualTo(with);
    assertThat(with.toJson().indexOf("\"calibration\"")).isBetween(with.toJson().indexOf("\"threshold_method\""),
        with.toJson().indexOf("\"train_from\""));
    assertThatThrownBy(() -> ModelManifest.fromJson(json.replace("\"windows\" : 282", "\"windows\" : 0"), "flow-ae/3"))
        .isInstanceOf(ModelException.class).hasMessageContaining("calibration.windows must be >= 1");
  }
}
