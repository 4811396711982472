package io.kaminari.incidents;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the flows to a victim in one window show, as the streaming scorer's incidents carry it (the batch
 * {@link Incident} has the same figures over the whole incident): the attack vector and who sends it.
 *
 * @param windowStart the window the figures are from
 * @param packets sampling-scaled packets to the victim that the figures cover (see {@link VictimProfiles} for which)
 * @param vector {@link VectorExtraction#extract} of those flows
 * @param topSources the top source addresses with their share of {@code packets}, {@code 198.51.100.7 (12%)}
 * @param sources distinct source addresses (exact up to 1,024, then a HyperLogLog estimate)
 * @param topSourceAsns the top source ASNs with their share, {@code AS64500 (40%)}; empty when the flows carry none
 * @param topDestinations the victim's top destination addresses with their share
 */
@JsonPropertyOrder({"window_start", "packets", "vector", "top_sources", "sources", "top_source_asns",
    "top_destinations"})
public record VictimTraffic(
    @JsonProperty("window_start") Instant windowStart,
    @JsonProperty("packets") long packets,
    @JsonProperty("vector") AttackVector vector,
    @JsonProperty("top_sources") List<String> topSources,
    @JsonProperty("sources") long sources,
    @JsonProperty("top_source_asns") List<String> topSourceAsns,
    @JsonProperty("top_destinations") List<String> topDestinations) {

  public VictimTraffic {
    Objects.requireNonNull(windowStart, "windowStart");
    Objects.requireNonNull(vector, "vector");
    topSources = topSources == null ? List.of() : List.copyOf(topSources);
    topSourceAsns = topSourceAsns == null ? List.of() : List.copyOf(topSourceAsns);
    topDestinations = topDestinations == null ? List.of() : List.copyOf(topDestinations);
  }
}
