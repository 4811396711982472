package io.kaminari.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code kaminari models}: output of list/show and exit codes of refusals, through {@link Main#run}. */
class ModelsCommandTest {
  private static final FeatureSpec SPEC = FeatureSpec.seed(Scope.GLOBAL);

  @TempDir Path work;
  @RegisterExtension final Console console = new Console();
  private String store;

  @BeforeEach
  void setUp() throws Exception {
    Path root = work.resolve("models");
    store = "model.store=" + root.toUri();
    ModelRegistry registry = new ModelRegistry(root.toUri(), new Configuration());
    double[] losses = {0.10, 0.20, 0.09};
    for (int i = 0; i < losses.length; i++) {
      Path dir = Files.createDirectories(work.resolve("m" + i));
      Files.write(dir.resolve("flow-ae-0001.params"), new byte[] {(byte) i, 1, 2, 3});
      registry.publish("flow-ae", dir, draft(losses[i]));
    }
  }

  private int run(String... args) {
    console.reset();
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--home", work.resolve("home").toString(), "--set", store));
    return Main.run(all.toArray(String[]::new));
  }

  private String stdout() {
    return console.out();
  }

  private String stderr() {
    return console.err();
  }

  @Test
  void listAndShow() {
    assertThat(run("models", "list")).isZero();
    assertThat(stdout()).contains("flow-ae  versions [1, 2, 3]  latest=3");

    assertThat(run("models", "show", "flow-ae")).isZero();
    assertThat(stdout()).startsWith("flow-ae/3 (latest)\n").contains("\"version\" : 3").contains("\"spec_id\" : \"" + SPEC.id());

    assertThat(run("models", "show", "flow-ae/1", "--verify")).isZero();
    assertThat(stdout()).startsWith("flow-ae/1 verified: 1 files match their SHA-256");
  }

  @Test
  void tagsDescriptionCardAndJson() throws Exception {
    assertThat(run("models", "tag", "flow-ae/2", "dataset=2024-05", "owner=ml")).isZero();
    assertThat(stdout()).contains("flow-ae/2 tags {dataset=2024-05, owner=ml}");
    assertThat(run("models", "describe", "flow-ae/2", "retrained after the May incident")).isZero();
    assertThat(run("models", "tag", "flow-ae/2", "--remove", "owner")).isZero();

    assertThat(run("models", "show", "flow-ae/2", "--format", "json", "--verify")).isZero();
    String[] lines = stdout().split("\n");
    assertThat(lines).hasSize(1);
    com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[0]);
    assertThat(json.get("name").asText()).isEqualTo("flow-ae");
    assertThat(json.get("version").asInt()).isEqualTo(2);
    assertThat(json.get("verified").asBoolean()).isTrue();
    assertThat(json.get("aliases")).isEmpty();
    assertThat(json.get("tags").toString()).isEqualTo("{\"dataset\":\"2024-05\"}");
    assertThat(json.get("description").asText()).isEqualTo("retrained after the May incident");
    assertThat(json.get("manifest").get("spec_id").asText()).isEqualTo(SPEC.id());
    assertThat(json.get("manifest").get("metrics").get("val_loss").asDouble()).isEqualTo(0.20);

    assertThat(run("models", "show", "flow-ae", "--format", "json")).isZero();
    assertThat(stdout()).contains("\"aliases\":[\"latest\"]").contains("\"version\":3");

    assertThat(run("models", "card", "flow-ae/2")).isZero();
    assertThat(stdout()).startsWith("# flow-ae/2\n\nretrained after the May incident\n")
        .contains("| val_loss | 0.200000 |").contains("- `dataset` = 2024-05").doesNotContain("owner");

    assertThat(run("models", "show", "flow-ae", "--format", "yaml")).isNotZero();
    assertThat(stderr()).contains("--format must be text or json");
    assertThat(run("models", "tag", "flow-ae/2")).isNotZero();
    assertThat(stderr()).contains("give KEY=VALUE tags or --remove KEY");
    assertThat(run("models", "tag", "flow-ae/7", "a=b")).isNotZero();
  }

  @Test
  void promoteRefusalRollbackAndGcExitCodes() {
    assertThat(run("models", "promote", "flow-ae", "1", "--alias", "champion")).isZero();
    assertThat(stdout()).startsWith("ALLOWED: flow-ae@champion - -> 1");

    assertThat(run("models", "promote", "flow-ae", "2", "--alias", "champion")).isEqualTo(1);
    assertThat(stderr()).contains("REFUSED: flow-ae@champion 1 -> 2 (not moved)").contains("val_loss 0.2 > limit 0.105");

    assertThat(run("models", "promote", "flow-ae", "2", "--alias", "champion", "--margin", "1.5")).isZero();
    assertThat(run("models", "rollback", "flow-ae", "--alias", "champion")).isZero();
    assertThat(stdout()).contains("rollback 2 -> 1");
    assertThat(run("models", "rollback", "flow-ae", "--alias", "champion")).isEqualTo(1);
    assertThat(stderr()).contains("no earlier version");

    assertThat(run("models", "promote", "flow-ae", "2", "--alias", "champion", "--force")).isZero();
    assertThat(stdout()).startsWith("FORCED: flow-ae@champion 1 -> 2");

    assertThat(run("models", "history", "flow-ae", "--alias", "champion")).isZero();
    assertThat(stdout().lines()).hasSize(5);

    assertThat(run("models", "gc", "flow-ae", "--keep", "1")).isZero();
    assertThat(stdout()).contains("deleted versions [1] of flow-ae; kept [2, 3]");
  }

  @Test
  void errorsExitNonZeroWithTheReason() {
    assertThat(run("models", "show", "flow-ae/9")).isEqualTo(1);
    assertThat(stderr()).contains("flow-ae has no version 9");
    assertThat(run("models", "show", "nope@champion")).isEqualTo(1);
    assertThat(stderr()).contains("no model named nope");
    assertThat(run("models", "show", "Bad!")).isEqualTo(1);
    assertThat(stderr()).contains("invalid model reference 'Bad!'");
    assertThat(run("models", "promote", "flow-ae", "7")).isEqualTo(1);
    assertThat(stderr()).contains("flow-ae has no version 7");
    assertThat(run("models", "gc", "flow-ae")).isEqualTo(2); // usage: --keep is required
    console.reset();
    assertThat(Main.run("models")).isEqualTo(2);
    assertThat(stderr()).contains("missing subcommand");
  }

  private static ModelManifest draft(double valLoss) {
    float[] std = new float[SPEC.dimension()];
    Arrays.fill(std, 1f);
    return new ModelManifest("flow-ae", 0, null, SPEC.id(), SPEC,
        new ModelManifest.Normalisation(new float[SPEC.dimension()], std), 2.0, "quantile 0.999 of validation scores",
        Instant.parse("2024-05-01T00:00:00Z"), Instant.parse("2024-05-02T00:00:00Z"), 288, 72,
        io.kaminari.model.Hyperparameters.DEFAULTS,
        Map.of(ModelManifest.VAL_LOSS, valLoss), "0.36.0", "PyTorch 2.7.1", "test", Map.of());
  }
}
