package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.model.PromotionGate.Candidate;
import io.kaminari.model.PromotionGate.Current;
import io.kaminari.model.PromotionGate.HeldOutResult;
import io.kaminari.model.ar.ArHeldOut;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The promotion rule on manifests in memory: no registry, no files. */
class PromotionGateTest {
  private static final String CHAMPION = ModelRef.CHAMPION;

  /** Version {@code version} of flow-ae with this val_loss, on {@code spec}. */
  private static ModelManifest version(int version, double valLoss, FeatureSpec spec) {
    return AbstractModelRegistryContract.draft("flow-ae", valLoss, version, spec)
        .published(version, Instant.parse("2024-05-09T10:00:00Z"), Map.of("a.params", "0".repeat(64)));
  }

  private static ModelManifest version(int version, double valLoss) {
    return version(version, valLoss, AbstractModelRegistryContract.SPEC);
  }

  private static final String NONE = "these versions keep no held-out windows";
  /** What the val_loss comparison appends to its reason. */
  private static final String VAL_LOSS_NOTE = "; " + NONE
      + ", so each version's own val_loss (its own windows and normalisation) is compared";

  /** The gate for candidates without held-out windows (versions published before them). */
  private static PromotionDecision decide(String alias, Candidate candidate, Current current, double margin,
      boolean force) {
    return PromotionGate.decide(alias, candidate, current, v -> HeldOutResult.absent(NONE), margin, force);
  }

  @Test
  void allowedWithinTheMarginWithTheNumbersCompared() {
    PromotionDecision d = decide(CHAMPION, Candidate.verified(version(2, 0.104)),
        Current.of(version(1, 0.100)), 0.05, false);
    assertThat(d.allowed()).isTrue();
    assertThat(d.moved()).isTrue();
    assertThat(d.forced()).isFalse();
    assertThat(d.action()).isEqualTo(AliasEvent.PROMOTE);
    assertThat(d.name()).isEqualTo("flow-ae");
    assertThat(d.candidate()).isEqualTo(2);
    assertThat(d.current()).isEqualTo(1);
    assertThat(d.candidateLoss()).isEqualTo(0.104);
    assertThat(d.currentLoss()).isEqualTo(0.100);
    assertThat(d.margin()).isEqualTo(0.05);
    assertThat(d.reason()).isEqualTo("val_loss 0.104 <= limit 0.105 = current champion 0.1 x (1 + margin 0.05)" + VAL_LOSS_NOTE);
    // The limit is inclusive: an equal loss passes with margin 0.
    assertThat(decide(CHAMPION, Candidate.verified(version(2, 0.1)), Current.of(version(1, 0.1)), 0,
        false).allowed()).isTrue();
  }

  @Test
  void refusedBeyondTheMargin() {
    PromotionDecision d = decide(CHAMPION, Candidate.verified(version(3, 0.12)),
        Current.of(version(2, 0.104)), 0.05, false);
    assertThat(d.allowed()).isFalse();
    assertThat(d.moved()).isFalse();
    assertThat(d.action()).isEqualTo(AliasEvent.REFUSED);
    assertThat(d.currentLoss()).isEqualTo(0.104);
    assertThat(d.reason()).isEqualTo("val_loss 0.12 > limit 0.1092 = current champion 0.104 x (1 + margin 0.05)" + VAL_LOSS_NOTE);
    assertThat(decide(CHAMPION, Candidate.verified(version(3, 0.1000001)), Current.of(version(2, 0.1)),
        0, false).allowed()).isFalse();
  }

  @Test
  void anotherFeatureSpecIsRefusedHoweverLowItsLoss() {
    FeatureSpec other = FeatureSpec.seed(Scope.DST_PREFIX);
    PromotionDecision d = decide(CHAMPION, Candidate.verified(version(2, 0.001, other)),
        Current.of(version(1, 0.5)), 0.05, false);
    assertThat(d.allowed()).isFalse();
    assertThat(d.currentLoss()).isEqualTo(0.5);
    assertThat(d.reason()).isEqualTo("feature spec differs from the current champion 1 (" + other.id() + " vs "
        + AbstractModelRegistryContract.SPEC.id() + "): losses are not comparable");
  }

  @Test
  void anAliasWithoutTargetTakesAnyVerifiedCandidate() {
    PromotionDecision d = decide("canary", Candidate.verified(version(4, 9.5)), Current.NONE, 0, false);
    assertThat(d.allowed()).isTrue();
    assertThat(d.moved()).isTrue();
    assertThat(d.current()).isNull();
    assertThat(d.currentLoss()).isNull();
    assertThat(d.reason()).isEqualTo("no current canary; candidate val_loss 9.5");
  }

