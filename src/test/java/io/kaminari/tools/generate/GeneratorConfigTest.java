package io.kaminari.tools.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratorConfigTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final GeneratorConfig BASE = GeneratorConfig.of(1, T0, Duration.ofHours(1), 1000);

  @Test
  void rejectsBadPeriodsAndCountsWithMessagesNamingTheField() {
    assertThatThrownBy(() -> GeneratorConfig.of(1, T0.plusMillis(5), Duration.ofHours(1), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("start must be a whole second");
    assertThatThrownBy(() -> GeneratorConfig.of(1, T0, Duration.ZERO, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration must be whole seconds, positive");
    assertThatThrownBy(() -> GeneratorConfig.of(1, T0, Duration.ofDays(400), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most");
    assertThatThrownBy(() -> GeneratorConfig.of(1, T0, Duration.ofHours(1), -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("benignFlows must not be negative");
    assertThatThrownBy(() -> BASE.withBenignHosts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("benignHosts must be 1..");
    assertThatThrownBy(() -> BASE.withMultiValues(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiValues");
    assertThatThrownBy(() -> GeneratorConfig.of(1, null, Duration.ofHours(1), 1))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("start must not be null");
  }

  @Test
  void rejectsAttacksOutsideThePeriod() {
    AttackSpec late = AttackSpec.synFlood(T0.plusSeconds(3590), Duration.ofSeconds(20), "100.64.0.1", 10);
    assertThatThrownBy(() -> BASE.withAttacks(late))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SYN_FLOOD on 100.64.0.1 runs")
        .hasMessageContaining("outside the generated period");
  }

  @Test
  void rejectsMalformedAttacks() {
    Duration d = Duration.ofSeconds(10);
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, d, "example.com", 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("attack victim must be an IPv4 address");
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, d, "10.0.0.256", 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got '10.0.0.256'");
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, d, "10.0.0.01", 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IPv4");
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, d, "100.64.0.1", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flowsPerSecond must be positive");
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, Duration.ofNanos(1500), "100.64.0.1", 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole milliseconds");
    assertThatThrownBy(() -> AttackSpec.udpReflection(T0, d, "100.64.0.1", 80, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reflector service port")
        .hasMessageContaining("got 80");
    assertThatThrownBy(() -> AttackSpec.portScan(T0, d, "100.64.0.1", 10).withSources(5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PORT_SCAN has one source");
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, d, "100.64.0.1", 10).withSources(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sources must be at least 1");
    assertThatThrownBy(() -> AttackSpec.synFlood(T0, d, "100.64.0.1", 10).withPort(70_000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SYN_FLOOD port");
  }

  @Test
  void defaultsComeFromTheFingerprintsAndCopiesAreImmutable() {
    AttackSpec dns = AttackSpec.udpReflection(T0, Duration.ofSeconds(10), "100.64.0.1", 53, 12.5);
    assertThat(dns.sources()).isEqualTo(30_551);
    assertThat(dns.totalFlows()).isEqualTo(125);
    assertThat(AttackSpec.udpReflection(T0, Duration.ofSeconds(10), "100.64.0.1", 123, 1).sources()).isEqualTo(1_288);
    assertThat(AttackSpec.synFlood(T0, Duration.ofSeconds(10), "100.64.0.1", 1).sources()).isEqualTo(66_610);

    GeneratorConfig config = BASE.withAttacks(new ArrayList<>(List.of(dns)));
    assertThatThrownBy(() -> config.attacks().add(dns)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(config.withMarkers(true).withMultiValues(10).withBenignHosts(5))
        .extracting(GeneratorConfig::markers, GeneratorConfig::multiValues, GeneratorConfig::benignHosts)
        .containsExactly(true, 10, 5);
  }
}
