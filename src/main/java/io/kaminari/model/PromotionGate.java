package io.kaminari.model;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The promotion rule, as a pure function of what the registry found: may {@code candidate} become the target of an
 * alias whose current target is {@code current}? No I/O: {@link ModelRegistry#promote} verifies the candidate and reads
 * the current manifest, then asks {@link #decide} and commits the answer only if the alias has not moved meanwhile.
 *
 * <p>In order: a candidate that failed verification is refused, even when forced; a candidate is allowed when the alias
 * has no target, or already points at it (nothing moves); it is refused when the current target's manifest is
 * unreadable, or uses another feature spec (the losses are not comparable); otherwise it is allowed iff
 * {@code candidate.val_loss <= current.val_loss * (1 + margin)}. {@code force} turns any refusal except a failed
 * verification into an allowed, forced promotion.
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
   */
  public static PromotionDecision decide(String alias, Candidate candidate, Current current, double margin,
      boolean force) {
    checkMargin(margin);
    ModelManifest cand = candidate.manifest();
    int version = cand.version();
    double candLoss = cand.valLoss();
    Double curLoss = null;
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
      curLoss = current.manifest().valLoss();
      double limit = curLoss * (1 + margin);
      gate = candLoss <= limit;
      why = String.format(Locale.ROOT, "val_loss %s %s limit %s = current %s %s x (1 + margin %s)",
          num(candLoss), gate ? "<=" : ">", num(limit), alias, num(curLoss), num(margin));
    }
    boolean forced = !gate && force && candidate.verifyFailure() == null;
    boolean allowed = gate || forced;
    boolean moved = allowed && (current.version() == null || current.version() != version);
    return new PromotionDecision(cand.name(), alias, version, current.version(), candLoss, curLoss, margin, allowed,
        forced, moved, forced ? "forced: " + why : why);
  }

  /** Six significant digits without exponent or trailing zeros: the numbers an operator compares in the history. */
  static String num(double d) {
    return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }
}
