package io.kaminari.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEachUnitAndPrintsTheLargestWholeOne() {
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse(" 5m ")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("24h")).isEqualTo(Duration.ofHours(24));
    assertThat(Durations.parse("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(Durations.text(Duration.ofSeconds(3_600))).isEqualTo("1h");
    assertThat(Durations.text(Duration.ofSeconds(90))).isEqualTo("90s");
  }

  @Test
  void refusesZeroNegativeAndUnitlessValuesNamingTheForms() {
    for (String bad : new String[] {"0s", "0", "-5m", "5", "5 min", "", null}) {
      assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("like 90s, 5m, 24h or 2d");
    }
  }

  @Test
  void zeroIsAcceptedWhereItTurnsSomethingOffButNothingElseIs() {
    assertThat(Durations.parseOrZero("0")).isZero();
    assertThat(Durations.parseOrZero("0s")).isZero();
    assertThat(Durations.parseOrZero("0m")).isZero();
    assertThat(Durations.parseOrZero("5m")).isEqualTo(Duration.ofMinutes(5));
    for (String bad : new String[] {"-1s", "00x", "off", null}) {
      assertThatThrownBy(() -> Durations.parseOrZero(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