  @Test
  void forceOverridesARefusalOfTheGate() {
    PromotionDecision d = decide(CHAMPION, Candidate.verified(version(3, 0.12)),
        Current.of(version(2, 0.104)), 0.05, true);
    assertThat(d.allowed()).isTrue();
    assertThat(d.forced()).isTrue();
    assertThat(d.moved()).isTrue();
    assertThat(d.action()).isEqualTo(AliasEvent.FORCE);
    assertThat(d.reason()).isEqualTo("forced: val_loss 0.12 > limit 0.1092 = current champion 0.104 x (1 + margin 0.05)" + VAL_LOSS_NOTE);
    FeatureSpec other = FeatureSpec.seed(Scope.DST_PREFIX);
    assertThat(decide(CHAMPION, Candidate.verified(version(3, 0.1, other)), Current.of(version(2, 0.1)),
        0.05, true).forced()).isTrue();
    // Force is not needed, and not recorded, when the gate allows.
    assertThat(decide(CHAMPION, Candidate.verified(version(3, 0.1)), Current.of(version(2, 0.2)), 0,
        true).forced()).isFalse();
  }

  @Test
  void aCorruptCandidateIsRefusedEvenWhenForced() {
    for (Current current : new Current[] {Current.NONE, Current.of(version(1, 0.5))}) {
      PromotionDecision d = decide(CHAMPION,
          Candidate.corrupt(version(2, 0.1), "checksum mismatch for a.params in flow-ae/2: expected 00 got 41"),
          current, 0.05, true);
      assertThat(d.allowed()).isFalse();
      assertThat(d.forced()).isFalse();
      assertThat(d.moved()).isFalse();
      assertThat(d.action()).isEqualTo(AliasEvent.REFUSED);
      assertThat(d.reason())
          .isEqualTo("candidate failed verification: checksum mismatch for a.params in flow-ae/2: expected 00 got 41");
    }
  }

  @Test
  void anUnreadableCurrentTargetIsRefusedUnlessForced() {
    Current broken = Current.unreadable(1, "flow-ae/1 has no manifest.json; it cannot be used");
    PromotionDecision d = decide(CHAMPION, Candidate.verified(version(2, 0.1)), broken, 0.05, false);
    assertThat(d.allowed()).isFalse();
    assertThat(d.current()).isEqualTo(1);
    assertThat(d.currentLoss()).isNull();
    assertThat(d.reason()).isEqualTo("the current champion 1 has an unreadable manifest (flow-ae/1 has no "
        + "manifest.json; it cannot be used)");
    assertThat(decide(CHAMPION, Candidate.verified(version(2, 0.1)), broken, 0.05, true).moved())
        .isTrue();
  }

  @Test
  void theCurrentTargetItselfIsAllowedButNothingMoves() {
    ModelManifest v2 = version(2, 0.3);
    PromotionDecision d = decide(CHAMPION, Candidate.verified(v2), Current.of(v2), 0, false);
    assertThat(d.allowed()).isTrue();
    assertThat(d.moved()).isFalse();
    assertThat(d.action()).isEqualTo(AliasEvent.UNCHANGED);
    assertThat(d.reason()).isEqualTo("champion already points at 2");
  }

  @Test
  void badInputIsAnError() {
    Candidate c = Candidate.verified(version(2, 0.1));
    Current cur = Current.of(version(1, 0.1));
    for (double margin : new double[] {-0.01, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> decide(CHAMPION, c, cur, margin, false))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("margin must be a finite number >= 0");
    }
    assertThatThrownBy(() -> new Current(3, version(1, 0.1), null)).hasMessageContaining("is not version 3");
    assertThatThrownBy(() -> new Current(3, null, null)).hasMessageContaining("or why it is unreadable");
    assertThatThrownBy(() -> new Candidate(null, null)).hasMessageContaining("needs its manifest");
  }

