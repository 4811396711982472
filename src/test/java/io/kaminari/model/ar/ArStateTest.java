package io.kaminari.model.ar;

import static io.kaminari.model.ar.Traffic.DAY;
import static io.kaminari.model.ar.Traffic.DAY0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kaminari.model.ThresholdMethod;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArStateTest {
  private static final long W = 300_000_000L;
  private static Traffic traffic;
  private static ArTrainingSeries train;
  private static ArForecaster f;
  /** A steady (not intermittent) port series. */
  private static final int TRAFFIC_PORT = Traffic.TOTALS;

  @BeforeAll
  static void fit() {
    traffic = new Traffic(300, 10, 0.05, true, 21);
    train = traffic.series(DAY0, 2 * 288);
    f = ArForecaster.fit(train, ArParameters.DEFAULTS).calibrated(new ThresholdMethod.Quantile(0.995), train);
  }

  /** The next quiet day's windows, by start. */
  private static TreeMap<Long, float[]> day(long from) {
    TreeMap<Long, float[]> out = new TreeMap<>();
    for (int t = 0; t < 288; t++) {
      out.put(from + t * W, traffic.next(from + t * W));
    }
    return out;
  }

  /**
   * The quorum: one series rising alone (a benign bulk transfer on one port) scores under quorum 1 and stays quiet
   * under quorum 2; two rising together score the geometric mean of their z under quorum 2.
   */
  @Test
  void underQuorumTwoOneSeriesAloneDoesNotScoreAndTwoTogetherDo() {
    ArForecaster one = ArForecaster.fit(train, new ArParameters(2, true, 1, ArParameters.DEFAULT_SUSTAIN))
        .calibrated(new ThresholdMethod.Quantile(0.995), train);
    assertThat(f.quorum()).isEqualTo(2);
    assertThat(f.threshold()).as("both calibrated on the largest z").isEqualTo(one.threshold());
    assertThat(f.thresholdMethod()).contains("; fires when 2 series are above it");
    long t = DAY0 + 2 * DAY;
    ArState a = ArForecasterTest.warmed(one, train);
    ArState b = ArForecasterTest.warmed(f, train);
    // Every series at its forecast, then one (or two) raised by about three times the threshold in sigmas.
    float[] lone = rise(b.expected(t), TRAFFIC_PORT);
    ArScore loneOne = a.update(t, lone);
    ArScore loneTwo = b.update(t, lone);
    assertThat(loneOne.score()).isGreaterThan(2 * one.threshold()).isEqualTo(loneOne.topZ()[0]);
    assertThat(loneOne.topSeries()[0]).isEqualTo(TRAFFIC_PORT);
    assertThat(loneTwo.topSeries()[0]).as("still named").isEqualTo(TRAFFIC_PORT);
    assertThat(loneTwo.score()).isLessThan(0.1 * f.threshold())
        .isEqualTo(loneTwo.topZ().length < 2 ? 0 : Math.sqrt(loneTwo.topZ()[0] * loneTwo.topZ()[1]));
    t += W;
    float[] flood = rise(b.expected(t), 1, TRAFFIC_PORT); // total flows/s and the port
    ArScore floodOne = a.update(t, flood);
    ArScore floodTwo = b.update(t, flood);
    assertThat(new int[] {floodTwo.topSeries()[0], floodTwo.topSeries()[1]}).containsExactlyInAnyOrder(1, TRAFFIC_PORT);
    assertThat(floodTwo.score()).isGreaterThan(2 * f.threshold())
        .isEqualTo(Math.sqrt(floodTwo.topZ()[0] * floodTwo.topZ()[1]))
        .isLessThanOrEqualTo(floodOne.score());
  }

  /**
   * The breadth witness: a bulk transfer moves volume only (its port's pps and the total pps, both packet rates), and
   * scores the geometric mean of the largest z and the largest breadth z, far below the threshold; with a breadth
   * series among the two (total flows/s) nothing changes; a forecaster of format 3 (no witness rule, read as "any")
   * scores the volume pair as before.
   */
  @Test
  void volumeAloneNeedsABreadthWitnessUnlessTheFileIsOlderThanTheRule() throws Exception {
    assertThat(ArSeries.isBreadth("total pps")).isFalse();
    assertThat(ArSeries.isBreadth("dst_port 3389 pps")).isFalse();
    assertThat(ArSeries.isBreadth("src_port other bytes_per_s")).isFalse();
    assertThat(ArSeries.isBreadth("total flows/s")).isTrue();
    assertThat(ArSeries.isBreadth("distinct sources")).isTrue();
    assertThat(ArSeries.isBreadth("dst_port 80 src_ports")).isTrue();
    assertThat(ArSeries.isBreadth("src_port other dst_ports")).isTrue();
    assertThat(ArSeries.isBreadth("dst_port 53 src_ips")).isTrue();
    assertThat(ArSeries.isBreadth("a")).as("not a spec's name: never silenced").isTrue();

    com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toJson());
    assertThat(tree.get("witness").asText()).isEqualTo("breadth");
    tree.put("format", 3);
    tree.remove("witness");
    ArForecaster old = ArForecaster.fromJson(tree.toString());
    ArState now = ArForecasterTest.warmed(f, train);
    ArState before = ArForecasterTest.warmed(old, train);
    long t = DAY0 + 2 * DAY;
    float[] bulk = rise(now.expected(t), 0, TRAFFIC_PORT); // total pps and the port's pps
    ArScore witnessed = now.update(t, bulk);
    ArScore any = before.update(t, bulk);
    assertThat(new int[] {witnessed.topSeries()[0], witnessed.topSeries()[1]}).as("both still named")
        .containsExactlyInAnyOrder(0, TRAFFIC_PORT);
    assertThat(any.score()).isGreaterThan(2 * f.threshold())
        .isEqualTo(Math.sqrt(any.topZ()[0] * any.topZ()[1]));
    double breadthZ = 0;
    for (int k = 0; k < witnessed.topZ().length; k++) {
      if (ArSeries.isBreadth(f.names().get(witnessed.topSeries()[k]))) breadthZ = witnessed.topZ()[k];
    }
    assertThat(witnessed.score()).isLessThan(f.threshold())
        .isLessThanOrEqualTo(breadthZ == 0 ? Math.sqrt(witnessed.topZ()[0] * witnessed.topZ()[2])
            : Math.sqrt(witnessed.topZ()[0] * breadthZ));
    t += W;
    float[] flood = rise(now.expected(t), 1, TRAFFIC_PORT); // total flows/s and the port: a breadth witness
    ArScore floodNow = now.update(t, flood);
    ArScore floodBefore = before.update(t, flood);
    assertThat(floodNow.score()).isGreaterThan(2 * f.threshold()).isEqualTo(floodBefore.score());
  }

  /** {@code expected} as raw values, with each of {@code series} raised by three thresholds of its own scale. */
  private static float[] rise(double[] expected, int... series) {
    return raised(expected, 3 * f.threshold(), series);
  }

  /** {@code expected} as raw values, with each of {@code series} raised by {@code sigmas} of its own scale. */
  private static float[] raised(double[] expected, double sigmas, int... series) {
    float[] v = new float[expected.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) expected[i];
    }
    for (int i : series) {
      v[i] = (float) Math.expm1(Math.log1p(expected[i]) + sigmas * f.scale(i));
    }
    return v;
  }

  /**
   * The sustained score: two series held 3σ above their forecasts, which no single window's threshold flags, sum to an
   * alarm within the sustain windows; each window's sustained z is the sum of the series' clipped z over the last W
   * windows / √W, and the score names the series as sustained. When the rise ends the sustained score stops at once
   * (the gate), and a lone flood far above the clip does not echo into the windows after it.
   */
  @Test
  void aSmallRiseHeldOverManyWindowsFiresBySustainAndStopsWhenItEnds() {
    int w = f.sustain();
    assertThat(w).isEqualTo(ArParameters.DEFAULT_SUSTAIN);
    assertThat(f.sustainedThreshold()).isGreaterThanOrEqualTo(ArForecaster.MIN_SUSTAINED_THRESHOLD);
    assertThat(f.threshold()).as("3σ is below a single window's threshold").isGreaterThan(3.0);
    ArState state = ArForecasterTest.warmed(f, train);
    long t = DAY0 + 2 * DAY;
    for (int k = 0; k < w; k++, t += W) {
      state.update(t, raised(state.expected(t), 0, 0)); // every series at its forecast: nothing to sum yet
    }
    int[] pair = {1, TRAFFIC_PORT};
    double[][] clipped = new double[2][w];
    Integer firstFired = null;
    for (int k = 0; k < 2 * w; k++, t += W) {
      ArScore s = state.update(t, raised(state.expected(t), 3.0, pair));
      double[] sustained = new double[2];
      for (int j = 0; j < 2; j++) {
        assertThat(state.z(pair[j])).isBetween(2.0, 3.0 + 1e-6);
        clipped[j][k % w] = Math.min(ArState.SUSTAIN_CLIP, state.z(pair[j]));
        sustained[j] = Arrays.stream(clipped[j]).sum() / Math.sqrt(w);
      }
      assertThat(s.instant()).isLessThan(f.threshold());
      assertThat(s.sustained()).isCloseTo(Math.sqrt(sustained[0] * sustained[1]), within(1e-5));
      assertThat(s.sustainedSeries()).containsExactlyInAnyOrder(pair[0], pair[1]);
      assertThat(s.score()).isCloseTo(Math.max(s.instant(), s.sustained() * f.threshold() / f.sustainedThreshold()),
          within(1e-9));
      if (s.score() > f.threshold() && firstFired == null) {
        firstFired = k;
        assertThat(s.bySustained()).isTrue();
        assertThat(s.explain(f.names()).get(0)).matches(".* sustained \\+[0-9.]+σ");
      }
    }
    assertThat(firstFired).as("fired within the sustain windows").isNotNull().isLessThan(w);
    ArScore ended = state.update(t, raised(state.expected(t), 0, 0));
    assertThat(ended.sustained()).as("gated off at once").isZero();
    assertThat(ended.score()).isLessThan(f.threshold());
    t += W;
    state.update(t, raised(state.expected(t), 50.0, pair)); // a lone flood
    for (int k = 1; k <= w; k++) {
      t += W;
      ArScore after = state.update(t, raised(state.expected(t), 1.5, pair));
      assertThat(after.sustained()).as("below the gate, window " + k + " after the flood").isZero();
      assertThat(after.score()).isLessThan(f.threshold());
    }
  }

  @Test
  void aQuorumAboveTheSeriesCountIsRefused() {
    ArTrainingSeries two = new ArTrainingSeries(300, List.of("total pps", "total flows/s"));
    for (int t = 0; t < train.size(); t++) {
      two.add(train.start(t), new float[] {train.values(t)[0], train.values(t)[1]});
    }
    assertThat(ArForecaster.fit(two, new ArParameters(2, true, 2)).quorum()).isEqualTo(2);
    assertThatThrownBy(() -> ArForecaster.fit(two, new ArParameters(2, true, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("quorum 3 needs at least as many series, got 2");
    assertThatThrownBy(() -> new ArParameters(2, true, 0)).hasMessageContaining("AR quorum must be 1 to 3");
  }

  @Test
  void gapsAreImputedUpToAnHourThenResetAndScoresStayFinite() {
    assertThat(f.maxImputedWindows()).isEqualTo(12);
    assertThat(f.memoryWindows()).as("order + imputed + sustain - 1").isEqualTo(2 + 12 + 9);
    ArState state = ArForecasterTest.warmed(f, train);
    TreeMap<Long, float[]> day = day(DAY0 + 2 * DAY);
    long t = day.firstKey();
    assertThat(state.update(t, day.get(t)).horizon()).as("steady").isEqualTo(1);
    // Gaps of 1, 5, 12 (the most imputed) and 13 missing windows, then one of a day.
    int[] gaps = {1, 5, 12, 13};
    int[] horizons = {2, 6, 13, 0};
    for (int g = 0; g < gaps.length; g++) {
      t += (gaps[g] + 1) * W;
      ArScore s = state.update(t, day.get(t));
      assertThat(s.horizon()).as("after a gap of " + gaps[g]).isEqualTo(horizons[g]);
      assertThat(s.score()).isFinite().isLessThan(f.threshold());
      t += W;
      assertThat(state.update(t, day.get(t)).horizon()).as("the window after").isEqualTo(1);
    }
    TreeMap<Long, float[]> later = day(DAY0 + 4 * DAY);
    ArScore afterADay = state.update(later.firstKey(), later.firstEntry().getValue());
    assertThat(afterADay.horizon()).isZero();
    assertThat(afterADay.score()).isFinite().isLessThan(f.threshold());
  }

  @Test
  void aMissingWindowIsImputedWithItsForecast() {
    // State a skips six windows; state b is given, for each of them, exactly its own forecast. Both must then forecast
    // the next window alike (up to the float rounding of the values b was given).
    ArState a = ArForecasterTest.warmed(f, train);
    ArState b = ArForecasterTest.warmed(f, train);
    long t = DAY0 + 2 * DAY;
    float[] first = traffic.next(t);
    first[0] *= 3; // something for the forecasts to decay from
    a.update(t, first);
    b.update(t, first);
    for (int g = 1; g <= 6; g++) {
      double[] expected = b.expected(t + g * W);
      float[] v = new float[expected.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) expected[i];
      }
      ArScore s = b.update(t + g * W, v);
      assertThat(s.score()).as("a window equal to its forecast").isLessThan(1e-4);
    }
    long next = t + 7 * W;
    double[] ea = a.expected(next);
    double[] eb = b.expected(next);
    for (int i = 0; i < ea.length; i++) {
      assertThat(ea[i]).as(f.names().get(i)).isCloseTo(eb[i], within(1e-5 * (1 + eb[i])));
    }
    // The forecast of total pps decays from the spike towards the profile.
    assertThat(Math.log1p(ea[0]) - f.profile(0, next)).isBetween(0.0, Math.log(3) * 0.5);
  }

  @Test
  void theForecastErrorGrowsWithTheHorizon() {
    // The same deviation from the forecast (+0.5 of log1p on total pps) scores less the longer the gap before it.
    double[] growth = ArFit.errorGrowth(f.coefficients(0), f.maxImputedWindows() + 1);
    long t = DAY0 + 2 * DAY;
    int[] gaps = {0, 1, 4, 30};
    int[] index = {1, 2, 5, 0};
    for (int g = 0; g < gaps.length; g++) {
      ArState state = ArForecasterTest.warmed(f, train);
      long at = t + gaps[g] * W;
      double[] expected = state.expected(at);
      float[] v = new float[expected.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) expected[i];
      }
      v[0] = (float) Math.expm1(Math.log1p(expected[0]) + 0.5);
      state.update(at, v);
      assertThat(state.z(0)).as("gap " + gaps[g]).isCloseTo(0.5 / (f.scale(0) * growth[index[g]]), within(1e-4));
    }
    assertThat(growth[5]).isGreaterThan(growth[2]).isGreaterThan(growth[1]);
  }

  @Test
  void aPresentWindowWithoutTrafficIsNotAMissingOne() {
    ArState state = ArForecasterTest.warmed(f, train);
    long t = DAY0 + 2 * DAY + 20 * 3_600_000_000L; // 20:00, busy
    ArScore silent = state.update(t, new float[f.names().size()]);
    assertThat(silent.horizon()).as("a day after training").isEqualTo(0);
    ArScore nextSilent = state.update(t + W, new float[f.names().size()]);
    assertThat(nextSilent.horizon()).isEqualTo(1);
    assertThat(nextSilent.score()).as("a link going silent is a drop, not an attack").isZero();
    assertThat(nextSilent.dropSeries()).isNotNegative();
    assertThat(nextSilent.dropZ()).isLessThan(-10);
  }

  @Test
  void batchFromTheMemoryBeforeARangeScoresExactlyAsTheStream() {
    // Two days with missing windows of every pattern (single, runs up to and beyond the imputation limit, alternating)
    // and outliers, scored by one state as a stream would; then each range scored as ScoreJob would: a fresh state fed
    // the present windows of the memory slots before the range, scores discarded, then the range.
    SplittableRandom random = new SplittableRandom(5);
    TreeMap<Long, float[]> windows = new TreeMap<>();
    long from = DAY0 + 2 * DAY;
    for (int t = 0; t < 2 * 288; t++) {
      long start = from + t * W;
      float[] v = traffic.next(start);
      if (random.nextDouble() < 0.05) v[random.nextInt(v.length)] *= 20; // outliers, which the memory keeps as missing
      if (t >= 450 && t < 470) v[0] *= 10; // an attack longer than the imputation limit
      boolean alternating = t >= 100 && t < 130 && t % 2 == 0;
      boolean run = (t >= 200 && t < 205) || (t >= 300 && t < 312) || (t >= 400 && t < 420);
      if (!alternating && !run && random.nextDouble() > 0.05) windows.put(start, v);
    }
    ArState stream = f.newState();
    TreeMap<Long, ArScore> streamed = new TreeMap<>();
    windows.forEach((start, v) -> streamed.put(start, stream.update(start, v)));

    long memory = f.memoryWindows() * W;
    for (int r : new int[] {20, 131, 132, 205, 312, 320, 420, 421, 455, 465, 470, 500}) {
      long rangeStart = from + r * W;
      long rangeEnd = rangeStart + 40 * W;
      ArState batch = f.newState();
      windows.subMap(rangeStart - memory, rangeStart).forEach(batch::update);
      List<ArScore> got = new ArrayList<>();
      windows.subMap(rangeStart, rangeEnd).forEach((start, v) -> got.add(batch.update(start, v)));
      assertThat(got).as("range from window " + r)
          .containsExactlyElementsOf(streamed.subMap(rangeStart, rangeEnd).values());
    }
  }

  @Test
  void windowsOutOfOrderMisalignedOrOfAnotherLengthAreRefused() {
    ArState state = f.newState();
    long t = DAY0 + 2 * DAY;
    state.update(t, traffic.next(t));
    assertThatThrownBy(() -> state.update(t, traffic.next(t))).hasMessageContaining("increasing time order");
    assertThatThrownBy(() -> state.update(t - W, traffic.next(t))).hasMessageContaining("increasing time order");
    assertThatThrownBy(() -> state.update(t + W + 1, traffic.next(t))).hasMessageContaining("not aligned");
    assertThatThrownBy(() -> state.update(t + W, new float[3])).hasMessageContaining("expects 13");
    assertThatThrownBy(() -> state.expected(t)).hasMessageContaining("already at");
    assertThat(state.lastWindowStartMicros()).isEqualTo(t);
    ArTrainingSeries s = new ArTrainingSeries(300, List.of("a"));
    s.add(t, new float[] {1});
    assertThatThrownBy(() -> s.add(t, new float[] {1})).hasMessageContaining("increasing time order");
    assertThatThrownBy(() -> s.add(t + 1, new float[] {1})).hasMessageContaining("not aligned");
    assertThatThrownBy(() -> s.add(t + W, new float[] {1, 2})).hasMessageContaining("expected 1");
    assertThatThrownBy(() -> new ArTrainingSeries(300, List.of("a", "a"))).hasMessageContaining("twice");
  }

  @Test
  void negativeNaNAndInfiniteValuesScoreFinitely() {
    ArState state = ArForecasterTest.warmed(f, train);
    float[] v = traffic.next(DAY0 + 2 * DAY);
    v[0] = Float.NaN;
    v[1] = -5;
    v[2] = Float.POSITIVE_INFINITY;
    ArScore s = state.update(DAY0 + 2 * DAY, v);
    assertThat(s.score()).isFinite();
    assertThat(s.topSeries()[0]).isEqualTo(2);
    ArState zeros = ArForecasterTest.warmed(f, train);
    v[0] = 0;
    v[1] = 0;
    zeros.update(DAY0 + 2 * DAY, v);
    assertThat(state.z(0)).as("NaN counts as 0").isEqualTo(zeros.z(0));
    assertThat(state.z(1)).as("a negative value counts as 0").isEqualTo(zeros.z(1));
  }
}
