package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizerTest {

  @Test
  void fitsMeanAndPopulationStdOfLog1p() {
    float[][] rows = {{0f, 5f, 1f}, {(float) Math.expm1(2), 5f, 3f}, {(float) Math.expm1(4), 5f, 8f}};
    Normalizer n = Normalizer.fit(List.of(rows), 3);
    // feature 0: log1p values 0, 2, 4 -> mean 2, population std sqrt(8/3)
    assertThat(n.mean()[0]).isCloseTo(2f, within(1e-6f));
    assertThat(n.std()[0]).isCloseTo((float) Math.sqrt(8.0 / 3), within(1e-6f));
    double[] logs = {Math.log1p(1), Math.log1p(3), Math.log1p(8)};
    double mean = (logs[0] + logs[1] + logs[2]) / 3;
    double var = 0;
    for (double l : logs) {
      var += (l - mean) * (l - mean) / 3;
    }
    assertThat(n.mean()[2]).isCloseTo((float) mean, within(1e-6f));
    assertThat(n.std()[2]).isCloseTo((float) Math.sqrt(var), within(1e-6f));
  }

  @Test
  void constantFeatureGetsTheStdFloor() {
    Normalizer n = Normalizer.fit(List.of(new float[] {5f}, new float[] {5f}), 1);
    assertThat(n.std()[0]).isEqualTo(Normalizer.CONSTANT_STD);
    // later traffic on that feature scores as its plain log1p deviation instead of exploding
    assertThat(n.apply(new float[] {(float) Math.expm1(Math.log1p(5) + 3)})[0]).isCloseTo(3f, within(1e-5f));
  }

  @Test
  void applyStandardisesLog1pAndTreatsNegativesAsZero() {
    Normalizer n = new Normalizer(new float[] {1f, 0f}, new float[] {2f, 1f});
    float[] out = n.apply(new float[] {(float) Math.expm1(5), -3f});
    assertThat(out[0]).isCloseTo(2f, within(1e-5f));
    assertThat(out[1]).isEqualTo(0f);
    float[] flat = new float[5];
    n.apply(new float[] {9f, 9f, (float) Math.expm1(5), 0f}, 2, flat, 3);
    assertThat(flat).containsExactly(0f, 0f, 0f, out[0], 0f);
  }

  @Test
  void largeStreamsKeepPrecision() {
    // 200k rows around a large offset: naive sum-of-squares in float would lose the variance entirely.
    float base = (float) Math.expm1(10);
    Iterable<float[]> rows = () -> java.util.stream.IntStream.range(0, 200_000)
        .mapToObj(i -> new float[] {base * (i % 2 == 0 ? 1.01f : 0.99f)}).iterator();
    Normalizer n = Normalizer.fit(rows, 1, 0f);
    assertThat(n.std()[0]).isCloseTo(0.01f, within(1e-4f));
  }

  @Test
  void aSteadyOrMostlyIdleFeatureGetsAtLeastTheFloor() {
    // log1p values 0 (x9) and 0.5 (x1): std 0.15, below the floor; the busy feature (std 1) keeps its own.
    List<float[]> rows = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(new float[] {i == 9 ? (float) Math.expm1(0.5) : 0f, (float) Math.expm1(i % 2 == 0 ? 1 : 3)});
    }
    Normalizer n = Normalizer.fit(rows, 2);
    assertThat(Normalizer.fit(rows, 2, 0f).std()[0]).isCloseTo(0.15f, within(1e-6f));
    assertThat(n.std()[0]).isEqualTo(Normalizer.STD_FLOOR);
    assertThat(n.std()[1]).isCloseTo(1f, within(1e-6f));
    // a burst to log1p 2 on the idle feature is 8 floors away, not 13 of its own std
    assertThat(n.apply(new float[] {(float) Math.expm1(2.05), 0f})[0]).isCloseTo(8f, within(1e-4f));
    assertThatThrownBy(() -> Normalizer.fit(rows, 2, -1f)).hasMessageContaining(">= 0");
  }

  @Test
  void rejectsEmptyInputAndWrongLengths() {
    assertThatThrownBy(() -> Normalizer.fit(List.of(), 2)).hasMessageContaining("zero windows");
    assertThatThrownBy(() -> Normalizer.fit(List.of(new float[3]), 2)).hasMessageContaining("length 3");
    assertThatThrownBy(() -> new Normalizer(new float[2], new float[] {1f, 0f})).hasMessageContaining("> 0");
  }
}
