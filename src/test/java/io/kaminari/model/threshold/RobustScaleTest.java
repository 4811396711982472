package io.kaminari.model.threshold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RobustScaleTest {

  @Test
  void medianAndMadOfOddAndEvenSamples() {
    RobustScale odd = RobustScale.of(new double[] {9, 1, 2, 6, 4}); // median 4, deviations 5 3 2 2 0 -> 2
    assertThat(odd.median()).isEqualTo(4);
    assertThat(odd.mad()).isEqualTo(2);
    assertThat(odd.sigma()).isCloseTo(2 * 1.4826, within(1e-12));
    RobustScale even = RobustScale.of(new double[] {1, 2, 3, 4}); // median 2.5, deviations 1.5 .5 .5 1.5 -> 1
    assertThat(even.median()).isEqualTo(2.5);
    assertThat(even.mad()).isEqualTo(1);
  }

  @Test
  void aMinorityOfHugeOutliersBarelyMovesIt_unlikeMeanAndStd() {
    double[] clean = TailSamples.logNormal(300, 0, 1, 3);
    double[] dirty = java.util.Arrays.copyOf(clean, 306);
    for (int i = 300; i < 306; i++) {
      dirty[i] = 1e6;
    }
    RobustScale a = RobustScale.of(LogScores.of(clean, "t"));
    RobustScale b = RobustScale.of(LogScores.of(dirty, "t"));
    assertThat(b.median()).isCloseTo(a.median(), within(0.05));
    assertThat(b.mad()).isCloseTo(a.mad(), within(0.05));
    assertThat(a.sigma()).as("1.4826 MAD estimates the normal sigma").isCloseTo(1.0, within(0.15));
  }

  @Test
  void logScoresFloorZerosAndRefuseBadScores() {
    assertThat(LogScores.of(new double[] {Math.E, 0}, "m")).containsExactly(1.0, Math.log(LogScores.FLOOR));
    assertThatThrownBy(() -> LogScores.of(new double[] {1, -1}, "mad:3.0"))
        .hasMessage("cannot calibrate threshold mad:3.0: score 1 is -1.0 (scores must be finite and >= 0)");
    assertThatThrownBy(() -> LogScores.of(new double[] {Double.NaN}, "m")).hasMessageContaining("NaN");
    assertThatThrownBy(() -> RobustScale.of(new double[0])).hasMessageContaining("no values");
  }
}
