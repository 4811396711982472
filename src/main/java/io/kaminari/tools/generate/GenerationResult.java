package io.kaminari.tools.generate;

import java.time.Instant;
import java.util.List;

/**
 * What one {@link TrafficGenerator#run} wrote: flow records (benign and attack), purge markers, sink messages (flow
 * messages plus markers), each attack's tally in config order, and the span from the earliest timestamp_start to the
 * latest timestamp_arrival (both null when no flow was written).
 */
public record GenerationResult(
    long flows,
    long markers,
    long messages,
    List<AttackTally> attacks,
    Instant firstStart,
    Instant lastArrival) {

  public GenerationResult {
    attacks = List.copyOf(attacks);
  }

  /** Flow records that belong to an attack. */
  public long attackFlows() {
    return attacks.stream().mapToLong(AttackTally::flows).sum();
  }
}
