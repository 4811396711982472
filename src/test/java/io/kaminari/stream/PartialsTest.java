package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.features.DistinctCounter;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Flows;
import io.kaminari.features.PortFeature;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.VictimProfiles;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.TrafficGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The scale-out scorer's records between its stages, and the partials' merge against one accumulator of all flows. */
class PartialsTest {
  static final Instant START = Instant.parse("2024-05-03T12:00:00Z");
  /** The parity tests' global spec with distinct-source features, so the sketch is exercised. */
  static final FeatureSpec SPEC = new FeatureSpec("partials", "", 60, Scope.GLOBAL, 24, 64, List.of(80, 443, 53),
      List.of(80, 443, 53), List.of(PortFeature.PPS, PortFeature.OPPOSITE_PORTS, PortFeature.DISTINCT_SRC_IPS), true);

  @Test
  void recordsRoundTripAndAnotherFormatIsRefusedLoudly() {
    WindowAccumulator acc = new WindowAccumulator(SPEC);
    acc.add(40000, 80, 6, 3, 180, 0, "198.51.100.1", "203.0.113.10");
    Partials.Partial p = Partials.partial(Partials.partial(new Partials.Partial(2, 60_000_000L, "global", acc, null)));
    assertThat(p.source()).isEqualTo(2);
    assertThat(p.windowStart()).isEqualTo(60_000_000L);
    assertThat(p.scopeKey()).isEqualTo("global");
    assertThat(p.acc().toVector()).containsExactly(acc.toVector());
    assertThat(p.acc().flowCount()).isEqualTo(1);
    assertThat(p.victims()).isNull();
    VictimProfiles victims = new VictimProfiles();
    victims.follow(prefix -> true); // the owner's predicate stays behind: the copy profiles no new prefix by it
    Flow flood = Flows.flow(0L, "198.51.100.1", "203.0.113.10", 40000, 80, 6, 3, 180, null);
    victims.add(flood, "203.0.113.0/24");
    Partials.Partial withVictims = Partials.partial(Partials.partial(new Partials.Partial(2, 60_000_000L, "global", acc,
        victims)));
    assertThat(withVictims.victims().traffic("203.0.113.0/24", Instant.EPOCH))
        .isEqualTo(victims.traffic("203.0.113.0/24", Instant.EPOCH));

    Partials.Watermark w = Partials.watermark(Partials.watermark(new Partials.Watermark(1, Long.MIN_VALUE, true)));
    assertThat(w).isEqualTo(new Partials.Watermark(1, Long.MIN_VALUE, true));

    DeadLetter d = DeadLetter.of("no ip_dst", "flows", 0, 7, 1, "{\"ip_src\":\"192.0.2.1\"}");
    byte[] dead = Partials.deadLetter(d);
    assertThat(Partials.kind(dead)).isEqualTo(Partials.DEAD_LETTER);
    assertThat(DeadLetter.fromJson(Partials.deadLetterJson(dead))).isEqualTo(d);

    assertThatThrownBy(() -> Partials.kind("{}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("not a scale-out record of format 4");
    byte[] older = dead.clone();
    older[0] = 3;
    assertThatThrownBy(() -> Partials.kind(older)).as("a record of the build before the victim profiles")
        .hasMessageContaining("a scorer of another build wrote it");
    assertThatThrownBy(() -> Partials.kind(new byte[0])).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Sketch accuracy on the parity traffic with a SYN flood from the 66,610-source spoof pool: flows split over three
   * sources (as three input partitions), each partial through its wire format, merged in the aggregator's way, give
   * the vector of one accumulator of all flows, to the bit (the counts do not depend on the order of adds and
   * merges); every distinct-source count is exact up to the cap and within the documented bound above it.
   */
  @Test
  void mergedPartialsGiveTheSingleAccumulatorsVectorAndTheSketchStaysInItsBound() {
    GeneratorConfig traffic = GeneratorConfig.of(31, START, Duration.ofMinutes(10), 20_000).withBenignHosts(500)
        .withAttacks(AttackSpec.synFlood(START.plus(Duration.ofMinutes(4)), Duration.ofMinutes(3), "203.0.113.10",
            200));
    Map<Long, WindowAccumulator> whole = new TreeMap<>();
    Map<Long, WindowAccumulator[]> parts = new TreeMap<>();
    Map<Long, Map<Integer, Set<String>>> exact = new HashMap<>();
    int i = 0;
    for (Flow f : TrafficGenerator.parsedFlows(traffic)) {
      long w = Featurizer.windowStartMicros(f.eventTimeMicros(), SPEC);
      whole.computeIfAbsent(w, x -> new WindowAccumulator(SPEC)).add(f);
      WindowAccumulator[] p = parts.computeIfAbsent(w, x -> new WindowAccumulator[] {
          new WindowAccumulator(SPEC), new WindowAccumulator(SPEC), new WindowAccumulator(SPEC)});
      p[i++ % 3].add(f);
      if (f.portDst() == 80) exact.computeIfAbsent(w, x -> new HashMap<>()).computeIfAbsent(80, x -> new HashSet<>())
          .add(f.ipSrc());
    }
    int dstPort80Sources = SPEC.featureNames().indexOf("dst_port 80 src_ips");
    assertThat(dstPort80Sources).isNotNegative();
    int sketched = 0;
    for (Map.Entry<Long, WindowAccumulator> e : whole.entrySet()) {
      WindowAccumulator merged = null;
      for (WindowAccumulator p : parts.get(e.getKey())) {
        WindowAccumulator wire = Partials.partial(Partials.partial(new Partials.Partial(0, e.getKey(), "global", p,
            null))).acc();
        if (merged == null) merged = wire; else merged.merge(wire);
      }
      float[] vector = merged.toVector();
      assertThat(vector).containsExactly(e.getValue().toVector());
      int truth = exact.getOrDefault(e.getKey(), Map.of()).getOrDefault(80, Set.of()).size();
      double estimate = vector[dstPort80Sources];
      if (truth <= DistinctCounter.EXACT_CAP) {
        assertThat(estimate).as("window %d", e.getKey()).isEqualTo(truth);
      } else {
        sketched++;
        assertThat(Math.abs(estimate - truth) / truth).as("window %d: %s for %d", e.getKey(), estimate, truth)
            .isLessThanOrEqualTo(4 * DistinctCounter.RELATIVE_STANDARD_ERROR);
      }
    }
    assertThat(sketched).as("windows past the exact cap").isGreaterThanOrEqualTo(2);
  }
}
