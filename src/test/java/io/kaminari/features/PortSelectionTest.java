package io.kaminari.features;

import io.kaminari.common.time.Hour;
import io.kaminari.features.spark.FeaturesConfig;
import io.kaminari.features.spark.SelectPortsConfig;
import static io.kaminari.features.Flows.ICMP;
import static io.kaminari.features.Flows.TCP;
import static io.kaminari.features.Flows.UDP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PortSelectionTest {

  @Test
  void topByPacketsThenLowerPort() {
    long[] packets = new long[65536];
    packets[443] = 50;
    packets[80] = 100;
    packets[8080] = 50;
    packets[22] = 50;
    packets[65535] = 75;
    packets[0] = 1;
    assertThat(PortSelection.top(packets, 4)).containsExactly(80, 65535, 22, 443);
    assertThat(PortSelection.top(packets, 10)).containsExactly(80, 65535, 22, 443, 8080, 0);
    assertThat(PortSelection.top(packets, 0)).isEmpty();
    assertThat(PortSelection.top(new long[65536], 15)).isEmpty();
    assertThatThrownBy(() -> PortSelection.top(packets, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tallyUsesTheVectorsEdgeRules() {
    PortSelection.Tally t = new PortSelection.Tally();
    t.add(50000, 443, TCP, 10, 0);     // unsampled
    t.add(50001, 443, TCP, 10, 100);   // 1-in-100: 1000 packets
    t.add(53, 53, UDP, 500, 1);
    t.add(0, 771, ICMP, 2000, 0);      // no ports: both ends count as 0, not 771
    assertThat(t.topDst(3)).containsExactly(0, 443, 53);
    assertThat(t.topSrc(2)).containsExactly(0, 50001);
    assertThat(t.flows()).isEqualTo(4);
    assertThatThrownBy(() -> t.add(65536, 1, TCP, 1, 0)).isInstanceOf(IllegalArgumentException.class);

    PortSelection.Tally other = new PortSelection.Tally();
    other.add(50000, 22, TCP, 5000, 0);
    t.merge(other);
    assertThat(t.topSrc(1)).containsExactly(50000);
    assertThat(t.topDst(1)).containsExactly(22);
    assertThat(t.flows()).isEqualTo(5);
  }

  @Test
  void tallySaturatesInsteadOfWrapping() {
    PortSelection.Tally t = new PortSelection.Tally();
    t.add(50000, 443, TCP, 1L << 62, 1000); // wraps to 0 in 64 bits
    t.add(50001, 22, TCP, 10, 0);
    assertThat(t.topDst(1)).containsExactly(443);
    assertThat(t.topSrc(1)).containsExactly(50000);
    PortSelection.Tally other = new PortSelection.Tally();
    other.add(50000, 443, TCP, 10, 1); // MAX + 10 wraps negative in 64 bits
    t.merge(other);
    assertThat(t.topDst(1)).containsExactly(443);
    assertThat(t.topSrc(1)).containsExactly(50000);
  }

  @Test
  void specHasTheSelectedPortsAndDefaults() {
    PortSelection.Tally t = new PortSelection.Tally();
    t.add(1234, 80, TCP, 10, 0);
    t.add(4321, 443, TCP, 20, 0);
    FeatureSpec spec = PortSelection.spec(t, 15, 1, Scope.DST_PREFIX, 600, "sel", "d");
    assertThat(spec.srcPorts()).containsExactly(4321, 1234);
    assertThat(spec.dstPorts()).containsExactly(443);
    assertThat(spec.scope()).isEqualTo(Scope.DST_PREFIX);
    assertThat(spec.windowSeconds()).isEqualTo(600);
    assertThat(spec.features()).isEqualTo(FeatureSpec.DEFAULT_FEATURES);
    assertThat(spec.otherBuckets()).isTrue();
    assertThat(spec.dimension()).isEqualTo((2 + 1 + 1 + 1) * 2);
    assertThat(FeatureSpec.fromJson(spec.toJson())).isEqualTo(spec);
  }

  @Test
  void configValidatesBeforeAnythingRuns() {
    java.time.Instant a = java.time.Instant.parse("2024-05-01T00:00:00Z");
    assertThatThrownBy(() -> new SelectPortsConfig(a, a, 15, 15, Scope.GLOBAL, 300, null, null, "s", "kaminari"))
        .hasMessageContaining("--from must be before --to");
    assertThatThrownBy(() -> new SelectPortsConfig(a, a.plusSeconds(60), -1, 15, Scope.GLOBAL, 300, null, null, "s",
        "kaminari")).hasMessageContaining("--src");
    assertThatThrownBy(() -> new SelectPortsConfig(a, a.plusSeconds(60), 15, 15, Scope.GLOBAL, 7, null, null, "s",
        "kaminari")).hasMessageContaining("window_seconds");
    assertThat(new SelectPortsConfig(a, a.plusSeconds(60), 1, 1, Scope.GLOBAL, 300, null, null, "s", "kaminari").name())
        .startsWith("selected-");
    assertThat(List.of(Hour.parseTime("2024-05-01T10"), Hour.parseTime("2024-05-01T10:05")))
        .containsExactly(java.time.Instant.parse("2024-05-01T10:00:00Z"), java.time.Instant.parse("2024-05-01T10:05:00Z"));
    assertThatThrownBy(() -> Hour.parseTime("yesterday")).hasMessageContaining("'yesterday'");
    FeatureSpec seed = FeatureSpec.seed(Scope.GLOBAL);
    assertThatThrownBy(() -> FeaturesConfig.hoursOf(seed, a.plusSeconds(60), a.plusSeconds(600)))
        .hasMessageContaining("aligned");
  }
}
