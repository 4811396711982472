package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * One entry of an alias's append-only history: a move ({@code moved}) or a refused promotion, with who, when, from
 * which version to which and why (including the numbers the promotion gate compared).
 *
 * <p>{@code from} is null when the alias did not exist before. Actions: {@link #PUBLISH}, {@link #PROMOTE},
 * {@link #FORCE}, {@link #ROLLBACK}, {@link #REFUSED}, {@link #UNCHANGED}.
 *
 * <p>{@code seq} is the entry's number in the alias's history. Entry {@code seq} was decided against the alias exactly as
 * entry {@code seq - 1} left it (the registry commits a decision by claiming the name of the next entry, see
 * docs/models.md), so {@code from} is the alias's target before this entry and {@link #target()} after it. It is null
 * on entries written before the registry committed by compare-and-set; those recorded what their writer saw.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"seq", "time", "alias", "action", "from", "to", "moved", "reason", "actor"})
public record AliasEvent(
    @JsonProperty("seq") Long seq,
    @JsonProperty("time") Instant time,
    @JsonProperty("alias") String alias,
    @JsonProperty("action") String action,
    @JsonProperty("from") Integer from,
    @JsonProperty("to") int to,
    @JsonProperty("moved") boolean moved,
    @JsonProperty("reason") String reason,
    @JsonProperty("actor") String actor) {

  /** {@code latest} moved to a newly published version. */
  public static final String PUBLISH = "publish";
  /** Moved because the promotion gate allowed it. */
  public static final String PROMOTE = "promote";
  /** Moved although the gate refused, because the operator forced it. */
  public static final String FORCE = "force-promote";
  /** Moved back to the version before the last (non-rollback) move. */
  public static final String ROLLBACK = "rollback";
  /** Not moved: the gate refused, or the candidate failed verification. */
  public static final String REFUSED = "refused";
  /** Not moved: the alias already pointed at the candidate. */
  public static final String UNCHANGED = "unchanged";

  /** The version the alias points at after this entry: {@code to} if it moved, else {@code from} (null: no alias). */
  public Integer target() {
    return moved ? Integer.valueOf(to) : from;
  }

  /** One readable line, as {@code kaminari models show} prints it. */
  public String summary() {
    return time + " " + alias + " " + action + " " + (from == null ? "-" : from) + " -> " + to
        + (moved ? "" : " (not moved)") + " by " + actor + ": " + reason;
  }
}
