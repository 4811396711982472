package io.kaminari.model;

/**
 * The outcome of one promotion request, as recorded in the alias history: whether {@code candidate} may become (or
 * became) the target of {@code alias}, with the numbers the gate compared.
 *
 * <p>{@code basis} says what {@code candidateLoss} and {@code currentLoss} are: {@value PromotionGate#BASIS_HELD_OUT},
 * both versions' error on the candidate's held-out windows, or {@value PromotionGate#BASIS_VAL_LOSS}, each version's
 * own validation loss. {@code current}/{@code currentLoss} are null when the alias had no target (or its manifest was
 * unreadable); {@code forced} is true only when the gate refused and {@code --force} overrode it; {@code moved} is
 * false for a refusal and when the alias already pointed at the candidate.
 */
public record PromotionDecision(
    String name,
    String alias,
    int candidate,
    Integer current,
    String basis,
    double candidateLoss,
    Double currentLoss,
    double margin,
    boolean allowed,
    boolean forced,
    boolean moved,
    String reason) {

  /** The {@link AliasEvent} action that records this decision. */
  public String action() {
    return moved ? (forced ? AliasEvent.FORCE : AliasEvent.PROMOTE) : allowed ? AliasEvent.UNCHANGED : AliasEvent.REFUSED;
  }

  /** One readable line, as the CLI prints it. */
  public String summary() {
    return (allowed ? (forced ? "FORCED" : "ALLOWED") : "REFUSED") + ": " + name + "@" + alias + " "
        + (current == null ? "-" : current) + " -> " + candidate + (moved ? "" : " (not moved)") + ": " + reason;
  }
}
