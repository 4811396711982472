package io.kaminari.incidents;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One row of {@code kaminari.incidents}: an incident's windows ({@link IncidentSpan}) with what the flows to its
 * victim over them show: peaks, totals, the attack vector, and who sends it.
 *
 * @param modelVersion the registry version whose scores the incident was computed from
 * @param peakPps the largest sampling-scaled packets per second to the victim in one window of the incident
 * @param peakBps the largest bits per second
 * @param peakFps the largest flow records per second
 * @param packets sampling-scaled packets to the victim over the incident's windows
 * @param topSources the top source addresses with their share, {@code 198.51.100.7 (12%)}
 * @param sources distinct source addresses (HyperLogLog estimate)
 * @param topSourceAsns the top source ASNs with their share; empty when the flows carry no source AS
 * @param topDestinations the victim's top destination addresses with their share
 */
public record Incident(IncidentSpan span, int modelVersion, double peakPps, double peakBps, double peakFps,
    long packets, long bytes, long flows, AttackVector vector, List<String> topSources, long sources,
    List<String> topSourceAsns, List<String> topDestinations) {
  public Incident {
    Objects.requireNonNull(span, "span");
    Objects.requireNonNull(vector, "vector");
    topSources = List.copyOf(topSources);
    topSourceAsns = List.copyOf(topSourceAsns);
    topDestinations = List.copyOf(topDestinations);
  }

  public String id() {
    return span.id();
  }

  public String victim() {
    return span.victim();
  }

  public Instant start() {
    return span.start();
  }
}
