package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HyperparametersTest {

  @Test
  void definitionFileStatesExactlyTheJavaDefaults() {
    assertThat(Hyperparameters.read(Path.of("models/flow-ae/definition.json"))).isEqualTo(Hyperparameters.DEFAULTS);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    Hyperparameters d = Hyperparameters.DEFAULTS;
    assertThat(d.hiddenSizes()).containsExactly(20, 20);
    assertThat(d.epochs()).isEqualTo(50);
    assertThat(d.batchSize()).isEqualTo(256);
    assertThat(d.learningRate()).isEqualTo(1e-3);
    assertThat(d.optimiser()).isEqualTo("adam");
    assertThat(d.seed()).isEqualTo(42L);
    assertThat(d.patience()).isEqualTo(5);
    assertThat(d.validationFraction()).isEqualTo(0.1);
    assertThat(d.threshold()).isEqualTo(ThresholdMethod.parse("pot:1/day"));
    assertThat(d.trimFraction()).isEqualTo(0.02);
  }

  @Test
  void jsonRoundTripsAndAbsentFieldsTakeDefaults() {
    Hyperparameters custom = new Hyperparameters(List.of(32, 8), 10, 64, 0.01, "sgd", 7, 0, 0.2,
        ThresholdMethod.parse("sigma:4"));
    assertThat(Hyperparameters.fromJson(custom.toJson())).isEqualTo(custom);
    Hyperparameters robust = custom.withThreshold(ThresholdMethod.parse("pot:1/day,init=0.85")).withTrimFraction(0.03);
    assertThat(robust.toJson()).contains("\"threshold\" : \"pot:1.0/day,init=0.85,censor=0.01\"")
        .contains("\"trim_fraction\" : 0.03");
    assertThat(Hyperparameters.fromJson(robust.toJson())).isEqualTo(robust);
    // absent, like every field, takes the default (also in files written before trim_fraction existed)
    assertThat(Hyperparameters.fromJson("{\"threshold\": \"sigma:3\"}").trimFraction()).isEqualTo(0.02);
    assertThat(Hyperparameters.fromJson("{\"epochs\": 3}")).isEqualTo(Hyperparameters.DEFAULTS.withEpochs(3, 5));
    assertThat(Hyperparameters.fromJson("{}")).isEqualTo(Hyperparameters.DEFAULTS);
  }

  @Test
  void invalidValuesNameTheField() {
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"optimiser\": \"rmsprop\"}"))
        .hasMessageContaining("optimiser must be \"adam\" or \"sgd\"");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"hidden_sizes\": []}")).hasMessageContaining("hidden_sizes");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"hidden_sizes\": [20, 0]}")).hasMessageContaining("hidden_sizes");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"epochs\": 0}")).hasMessageContaining("epochs");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"batch_size\": -1}")).hasMessageContaining("batch_size");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"learning_rate\": 0}")).hasMessageContaining("learning_rate");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"patience\": -1}")).hasMessageContaining("patience");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"validation_fraction\": 1.0}"))
        .hasMessageContaining("validation_fraction");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"threshold\": \"p99\"}")).hasMessageContaining("quantile:Q");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"trim_fraction\": 0.5}")).hasMessageContaining("trim_fraction");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"trim_fraction\": -0.1}")).hasMessageContaining("[0, 0.5)");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"epoch\": 3}")).hasMessageContaining("unknown field \"epoch\"");
    assertThatThrownBy(() -> Hyperparameters.fromJson("{\"ar_quorum\": 4}")).hasMessageContaining("AR quorum must be 1 to 3");
    assertThat(Hyperparameters.fromJson("{\"ar_quorum\": 1}").arQuorum()).isEqualTo(1);
    assertThat(Hyperparameters.fromJson("{}").arQuorum()).isEqualTo(2);
  }
}