  @Test
  void comparesBothVersionsOnTheCandidatesHeldOutWindowsNotTheirOwnValLoss() {
    // By val_loss the candidate is far worse (0.5 vs 0.1), but on the same windows in log1p space it is better.
    AtomicInteger asked = new AtomicInteger();
    PromotionDecision d = PromotionGate.decide(CHAMPION, Candidate.verified(version(3, 0.5)),
        Current.of(version(2, 0.1)), v -> {
          asked.set(v);
          return HeldOutResult.of(new HeldOut.Comparison(1440, 0.02, 0.03), null);
        }, 0.05, false);
    assertThat(asked.get()).isEqualTo(2);
    assertThat(d.allowed()).isTrue();
    assertThat(d.moved()).isTrue();
    assertThat(d.basis()).isEqualTo(PromotionGate.BASIS_HELD_OUT);
    assertThat(d.candidateLoss()).isEqualTo(0.02);
    assertThat(d.currentLoss()).isEqualTo(0.03);
    assertThat(d.reason()).isEqualTo("held-out error 0.02 <= limit 0.0315 = current champion 0.03 x (1 + margin 0.05)"
        + " on the candidate's 1,440 held-out windows (log1p-space mean squared error)");

    // And the other way round: a lower val_loss does not pass a worse held-out error.
    PromotionDecision worse = PromotionGate.decide(CHAMPION, Candidate.verified(version(3, 0.01)),
        Current.of(version(2, 0.1)), v -> HeldOutResult.of(new HeldOut.Comparison(10, 0.04, 0.03), null), 0.05, false);
    assertThat(worse.allowed()).isFalse();
    assertThat(worse.action()).isEqualTo(AliasEvent.REFUSED);
    assertThat(worse.reason()).startsWith("held-out error 0.04 > limit 0.0315");
  }

  /** {@code m} with detectors: an AR forecaster when {@code ar}, else none, for the reason {@code ar_order is 0}. */
  private static ModelManifest withAr(ModelManifest m, boolean ar) {
    Detectors d = ar
        ? new Detectors("quantile:0.999", Detectors.RULE_AR_LED, "ar-led", 2, new Detectors.Ar("ar-forecaster.json",
            9.5, "pot:1/day", null, 1, 70, 1440), null, null, null)
        : new Detectors("quantile:0.999", Detectors.RULE_AE, null, 1, null, "ar_order is 0", null, null);
    return new ModelManifest(m.name(), m.version(), m.created(), m.specId(), m.spec(), m.normalisation(),
        m.threshold(), m.thresholdMethod(), m.calibration(), d, m.trainFrom(), m.trainTo(), m.trainSamples(),
        m.validationSamples(), m.hyperparameters(), m.metrics(), m.djlVersion(), m.engine(), m.codeVersion(),
        ar ? Map.of("a.params", "0".repeat(64), "ar-forecaster.json", "1".repeat(64)) : m.files());
  }

  private static HeldOutResult bothCompared(double candidateAr, double currentAr) {
    return HeldOutResult.of(new HeldOut.Comparison(1440, 0.03, 0.03),
        PromotionGate.ArResult.of(new ArHeldOut.Comparison(144, candidateAr, currentAr, true)));
  }

  @Test
  void theArForecasterMustForecastTheCandidatesArHeldOutWindowsNoWorseThanTheCurrentOnes() {
    Candidate cand = Candidate.verified(withAr(version(3, 0.1), true));
    Current cur = Current.of(withAr(version(2, 0.1), true));
    // Equal autoencoders; the candidate's forecaster within the margin: allowed, both comparisons in the reason.
    PromotionDecision within = PromotionGate.decide(CHAMPION, cand, cur, v -> bothCompared(0.0104, 0.01), 0.05, false);
    assertThat(within.moved()).as(within.reason()).isTrue();
    assertThat(within.candidateLoss()).as("the decision's losses stay the autoencoders'").isEqualTo(0.03);
    assertThat(within.reason()).isEqualTo("held-out error 0.03 <= limit 0.0315 = current champion 0.03 x (1 + margin"
        + " 0.05) on the candidate's 1,440 held-out windows (log1p-space mean squared error); AR forecast error"
        + " 0.0104 <= limit 0.0105 = current champion 0.01 x (1 + margin 0.05) on the candidate's 144 AR held-out"
        + " windows (one-step log1p-space mean squared error)");

    // The autoencoders pass, the forecaster does not: refused, and the reason says which.
    PromotionDecision worse = PromotionGate.decide(CHAMPION, cand, cur, v -> bothCompared(0.02, 0.01), 0.05, false);
    assertThat(worse.allowed()).isFalse();
    assertThat(worse.action()).isEqualTo(AliasEvent.REFUSED);
    assertThat(worse.reason()).startsWith("held-out error 0.03 <= limit")
        .contains("; AR forecast error 0.02 > limit 0.0105 = current champion 0.01");
    assertThat(PromotionGate.decide(CHAMPION, cand, cur, v -> bothCompared(0.02, 0.01), 0.05, true).forced())
        .isTrue();

    // A current version without a gate fit is represented by its whole-range forecaster, and the reason says so.
    PromotionDecision noGateFit = PromotionGate.decide(CHAMPION, cand, cur, v -> HeldOutResult.of(
        new HeldOut.Comparison(1440, 0.03, 0.03), PromotionGate.ArResult.of(new ArHeldOut.Comparison(144, 0.01, 0.01,
            false))), 0, false);
    assertThat(noGateFit.allowed()).isTrue();
    assertThat(noGateFit.reason()).endsWith("the current version keeps no gate fit, so its forecaster fitted on its"
        + " whole range stands in)");

    // Not comparable (a candidate published before the AR held-out windows): the autoencoders decide, as said.
    PromotionDecision notCompared = PromotionGate.decide(CHAMPION, cand, cur, v -> HeldOutResult.of(
        new HeldOut.Comparison(1440, 0.03, 0.03), PromotionGate.ArResult.none("version 3 keeps no AR held-out"
            + " windows")), 0, false);
    assertThat(notCompared.allowed()).isTrue();
    assertThat(notCompared.reason()).endsWith("; the AR forecasters are not compared: version 3 keeps no AR held-out"
        + " windows");
    assertThatThrownBy(() -> new PromotionGate.ArResult(null, null)).hasMessageContaining("not both");
  }

