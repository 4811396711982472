package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrimmingTest {

  @Test
  void marksTheRoundedShareOfHighestScoresTiesInTimeOrder() {
    double[] scores = {1, 5, 3, 5, 2, 9, 5, 0, 4, 1};
    assertThat(Trimming.top(scores, 0.1)).containsExactly(false, false, false, false, false, true, false, false, false,
        false);
    // 0.3 · 10 = 3: 9, then the first two of the three 5s
    assertThat(Trimming.top(scores, 0.3)).containsExactly(false, true, false, true, false, true, false, false, false,
        false);
    assertThat(Trimming.top(scores, 0.04)).containsOnly(false); // round(0.4) = 0
  }

  @Test
  void keptAndTrimmedViewsSplitTheSourceInOrder() {
    float[][] rows = new float[6][1];
    for (int i = 0; i < rows.length; i++) {
      rows[i][0] = i;
    }
    VectorSource train = InMemoryVectorSource.evenlySpaced(java.util.Arrays.copyOf(rows, 4), 60_000_000L);
    VectorSource validation = new InMemoryVectorSource(new long[] {240_000_000L, 300_000_000L},
        java.util.Arrays.copyOfRange(rows, 4, 6));
    Trimming t = Trimming.select(0.25, train, new double[] {1, 8, 2, 3}, validation, new double[] {4, 7});
    assertThat(t.trimmedTrain()).isEqualTo(1); // round(0.25 · 4)
    assertThat(t.trimmedValidation()).isEqualTo(1); // round(0.25 · 2) = round(0.5) = 1: at most half, never all
    assertThat(t.trimmed()).isEqualTo(2);
    assertThat(values(t.keptTrain(train))).containsExactly(0f, 2f, 3f);
    assertThat(values(t.trimmedTrain(train))).containsExactly(1f);
    assertThat(values(t.keptValidation(validation))).containsExactly(4f);
    assertThat(values(t.trimmedValidation(validation))).containsExactly(5f);
    assertThat(t.keptTrain(train).windowStartMicros(1)).isEqualTo(120_000_000L);
    assertThat(t.trimmedStarts()).containsExactly("1970-01-01T00:01:00Z", "1970-01-01T00:05:00Z");
    assertThat(Trimming.NONE.keptTrain(train)).isSameAs(train);
    assertThat(Trimming.NONE.trimmedTrain(train)).isNull();
  }

  private static float[] values(VectorSource source) {
    float[] out = new float[(int) source.size()];
    float[] row = new float[1];
    for (int i = 0; i < out.length; i++) {
      source.read(i, row, 0);
      out[i] = row[0];
    }
    return out;
  }
}
