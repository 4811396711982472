package io.kaminari.model.ar;

import static io.kaminari.model.ar.Traffic.DAY;
import static io.kaminari.model.ar.Traffic.DAY0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kaminari.model.ThresholdMethod;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArForecasterTest {
  /**
   * The defaults scored by the largest z (quorum 1): these tests watch one series at a time, the forecaster's
   * mechanics; the quorum has its own tests in {@link ArStateTest}.
   */
  private static final ArParameters LARGEST_Z = new ArParameters(ArParameters.DEFAULTS.order(),
      ArParameters.DEFAULTS.seasonal(), 1);
  private static final ThresholdMethod Q995 = new ThresholdMethod.Quantile(0.995);
  private static final int PER_DAY = 288;
  private static final long HOUR = 3_600_000_000L;

  /** Three days of 5-minute windows of 20 ports, fitted and calibrated, plus the state that has seen them. */
  private record Fitted(Traffic traffic, ArTrainingSeries train, ArForecaster forecaster, ArState state) {
    long next() {
      return train.start(train.size() - 1) + traffic.windowMicros();
    }
  }

  private static Fitted fitted(int ports, long seed) {
    Traffic traffic = new Traffic(300, ports, 0.05, true, seed);
    ArTrainingSeries train = traffic.series(DAY0, 3 * PER_DAY);
    ArForecaster f = ArForecaster.fit(train, LARGEST_Z).calibrated(Q995, train);
    ArState state = f.newState();
    for (int t = 0; t < train.size(); t++) {
      state.update(train.start(t), train.values(t));
    }
    return new Fitted(traffic, train, f, state);
  }

  /**
   * The rate rules: above 1.2 times the training range's busiest destination, or busiest (source, destination) pair
   * (flow records per second), a window's AR score is raised to the rate's ratio times the AR threshold, so the verdict
   * fires and names the rule with the larger ratio; at or below, and for a window without the count, the score is the
   * forecaster's own. Both survive the file.
   */
  @Test
  void theRateRulesRaiseTheScoreOnlyAboveTheirThresholdsAndSurviveTheFile(@TempDir Path dir) {
    Fitted fit = fitted(4, 11);
    ArTrainingSeries counted = new ArTrainingSeries(300, fit.train().names());
    for (int t = 0; t < fit.train().size(); t++) {
      counted.add(fit.train().start(t), fit.train().values(t), t == 100 ? 600 : 30 + t % 7, t == 7 ? 10 : 1 + t % 3,
          null);
    }
    assertThat(counted.maxBusiestDstFlows()).isEqualTo(600);
    assertThat(counted.maxBusiestPairFlows()).isEqualTo(10);
    fit.train().add(fit.next(), fit.train().values(0));
    assertThat(fit.train().maxBusiestDstFlows()).as("windows without the count: no rule").isEqualTo(-1);
    assertThat(fit.train().maxBusiestPairFlows()).as("windows without the count: no rule").isEqualTo(-1);
    ArTrainingSeries partly = new ArTrainingSeries(300, fit.train().names());
    partly.add(fit.train().start(0), fit.train().values(0), 5, 2, null).add(fit.train().start(1),
        fit.train().values(1), 5, -1, null).add(fit.train().start(2), fit.train().values(2), 5, 3, null);
    assertThat(partly.maxBusiestPairFlows()).as("one window without the count: no rule").isEqualTo(-1);
    assertThat(partly.maxBusiestDstFlows()).isEqualTo(5);
    double threshold = RateRule.threshold(counted.maxBusiestDstFlows(), 300);
    assertThat(threshold).isEqualTo(600 * 1.2 / 300);
    double pairThreshold = RateRule.threshold(counted.maxBusiestPairFlows(), 300);
    assertThat(pairThreshold).as("a small count: 3 Poisson sigmas above it, more than 1.2 x")
        .isEqualTo((10 + 3 * Math.sqrt(10)) / 300);
    assertThat(RateRule.threshold(225, 60)).as("where the two meet").isCloseTo(270.0 / 60, within(1e-12));
    assertThat(RateRule.threshold(0, 60)).as("at least one record a window").isEqualTo(4.0 / 60);

    ArForecaster.Calibrated calibrated = ArForecaster.fit(counted, LARGEST_Z).calibrate(Q995, counted);
    assertThat(calibrated.calibration().parameters()).containsEntry("dst_rate_threshold", threshold)
        .containsEntry("dst_rate_max_busiest_flows", 600.0).containsEntry("pair_rate_threshold", pairThreshold)
        .containsEntry("pair_rate_max_busiest_flows", 10.0);
    assertThat(calibrated.forecaster().thresholdMethod()).contains("more than 2.4000 flow records/s")
        .contains("one source sends one destination more than 0.0650 flow records/s (the larger of 1.2 x and 3 Poisson"
            + " sigmas above the training windows' largest, 10 a window)");
    calibrated.forecaster().write(dir);
    ArForecaster f = ArForecaster.read(dir);
    assertThat(f.dstRateThreshold()).isEqualTo(threshold);
    assertThat(f.pairRateThreshold()).isEqualTo(pairThreshold);
    assertThat(fit.forecaster().dstRateThreshold()).as("calibrated on windows without the count").isNaN();
    assertThat(fit.forecaster().pairRateThreshold()).as("calibrated on windows without the count").isNaN();
    long start = fit.next() + 300_000_000L;
    ArScore own = f.newState().update(start, fit.traffic().next(start));
    assertThat(f.rates(own, 720, 19, null)).as("at or below their thresholds").isSameAs(own);
    assertThat(f.rates(own, -1, -1, null)).as("unknown").isSameAs(own);
    assertThat(fit.forecaster().rates(own, 1_000_000, 1_000_000, null)).as("a forecaster without the rules")
        .isSameAs(own);
    ArScore flood = f.rates(own, 2160, 12, null);
    assertThat(flood.score()).isCloseTo(3 * f.threshold(), within(1e-9));
    assertThat(flood.score() > f.threshold()).isTrue();
    assertThat(flood.byRate()).isTrue();
    assertThat(flood.bySustained()).isFalse();
    assertThat(flood.instant()).isEqualTo(own.instant());
    assertThat(flood.explain(f.names()).get(0)).isEqualTo("busiest destination 7.20 flows/s > 2.40 (x3.0)");

    ArScore webFlood = f.rates(own, 700, 60, null);
    assertThat(webFlood.score()).as("one source, one server: 60 records where pairs reached 10")
        .isCloseTo(60.0 / 300 / pairThreshold * f.threshold(), within(1e-9));
    assertThat(webFlood.explain(f.names()).get(0))
        .isEqualTo("busiest source-destination pair 0.20 flows/s > 0.06 (x3.1)");
    assertThat(f.rates(own, 2160, 90, null).rateRule()).as("both fire: the larger ratio names it")
        .isEqualTo(RateRule.PAIR.label());
    assertThat(f.rates(own, 4320, 24, null).rateRule()).isEqualTo(RateRule.DST.label());
  }

  /**
   * The new-ports rule: the service ports of at least two training windows are its inventory, and how many ports a
   * training window would find new left out (at the 0.99 quantile: a scan in one window does not count) sets the
   * threshold with the rate rules' margin; a later window with more ports outside the inventory fires and names them.
   * Known ports, few new ones, and a window without its ports do not; a range with a window without ports has no rule.
   * The rule survives the file.
   */
  @Test
  void theNewPortsRuleFiresOnPortsNoTrainingWindowHadAndNamesThem(@TempDir Path dir) {
    Fitted fit = fitted(4, 11);
    ArTrainingSeries ported = new ArTrainingSeries(300, fit.train().names());
    int n = fit.train().size();
    int[] scan = java.util.stream.IntStream.range(1000, 1400).toArray();
    for (int t = 0; t < n; t++) {
      // Every window has the web and DNS, odd ones SSH too. Windows 20-43 each have a one-off (6000 + k in the even,
      // 7000 + k in the odd ones) and windows 50 and 60 port 9000: left out, 26 windows find 1 port new. Windows 5 and
      // 9 had the same scan of 400 ports: left out, 400 new each, above the 0.99 quantile.
      int[] base = t % 2 == 0 ? new int[] {53, 80, 443} : new int[] {22, 53, 80, 443};
      int[] ports = t == 5 || t == 9 ? java.util.stream.IntStream.concat(java.util.Arrays.stream(base),
          java.util.Arrays.stream(scan)).sorted().toArray() : base;
      if (t >= 20 && t < 44) ports = plus(ports, (t % 2 == 0 ? 6000 : 7000) + (t - 20) / 2);
      if (t == 50 || t == 60) ports = plus(ports, 9000);
      ported.add(fit.train().start(t), fit.train().values(t), 30, 2, ports);
    }
    assertThat(ported.servicePorts()).as("ports of two windows or more: the scan's (in two) but no one-off")
        .startsWith(22, 53, 80, 443, 1000, 1001).endsWith(1399, 9000).hasSize(4 + 400 + 1);
    assertThat(n).isGreaterThan(100 * 2);
    assertThat(ported.newServicePorts()).as("the 0.99 quantile: the two scan windows are not counted")
        .isEqualTo(1);
    double threshold = RateRule.countThreshold(1);
    assertThat(threshold).isEqualTo(4);
    assertThat(RateRule.countThreshold(0)).as("a range whose every port recurs: at least 4 new ports").isEqualTo(4);

    ArForecaster.Calibrated calibrated = ArForecaster.fit(ported, LARGEST_Z).calibrate(Q995, ported);
    assertThat(calibrated.calibration().parameters()).containsEntry("new_ports_threshold", threshold)
        .containsEntry("new_ports_left_out", 1.0);
    assertThat(calibrated.forecaster().thresholdMethod()).contains("or when more than 4.0 of a window's service ports"
        + " are none of the training range's 405 (1 new to a training window left out, at the 0.99 quantile)");
    calibrated.forecaster().write(dir);
    assertThat(dir.resolve(ArForecaster.FILE_NAME)).content().contains("\"service_ports\" : \"22, 53, 80, 443,"
        + " 1000-1399, 9000\"");
    ArForecaster f = ArForecaster.read(dir);
    assertThat(f.newPortsThreshold()).isEqualTo(threshold);
    assertThat(fit.forecaster().newPortsThreshold()).as("calibrated on windows without their ports").isNaN();

    long start = fit.next() + 300_000_000L;
    ArScore own = f.newState().update(start, fit.traffic().next(start));
    int[] shift = {53, 80, 443, 8443, 8444, 8445, 8446, 8447, 8448, 8449, 8450, 8451, 8452, 8453, 8454};
    ArScore moved = f.rates(own, 30, 2, shift);
    assertThat(moved.byRate()).isTrue();
    assertThat(moved.rateRule()).isEqualTo(NewPorts.LABEL);
    assertThat(moved.score()).isCloseTo(12 / threshold * f.threshold(), within(1e-9));
    assertThat(moved.explain(f.names()).get(0)).isEqualTo("new service ports 12 > 4.0 (x3.0): 8443 8444 8445 8446"
        + " 8447 8448 8449 8450 and 4 more");
    int[] four = {22, 80, 1000, 6000, 7003, 9000, 9001, 9002};
    assertThat(f.rates(own, 30, 2, four)).as("4 new ports (one-offs of training are new), at most 4.0").isSameAs(own);
    assertThat(f.rates(own, 30, 2, new int[] {6000, 9001, 9002, 9003, 9004}).explain(f.names()).get(0))
        .isEqualTo("new service ports 5 > 4.0 (x1.3): 6000 9001 9002 9003 9004");
    assertThat(f.rates(own, 30, 2, ported.servicePorts())).as("every port known").isSameAs(own);
    assertThat(f.rates(own, 30, 2, null)).as("unknown").isSameAs(own);
    assertThat(f.rates(own, 30, 2, new int[0])).as("no service ports").isSameAs(own);
    assertThat(f.rates(own, 3000, 2, shift).rateRule()).as("the destination rate fires further: it names the window")
        .isEqualTo(RateRule.DST.label());

    ArTrainingSeries partly = new ArTrainingSeries(300, fit.train().names());
    partly.add(fit.train().start(0), fit.train().values(0), 5, 2, new int[] {80})
        .add(fit.train().start(1), fit.train().values(1), 5, 2, null)
        .add(fit.train().start(2), fit.train().values(2), 5, 2, new int[] {80});
    assertThat(partly.servicePorts()).as("one window without its ports: no inventory").isNull();
    assertThat(partly.newServicePorts()).isEqualTo(-1);
    assertThatThrownBy(() -> partly.add(fit.train().start(3), fit.train().values(3), 5, 2, new int[] {80, 53}))
        .hasMessageContaining("strictly increasing");
    assertThatThrownBy(() -> partly.add(fit.train().start(3), fit.train().values(3), 5, 2, new int[] {40000}))
        .hasMessageContaining("below the ephemeral range");
  }

  @Test
  void theProfileFollowsTheDailyCycleSoQuietWindowsScoreAlikeAtEveryHour() {
    Fitted fit = fitted(20, 7);
    ArForecaster f = fit.forecaster();
    assertThat(f.seasonal()).isTrue();
    assertThat(f.bucketSeconds()).as("3 days of 5-minute windows: 20-minute buckets of 12 windows").isEqualTo(1200);
    assertThat(f.profileNote()).startsWith("diurnal: 72 buckets of 1200 s");
    // The profile of total pps is the curve's log level (5000 × a 0.20..1.00 curve): within 0.1 at every window slot.
    for (int slot = 0; slot < PER_DAY; slot++) {
      long start = DAY0 + slot * 300_000_000L;
      assertThat(f.profile(0, start)).as("slot " + slot).isCloseTo(Math.log(5000 * fit.traffic().curve(start)),
          within(0.1));
    }
    // A fresh quiet day: no hour of the day scores systematically higher than another.
    double[] hourMean = new double[24];
    int above = 0;
    long from = fit.next();
    for (int t = 0; t < PER_DAY; t++) {
      long start = from + t * 300_000_000L;
      ArScore s = fit.state().update(start, fit.traffic().next(start));
      hourMean[t / 12] += s.score() / 12;
      if (s.score() > f.threshold()) above++;
    }
    double lowest = java.util.Arrays.stream(hourMean).min().orElseThrow();
    double highest = java.util.Arrays.stream(hourMean).max().orElseThrow();
    assertThat(highest - lowest).as("hourly mean scores " + java.util.Arrays.toString(hourMean)).isLessThan(1.0);
    assertThat(highest).isLessThan(f.threshold());
    // Calibrated at 0.995 in sample, so about 0.5-2% of fresh quiet windows lie above: 5 of 288 here.
    assertThat(above).isLessThanOrEqualTo(8);
  }

  @Test
  void withoutTheProfileTheDailyCycleCountsAsNoiseAndHidesARiseAtNight() {
    // Hourly windows, two weeks: the curve changes up to 30% from one window to the next, which an AR alone cannot
    // forecast (its coefficients are kept stationary, so it cannot extrapolate a ramp).
    Traffic seasonalData = new Traffic(3600, 6, 0.05, true, 11);
    Traffic flatData = new Traffic(3600, 6, 0.05, true, 11);
    ArTrainingSeries a = seasonalData.series(DAY0, 14 * 24);
    ArTrainingSeries b = flatData.series(DAY0, 14 * 24);
    ArForecaster seasonal = ArForecaster.fit(a, LARGEST_Z).calibrated(Q995, a);
    ArForecaster flat = ArForecaster.fit(b, new ArParameters(2, false)).calibrated(Q995, b);
    assertThat(flat.seasonal()).isFalse();
    assertThat(flat.profileNote()).isEqualTo("flat: no diurnal profile requested");
    for (int i = 0; i < 3; i++) {
      assertThat(flat.scale(i)).as(flat.names().get(i)).isGreaterThan(3 * seasonal.scale(i));
    }
    // Total pps 50% above normal at 05:00 of the next day (the trough), after an ordinary night.
    ArState withProfile = warmed(seasonal, a);
    ArState without = warmed(flat, b);
    long start = DAY0 + 14 * DAY;
    for (int h = 0; h < 5; h++, start += HOUR) {
      withProfile.update(start, seasonalData.next(start));
      without.update(start, flatData.next(start));
    }
    float[] v = seasonalData.next(start);
    float[] w = flatData.next(start);
    v[0] *= 1.5f;
    w[0] *= 1.5f;
    ArScore caught = withProfile.update(start, v);
    ArScore missed = without.update(start, w);
    assertThat(caught.score()).isGreaterThan(seasonal.threshold());
    assertThat(caught.topSeries()[0]).isZero();
    assertThat(missed.score()).isLessThan(flat.threshold());
  }

  @Test
  void aLevelShiftFiresThroughoutAndItsEndIsForecastAsNormal() {
    Fitted fit = fitted(20, 3);
    ArForecaster f = fit.forecaster();
    ArState state = fit.state();
    double step = 1.0; // total pps × e, sustained for three hours from noon
    long from = fit.next();
    List<ArScore> during = new java.util.ArrayList<>();
    ArScore after = null;
    for (int t = 0; t <= 180; t++) {
      long start = from + t * 300_000_000L;
      float[] v = fit.traffic().next(start);
      boolean shifted = t >= 144 && t < 180;
      if (shifted) v[0] *= (float) Math.exp(step);
      ArScore s = state.update(start, v);
      if (shifted) during.add(s);

      if (t == 180) after = s;
    }
    ArScore onset = during.get(0);
    assertThat(onset.score()).isGreaterThan(f.threshold());
    assertThat(onset.explain(f.names()).get(0)).startsWith("total pps +");
    assertThat(onset.topZ()[0]).isCloseTo(step / f.scale(0), within(3.0));
    // Shifted values are outliers (beyond 3 stationary spreads), which the memory keeps as missing: the forecast of
    // total pps is imputed from before the shift, then after an hour the profile alone. So the shift keeps firing, at
    // Δ / (σ·g) once the horizon is past the imputation limit (g: the stationary error growth).
    double g = ArFit.errorGrowth(f.coefficients(0), 2)[0];
    double expected = step / (f.scale(0) * g);
    List<ArScore> settled = during.subList(f.maxImputedWindows() + 1, during.size());
    assertThat(settled).allSatisfy(s -> assertThat(s.horizon()).isEqualTo(1));
    assertThat(settled).allSatisfy(s -> assertThat(s.topSeries()[0]).isZero());
    double mean = settled.stream().mapToDouble(s -> s.topZ()[0]).average().orElseThrow();
    assertThat(mean).isCloseTo(expected, within(0.1 * expected));
    assertThat(during).allSatisfy(s -> assertThat(s.score()).isGreaterThan(f.threshold()));
    // The memory never took the shifted level in, so the return to normal is forecast as normal: no drop, no echo.
    assertThat(state.z(0)).isBetween(-3.0, 3.0);
    assertThat(after.score()).isLessThan(f.threshold());
    long next = from + 181 * 300_000_000L;
    assertThat(state.update(next, fit.traffic().next(next)).score()).isLessThan(f.threshold());
  }

  @Test
  void anOutageLeavesNoEchoInTheRecovery() {
    // A global scope's link goes silent for an hour at 20:00 (present windows, all zero), then traffic returns. The
    // recovery must score as the same windows would have without the outage: the silent windows are outliers, which
    // the memory keeps as missing, so they do not drag the forecasts down.
    Fitted fit = fitted(20, 8);
    ArForecaster f = fit.forecaster();
    ArState outage = fit.state();
    ArState normal = warmed(f, fit.train());
    long day = fit.next();
    for (int t = 0; t < 12 * 20; t++) { // an ordinary day until 20:00
      long start = day + t * 300_000_000L;
      float[] v = fit.traffic().next(start);
      outage.update(start, v);
      normal.update(start, v);
    }
    for (int t = 12 * 20; t < 12 * 21; t++) {
      long start = day + t * 300_000_000L;
      normal.update(start, fit.traffic().next(start));
      ArScore silent = outage.update(start, new float[f.names().size()]);
      assertThat(silent.score()).isZero();
      assertThat(silent.dropZ()).isLessThan(-20);
    }
    for (int t = 12 * 21; t < 12 * 22; t++) {
      long start = day + t * 300_000_000L;
      float[] v = fit.traffic().next(start);
      ArScore back = outage.update(start, v);
      ArScore counterfactual = normal.update(start, v);
      assertThat(back.score()).as("%d windows after the outage", t - 12 * 21)
          .isLessThanOrEqualTo(counterfactual.score() + 0.5);
    }
  }

  @Test
  void aSpikeInOnePortAmongSixtyFourFiresAndNamesThePort() {
    Fitted fit = fitted(64, 5);
    ArForecaster f = fit.forecaster();
    assertThat(f.names()).hasSize(67);
    long start = fit.next();
    float[] v = fit.traffic().next(start);
    int port = Traffic.TOTALS + 10;
    assertThat(Traffic.intermittent(port)).isFalse();
    v[port] *= 5;
    ArScore s = fit.state().update(start, v);
    assertThat(s.score()).isGreaterThan(f.threshold());
    assertThat(s.topSeries()[0]).isEqualTo(port);
    assertThat(s.explain(f.names()).get(0)).startsWith("port 10 pps +");
    // An ordinary burst of a port that is idle most of the time (7 pps, as in training) stays well below: the scale of
    // such a series comes from its bursts, not from its MAD of 0.
    int idle = Traffic.TOTALS + 2;
    assertThat(Traffic.intermittent(idle)).isTrue();
    assertThat(f.scale(idle)).isGreaterThan(0.5);
    start += fit.traffic().windowMicros();
    v = fit.traffic().next(start);
    v[idle] = 7;
    fit.state().update(start, v);
    assertThat(fit.state().z(idle)).isBetween(1.0, 3.0);
  }

  @Test
  void aConstantSeriesScoresZeroAndThenItsPlainLog1pChange() {
    List<String> names = List.of("a", "b");
    ArTrainingSeries s = new ArTrainingSeries(300, names);
    for (int t = 0; t < 2 * PER_DAY; t++) {
      s.add(DAY0 + t * 300_000_000L, new float[] {100f, 0f});
    }
    ArForecaster f = ArForecaster.fit(s, LARGEST_Z).calibrated(Q995, s);
    assertThat(f.scale(0)).isEqualTo(ArForecaster.CONSTANT_SCALE);
    assertThat(f.coefficients(0)).containsExactly(0.0, 0.0);
    assertThat(f.threshold()).as("every training score is 0, so the floor").isEqualTo(ArForecaster.MIN_THRESHOLD);
    assertThat(java.util.Arrays.stream(f.trainingScores(s)).max().orElseThrow()).isCloseTo(0, within(1e-9));
    ArState state = warmed(f, s);
    long next = DAY0 + 2 * DAY;
    ArScore change = state.update(next, new float[] {200f, 20f});
    assertThat(state.z(0)).isCloseTo(Math.log1p(200) - Math.log1p(100), within(1e-9));
    assertThat(change.score()).isCloseTo(Math.log1p(20), within(1e-9));
    assertThat(change.topSeries()).containsExactly(1, 0);
  }

  @Test
  void aTrainingRangeTooShortOrTooGappyIsRefused() {
    Traffic traffic = new Traffic(300, 2, 0.05, true, 1);
    assertThatThrownBy(() -> ArForecaster.fit(traffic.series(DAY0, 47), LARGEST_Z))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 48 training windows, got 47 between 2024-05-01T00:00:00Z and "
            + "2024-05-01T03:55:00Z");
    ArTrainingSeries everyOther = new ArTrainingSeries(300, traffic.names());
    for (int t = 0; t < 200; t += 2) {
      everyOther.add(DAY0 + t * 300_000_000L, traffic.next(0));
    }
    assertThatThrownBy(() -> ArForecaster.fit(everyOther, LARGEST_Z))
        .hasMessageContaining("only 0 of the 100 training windows").hasMessageContaining("too many missing windows");
    assertThatThrownBy(() -> new ArTrainingSeries(7, traffic.names())).hasMessageContaining("divide an hour");
    assertThatThrownBy(() -> new ArParameters(4, true)).hasMessageContaining("1 to 3");
  }

  @Test
  void lessThanADayGivesAFlatProfileAndSaysWhy() {
    Traffic traffic = new Traffic(300, 2, 0.05, true, 1);
    ArTrainingSeries half = traffic.series(DAY0 + 6 * HOUR, 144);
    ArForecaster f = ArForecaster.fit(half, LARGEST_Z);
    assertThat(f.seasonal()).isFalse();
    assertThat(f.bucketSeconds()).isEqualTo(86_400);
    assertThat(f.profileNote()).isEqualTo("flat: the training range spans 12.0 h, less than a day");
    assertThat(f.profile(0, DAY0)).isEqualTo(f.profile(0, DAY0 + 12 * HOUR));
    assertThat(java.util.Arrays.stream(f.trainingScores(half)).allMatch(Double::isFinite)).isTrue();
  }

  @Test
  void bucketsWithoutEnoughWindowsAreInterpolatedOnTheCircle() {
    double[] p = {Double.NaN, 2, Double.NaN, Double.NaN, 8, Double.NaN};
    ArFit.interpolateEmpty(p);
    // bucket 0 lies between bucket 4 (two before, circularly) and bucket 1 (one after): 8 + (2 - 8) * 2/3
    assertThat(p).containsExactly(4, 2, 4, 6, 8, 6);
    // Two days without 02:00-05:00: the fit still has a diurnal profile, and says which buckets it interpolated.
    Traffic traffic = new Traffic(300, 2, 0.05, true, 2);
    ArTrainingSeries s = new ArTrainingSeries(300, traffic.names());
    for (int t = 0; t < 2 * PER_DAY; t++) {
      long start = DAY0 + t * 300_000_000L;
      float[] v = traffic.next(start);
      long hour = (start % DAY) / HOUR;
      if (hour < 2 || hour >= 5) s.add(start, v);
    }
    ArForecaster f = ArForecaster.fit(s, LARGEST_Z);
    assertThat(f.seasonal()).isTrue();
    assertThat(f.profileNote()).contains("interpolated");
    double before = f.profile(0, DAY0 + HOUR);
    double inside = f.profile(0, DAY0 + 3 * HOUR + HOUR / 2);
    double afterwards = f.profile(0, DAY0 + 6 * HOUR);
    assertThat(inside).isBetween(Math.min(before, afterwards), Math.max(before, afterwards));
  }

  @Test
  void theBucketWidthGrowsFinerWithTrainingDays() {
    assertThat(DailyProfile.bucketSeconds(300, 288)).isEqualTo(3600);
    assertThat(DailyProfile.bucketSeconds(300, 3 * 288)).isEqualTo(1200);
    assertThat(DailyProfile.bucketSeconds(300, 7 * 288)).isEqualTo(600);
    assertThat(DailyProfile.bucketSeconds(300, 100 * 288)).isEqualTo(300);
    assertThat(DailyProfile.bucketSeconds(60, 1440)).isEqualTo(720);
    assertThat(DailyProfile.bucketSeconds(3600, 48)).isEqualTo(21600);
    assertThat(DailyProfile.bucketSeconds(3600, 10)).isEqualTo(86400);
  }

  @Test
  void errorGrowthIsTheImpulseResponseNorm() {
    double[] g = ArFit.errorGrowth(new double[] {0.5}, 3);
    assertThat(g[1]).isEqualTo(1);
    assertThat(g[2]).isCloseTo(Math.sqrt(1 + 0.25), within(1e-12));
    assertThat(g[3]).isCloseTo(Math.sqrt(1 + 0.25 + 0.0625), within(1e-12));
    assertThat(g[0]).as("stationary: 1 / (1 - φ²)").isCloseTo(Math.sqrt(1 / 0.75), within(1e-9));
    assertThat(ArFit.errorGrowth(new double[] {0, 0}, 2)).containsExactly(1, 1, 1);
  }

  @Test
  void theCoefficientsStayStationary() {
    double[] d = new double[500];
    for (int t = 0; t < d.length; t++) {
      d[t] = t; // a trend: least squares alone would put Σφ at 1
    }
    int[] rows = java.util.stream.IntStream.range(2, d.length).toArray();
    double[] phi = ArFit.autoregression(d, rows, 2);
    assertThat(Math.abs(phi[0]) + Math.abs(phi[1])).isCloseTo(ArForecaster.MAX_PERSISTENCE, within(1e-12));
  }

  @Test
  void anAttackInsideTheTrainingRangeDoesNotBendTheCoefficients() {
    Traffic clean = new Traffic(300, 2, 0.05, true, 13);
    Traffic attacked = new Traffic(300, 2, 0.05, true, 13);
    ArTrainingSeries a = clean.series(DAY0, 2 * PER_DAY);
    ArTrainingSeries b = new ArTrainingSeries(300, attacked.names());
    for (int t = 0; t < 2 * PER_DAY; t++) {
      long start = DAY0 + t * 300_000_000L;
      float[] v = attacked.next(start);
      if (t == 100 || t == 101 || t == 400 || t == 401) v[0] *= 20; // two floods of two windows: 0.7% of the range
      b.add(start, v);
    }
    ArForecaster fa = ArForecaster.fit(a, LARGEST_Z);
    ArForecaster fb = ArForecaster.fit(b, LARGEST_Z);
    double[] phiClean = fa.coefficients(0);
    double[] phiAttacked = fb.coefficients(0);
    assertThat(phiAttacked[0]).isCloseTo(phiClean[0], within(0.1));
    assertThat(phiAttacked[1]).isCloseTo(phiClean[1], within(0.1));
    assertThat(fb.scale(0)).isCloseTo(fa.scale(0), within(0.2 * fa.scale(0)));
    // Plain least squares on the same rows is bent by the floods.
    double[] d = new double[b.size()];
    for (int t = 0; t < d.length; t++) {
      d[t] = ArState.level(b.values(t)[0]) - fb.profile(0, b.start(t));
    }
    double[] plain = ArFit.autoregression(d, java.util.stream.IntStream.range(2, d.length).toArray(), 2);
    assertThat(Math.abs(plain[0] - phiClean[0]) + Math.abs(plain[1] - phiClean[1])).isGreaterThan(0.2);
  }

  @Test
  void theSameDataGiveTheSameForecasterAndScores() {
    Traffic one = new Traffic(300, 8, 0.05, true, 9);
    Traffic two = new Traffic(300, 8, 0.05, true, 9);
    ArTrainingSeries a = one.series(DAY0, 2 * PER_DAY);
    ArTrainingSeries b = two.series(DAY0, 2 * PER_DAY);
    ArForecaster fa = ArForecaster.fit(a, LARGEST_Z).calibrated(Q995, a);
    ArForecaster fb = ArForecaster.fit(b, LARGEST_Z).calibrated(Q995, b);
    assertThat(fa.toJson()).isEqualTo(fb.toJson());
    assertThat(fa.trainingScores(a)).containsExactly(fb.trainingScores(b));
  }

  @Test
  void calibrationRecordsTheMethodAndRefusesAnotherLayout() {
    Fitted fit = fitted(4, 1);
    ArForecaster f = fit.forecaster();
    assertThat(f.isCalibrated()).isTrue();
    assertThat(f.thresholdMethod()).isEqualTo("quantile:0.995 of 864 one-step training scores, at least 3.0");
    double[] scores = f.trainingScores(fit.train());
    assertThat(f.threshold()).isEqualTo(Math.max(3.0, Q995.threshold(scores)));
    ArForecaster uncalibrated = ArForecaster.fit(fit.train(), LARGEST_Z);
    assertThatThrownBy(uncalibrated::threshold).hasMessageContaining("not been calibrated");
    ArTrainingSeries other = new ArTrainingSeries(300, List.of("x"));
    assertThatThrownBy(() -> f.trainingScores(other)).hasMessageContaining("not the forecaster's layout");
  }

  static ArState warmed(ArForecaster f, ArTrainingSeries s) {
    ArState state = f.newState();
    for (int t = 0; t < s.size(); t++) {
      state.update(s.start(t), s.values(t));
    }
    return state;
  }

  private static int[] plus(int[] ports, int port) {
    int[] out = java.util.Arrays.copyOf(ports, ports.length + 1);
    out[ports.length] = port;
    java.util.Arrays.sort(out);
    return out;
  }
}
