package io.kaminari.model;

import io.kaminari.model.ar.ArHeldOut;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * The promotion rule, as a pure function of what the registry found: may {@code candidate} become the target of an
 * alias whose current target is {@code current}? No I/O: {@link ModelRegistry#promote} verifies the candidate and reads
 * the current manifest, then asks {@link #decide} and commits the answer only if the alias has not moved meanwhile.
 *
 * <p>In order: a candidate that failed verification is refused, even when forced; a candidate is allowed when the alias
 * has no target, or already points at it (nothing moves); it is refused when the current target's manifest is
 * unreadable, or uses another feature spec (the losses are not comparable); otherwise both are scored on the
 * candidate's {@link HeldOut held-out windows} and it is allowed iff {@code candidate error <= current error * (1 +
 * margin)}, both the mean squared reconstruction error in {@code log1p} space. It is refused when that scoring fails.
 * A candidate published before versions kept held-out windows is compared as before, on each version's own
 * {@code val_loss} (its own windows, its own normalisation), and the reason says so.
 *
 * <p>The AR forecaster, which makes the verdict under {@code ar-led}, must pass too: a candidate without one is refused
 * when the current target has one, and when both keep one it is allowed only if also {@code candidate AR error <=
 * current AR error * (1 + margin)} on the candidate's {@link ArHeldOut AR held-out windows}, the one-step forecast
 * error in {@code log1p} space of the candidate's gate fit and of the current target's (its published forecaster when
 * it keeps no gate fit). Where they cannot be compared (a version without the windows) the reason says why and the
 * autoencoders decide. {@link PromotionDecision}'s losses stay the autoencoders'; the reason carries the forecasters'.
 * {@code force} turns any refusal except a failed verification into an allowed, forced promotion.
 */
public final class PromotionGate {
  private PromotionGate() {}

  /** The candidate version: its manifest, and why it failed verification (null when every SHA-256 matched). */
  public record Candidate(ModelManifest manifest, String verifyFailure) {
    public Candidate {
      if (manifest == null) throw new IllegalArgumentException("a promotion candidate needs its manifest");
    }

    public static Candidate verified(ModelManifest manifest) {
      return new Candidate(manifest, null);
    }

    public static Candidate corrupt(ModelManifest manifest, String verifyFailure) {
      return new Candidate(manifest, verifyFailure);
    }
  }

  /**
   * The alias's target as the gate sees it: no target ({@code version} null), a readable one ({@code manifest} set), or
   * one whose manifest cannot be read ({@code unreadable} says why).
   */
  public record Current(Integer version, ModelManifest manifest, String unreadable) {
    /** The alias does not exist yet. */
    public static final Current NONE = new Current(null, null, null);

    public Current {
      if (version == null && (manifest != null || unreadable != null)) {
        throw new IllegalArgumentException("an alias without a target has no manifest");
      }
      if (version != null && (manifest == null) == (unreadable == null)) {
        throw new IllegalArgumentException("give the current target's manifest or why it is unreadable, not both");
      }
      if (manifest != null && manifest.version() != version) {
        throw new IllegalArgumentException("the manifest of version " + manifest.version() + " is not version " + version);
      }
    }

    public static Current of(ModelManifest manifest) {
      return new Current(manifest.version(), manifest, null);
    }

    public static Current unreadable(int version, String problem) {
      return new Current(version, null, problem);
    }
  }

  /**
   * What scoring the candidate and the current target on the candidate's held-out windows gave: the
   * {@code comparison}, or why there is none. {@code failed} tells a failure (refuse) from a candidate without held-out
   * windows (compare {@code val_loss}).
   */
  public record HeldOutResult(HeldOut.Comparison comparison, boolean failed, String why, ArResult ar) {
    public HeldOutResult {
      if ((comparison == null) == (why == null)) {
        throw new IllegalArgumentException("a held-out result is a comparison or a reason, not both");
      }
    }

    /** The autoencoders' comparison, and the forecasters' ({@code ar}; null when neither version has one). */
    public static HeldOutResult of(HeldOut.Comparison comparison, ArResult ar) {
      return new HeldOutResult(comparison, false, null, ar);
    }

    /** The candidate keeps no held-out windows: the gate compares each version's own val_loss. */
    public static HeldOutResult absent(String why) {
      return new HeldOutResult(null, false, why, null);
    }

    /** The versions could not be scored on them: the gate refuses. */
    public static HeldOutResult failed(String why) {
      return new HeldOutResult(null, true, why, null);
    }
  }

  /**
   * What comparing the two versions' AR forecasters on the candidate's {@link ArHeldOut AR held-out windows} gave: the
   * {@code comparison}, or why there is none (a candidate published before versions kept them, a range too short for
   * the gate fit, a current version without a forecaster).
   */
  public record ArResult(ArHeldOut.Comparison comparison, String why) {
    public ArResult {
      if ((comparison == null) == (why == null)) {
        throw new IllegalArgumentException("an AR result is a comparison or a reason, not both");
      }
    }

    public static ArResult of(ArHeldOut.Comparison comparison) {
      return new ArResult(comparison, null);
    }

