package io.kaminari.model;

import io.kaminari.common.FileTrees;
import io.kaminari.model.ar.ArForecaster;
import io.kaminari.model.ar.ArHeldOut;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The promotion gate's I/O: loads the candidate and the alias's current target from the registry and scores both on
 * the candidate's held-out windows, the autoencoders' ({@link HeldOut}) and the forecasters' ({@link ArHeldOut}), for
 * {@link PromotionGate#decide}, which stays a pure function of what this returns.
 */
final class GateScoring {
  private GateScoring() {}

  /**
   * Scores {@code candidate} and version {@code current} of its model on the candidate's held-out windows, loading
   * both from {@code registry} (verified copies in a scratch directory, deleted after). A failure to load or score is
   * a {@link PromotionGate.HeldOutResult#failed failed} result with the reason, never an exception.
   */
  static PromotionGate.HeldOutResult score(ModelRegistry registry, ModelManifest candidate, int current) {
    if (!HeldOut.present(candidate)) {
      return PromotionGate.HeldOutResult.absent("version " + candidate.version() + " keeps no held-out windows"
          + " (published before versions kept them)");
    }
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("kaminari-gate-");
      LoadedModel c = registry.load(ModelRef.version(candidate.name(), candidate.version()), scratch);
      LoadedModel p = registry.load(ModelRef.version(candidate.name(), current), scratch);
      try (ScoringModel cm = ScoringModel.load(c); ScoringModel pm = ScoringModel.load(p)) {
        return PromotionGate.HeldOutResult.of(HeldOut.compare(c, cm, pm), arHeldOut(c, p));
      }
    } catch (IOException | RuntimeException e) {
      return PromotionGate.HeldOutResult.failed(String.valueOf(e.getMessage()));
    } finally {
      FileTrees.deleteQuietly(scratch);
    }
  }

  /**
   * Compares the forecasters of {@code candidate} and {@code current} on the candidate's {@link ArHeldOut AR held-out
   * windows}: the candidate's gate fit against the current version's (its published forecaster when it keeps none).
   * Null when neither version has a forecaster; a reason when they cannot be compared.
   */
  private static PromotionGate.ArResult arHeldOut(LoadedModel candidate, LoadedModel current) {
    Detectors.Ar cur = PromotionGate.ar(current.manifest());
    Detectors.Ar cand = PromotionGate.ar(candidate.manifest());
    if (cand == null && cur == null) return null;
    if (cand == null) return PromotionGate.ArResult.none("the candidate has no AR forecaster");
    if (cur == null) {
      return PromotionGate.ArResult.none("version " + current.manifest().version() + " has no AR forecaster");
    }
    Map<String, String> files = candidate.manifest().files();
    if (!files.containsKey(ArHeldOut.WINDOWS_PATH) || !files.containsKey(ArHeldOut.FORECASTER_PATH)) {
      return PromotionGate.ArResult.none("version " + candidate.manifest().version() + " keeps no AR held-out windows"
          + " (published before versions kept them, or its range was too short for the gate fit)");
    }
    boolean gateFit = current.manifest().files().containsKey(ArHeldOut.FORECASTER_PATH);
    ArForecaster forecaster = ArForecaster.read(current.file(gateFit ? ArHeldOut.FORECASTER_PATH : cur.file())
        .getParent());
    return PromotionGate.ArResult.of(ArHeldOut.compare(candidate.dir(), forecaster, gateFit));
  }
}