  @Test
  void aCandidateWithoutTheForecasterTheCurrentVersionHasIsRefused() {
    Candidate lost = Candidate.verified(withAr(version(3, 0.1), false));
    Current cur = Current.of(withAr(version(2, 0.1), true));
    HeldOutResult aeOnly = HeldOutResult.of(new HeldOut.Comparison(1440, 0.01, 0.03), null);
    PromotionDecision d = PromotionGate.decide(CHAMPION, lost, cur, v -> aeOnly, 0.05, false);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).startsWith("held-out error 0.01 <= limit").endsWith("; the candidate has no AR forecaster"
        + " (ar_order is 0) but the current champion has one");
    assertThat(PromotionGate.decide(CHAMPION, lost, cur, v -> aeOnly, 0.05, true).action())
        .isEqualTo(AliasEvent.FORCE);
    // The other way round, gaining a forecaster is no reason to refuse.
    PromotionDecision gained = PromotionGate.decide(CHAMPION, Candidate.verified(withAr(version(3, 0.1), true)),
        Current.of(withAr(version(2, 0.1), false)), v -> HeldOutResult.of(new HeldOut.Comparison(1440, 0.01, 0.03),
            PromotionGate.ArResult.none("version 2 has no AR forecaster")), 0.05, false);
    assertThat(gained.moved()).as(gained.reason()).isTrue();
    assertThat(gained.reason()).endsWith("; the AR forecasters are not compared: version 2 has no AR forecaster");
  }

  @Test
  void aFailedHeldOutScoringIsARefusalThatForceOverrides() {
    Candidate c = Candidate.verified(version(3, 0.01));
    Current cur = Current.of(version(2, 0.1));
    PromotionDecision d = PromotionGate.decide(CHAMPION, c, cur,
        v -> HeldOutResult.failed("version 2 does not load"), 0.05, false);
    assertThat(d.allowed()).isFalse();
    assertThat(d.currentLoss()).isNull();
    assertThat(d.reason()).isEqualTo("cannot score the candidate and the current champion 2 on the candidate's"
        + " held-out windows: version 2 does not load");
    PromotionDecision forced = PromotionGate.decide(CHAMPION, c, cur,
        v -> HeldOutResult.failed("version 2 does not load"), 0.05, true);
    assertThat(forced.moved()).isTrue();
    assertThat(forced.action()).isEqualTo(AliasEvent.FORCE);
  }

  @Test
  void theHeldOutWindowsAreScoredOnlyWhenTheGateCompares() {
    java.util.function.IntFunction<HeldOutResult> never = v -> {
      throw new AssertionError("scored the held-out windows against version " + v);
    };
    ModelManifest v2 = version(2, 0.1);
    assertThat(PromotionGate.decide(CHAMPION, Candidate.verified(v2), Current.NONE, never, 0, false).moved()).isTrue();
    assertThat(PromotionGate.decide(CHAMPION, Candidate.verified(v2), Current.of(v2), never, 0, false).moved())
        .isFalse();
    assertThat(PromotionGate.decide(CHAMPION, Candidate.corrupt(version(3, 0.1), "sha mismatch"), Current.of(v2),
        never, 0, false).allowed()).isFalse();
    FeatureSpec other = FeatureSpec.seed(Scope.DST_PREFIX);
    assertThat(PromotionGate.decide(CHAMPION, Candidate.verified(version(3, 0.1, other)), Current.of(v2), never, 0,
        false).allowed()).isFalse();
    assertThatThrownBy(() -> new HeldOutResult(null, false, null, null)).hasMessageContaining("not both");
  }
}