    public static ArResult none(String why) {
      return new ArResult(null, why);
    }
  }

  /** The basis of a comparison on the candidate's held-out windows, as {@link PromotionDecision#basis()} says it. */
  public static final String BASIS_HELD_OUT = "held_out";
  /** The basis of a comparison of each version's own validation loss. */
  public static final String BASIS_VAL_LOSS = "val_loss";

  /** Throws unless {@code margin} is a finite number >= 0. */
  public static double checkMargin(double margin) {
    if (!(margin >= 0) || Double.isInfinite(margin)) {
      throw new IllegalArgumentException("margin must be a finite number >= 0, got " + margin);
    }
    return margin;
  }

  /**
   * The decision on promoting {@code candidate} to {@code alias} over {@code current}, with the reason and the numbers
   * compared; {@code moved} says whether the alias moves (allowed, and not already at the candidate).
   *
   * @param heldOut scores both on the candidate's held-out windows, given the current target's version; called only
   *     when the gate compares the two
   */
  public static PromotionDecision decide(String alias, Candidate candidate, Current current,
      IntFunction<HeldOutResult> heldOut, double margin, boolean force) {
    checkMargin(margin);
    ModelManifest cand = candidate.manifest();
    int version = cand.version();
    double candLoss = cand.valLoss();
    Double curLoss = null;
    String basis = BASIS_VAL_LOSS;
    boolean gate;
    String why;
    if (candidate.verifyFailure() != null) {
      gate = false;
      why = "candidate failed verification: " + candidate.verifyFailure();
    } else if (current.version() == null) {
      gate = true;
      why = String.format(Locale.ROOT, "no current %s; candidate val_loss %s", alias, num(candLoss));
    } else if (current.version() == version) {
      gate = true;
      why = alias + " already points at " + version;
    } else if (current.manifest() == null) {
      gate = false;
      why = "the current " + alias + " " + current.version() + " has an unreadable manifest (" + current.unreadable()
          + ")";
    } else if (!current.manifest().specId().equals(cand.specId())) {
      curLoss = current.manifest().valLoss();
      gate = false;
      why = "feature spec differs from the current " + alias + " " + current.version() + " (" + cand.specId() + " vs "
          + current.manifest().specId() + "): losses are not comparable";
    } else {
      HeldOutResult h = heldOut.apply(current.version());
      if (h.failed()) {
        gate = false;
        why = "cannot score the candidate and the current " + alias + " " + current.version()
            + " on the candidate's held-out windows: " + h.why();
      } else {
        String what;
        if (h.comparison() != null) {
          candLoss = h.comparison().candidateError();
          curLoss = h.comparison().currentError();
          basis = BASIS_HELD_OUT;
          what = "held-out error";
        } else {
          curLoss = current.manifest().valLoss();
          what = "val_loss";
        }
        double limit = curLoss * (1 + margin);
        gate = candLoss <= limit;
        why = String.format(Locale.ROOT, "%s %s %s limit %s = current %s %s x (1 + margin %s)", what,
            num(candLoss), gate ? "<=" : ">", num(limit), alias, num(curLoss), num(margin))
            + (h.comparison() != null ? " " + HeldOut.describe(h.comparison())
                : "; " + h.why() + ", so each version's own val_loss (its own windows and normalisation) is compared");
        // The verdict's other detector: under ar-led it is the verdict. A candidate may neither lose the forecaster
        // nor forecast worse than the current target on windows that neither fitted.
        if (ar(cand) == null && ar(current.manifest()) != null) {
          gate = false;
          why += "; the candidate has no AR forecaster (" + (cand.detectors() == null ? "none recorded"
              : cand.detectors().arNote()) + ") but the current " + alias + " has one";
        } else if (h.ar() != null && h.ar().comparison() != null) {
          ArHeldOut.Comparison a = h.ar().comparison();
          double arLimit = a.currentError() * (1 + margin);
          boolean arGate = a.candidateError() <= arLimit;
          gate = gate && arGate;
          why += String.format(Locale.ROOT, "; AR forecast error %s %s limit %s = current %s %s x (1 + margin %s) %s",
              num(a.candidateError()), arGate ? "<=" : ">", num(arLimit), alias, num(a.currentError()), num(margin),
              a.describe());
        } else if (h.ar() != null) {
          why += "; the AR forecasters are not compared: " + h.ar().why();
        }
      }
    }
    boolean forced = !gate && force && candidate.verifyFailure() == null;
    boolean allowed = gate || forced;
    boolean moved = allowed && (current.version() == null || current.version() != version);
    return new PromotionDecision(cand.name(), alias, version, current.version(), basis, candLoss, curLoss, margin,
        allowed, forced, moved, forced ? "forced: " + why : why);
  }

  /** The version's AR forecaster; null without one. */
  static Detectors.Ar ar(ModelManifest manifest) {
    return manifest.detectors() == null ? null : manifest.detectors().ar();
  }

  /** Six significant digits without exponent or trailing zeros: the numbers an operator compares in the history. */
  static String num(double d) {
    return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }
}
