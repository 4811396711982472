package io.kaminari.model.spark;

import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.features.FeatureSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * One training run: which vectors ({@code spec} over {@code [from, to)}), how ({@code hyperparameters}), under which
 * registry name, and which alias to offer the new version to through the promotion gate.
 *
 * @param promoteAlias alias the new version is offered to (e.g. {@code champion}); null to only publish
 * @param force promote even if the gate refuses
 * @param margin the gate's tolerance: refuse when val_loss is worse than the current target's by more than this share
 * @param workDir local scratch directory for the vector file and the trained files (deleted after publishing)
 */
public record TrainConfig(String name, FeatureSpec spec, Instant from, Instant to, Hyperparameters hyperparameters,
    String promoteAlias, boolean force, double margin, Path workDir) {
  public TrainConfig {
    ModelRef.checkName("model", name);
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    if (!from.isBefore(to)) throw new IllegalArgumentException("--from must be before --to");
    if (margin < 0) throw new IllegalArgumentException("the promotion margin must be >= 0, got " + margin);
  }
}
