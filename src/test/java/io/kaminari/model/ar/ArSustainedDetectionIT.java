package io.kaminari.model.ar;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.PortSelection;
import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import io.kaminari.model.DetectorTrainer;
import io.kaminari.model.Hyperparameters;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.EvaluationDataset;
import io.kaminari.tools.generate.EvaluationDatasets;
import io.kaminari.tools.generate.TrafficGenerator;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The AR forecaster's sustained score on the two evaluation scenarios built for what no per-window threshold sees,
 * without Spark: {@code port-mix-shift} (a third of the web sessions moved to unused ports for 15 minutes, volumes
 * unchanged) and {@code low-rate-distributed} (carpet attacks spread over 64-200 hosts), at {@code global} scope and
 * 1-minute windows, as {@code kaminari evaluate-suite} runs them: the top 15 source and destination ports of the
 * training day, fitted on day one with the default AR parameters and the AR's share of the default budget, day two
 * scored from the memory windows before it.
 *
 * <p>Measured (the suite's fourth run, through the whole pipeline): every event of both found 4-5 windows in, no false
 * alarm of the AR forecaster; the instant score alone finds none of {@code port-mix-shift}'s events and misses the NTP
 * carpet. The floors here: every event found by the AR score within its first 8 windows, found by the sustained score
 * where the instant one misses it, and no false alarm.
 */
class ArSustainedDetectionIT {

  @ParameterizedTest
  @ValueSource(strings = {"port-mix-shift", "low-rate-distributed"})
  void everyEventOfTheScenarioFiresBySustainAndQuietWindowsDoNot(String name) {
    EvaluationDataset ds = EvaluationDatasets.named(name);
    List<Flow> flows = TrafficGenerator.parsedFlows(ds.generator());
    long trainFrom = Traffic.micros(ds.trainFrom());
    long split = Traffic.micros(ds.trainTo());
    assertThat(Traffic.micros(ds.testFrom())).isEqualTo(split);
    PortSelection.Tally tally = new PortSelection.Tally();
    for (Flow f : flows) {
      if (f.eventTimeMicros() >= trainFrom && f.eventTimeMicros() < split) {
        tally.add(f.portSrc(), f.portDst(), f.ipProto(), f.packets(), f.samplingRate() == null ? 0 : f.samplingRate());
      }
    }
    FeatureSpec spec = PortSelection.spec(tally, 15, 15, Scope.GLOBAL, (int) ds.window().getSeconds(), name, "");
    TreeMap<Long, float[]> windows = ArWindows.of(flows, spec, trainFrom, Traffic.micros(ds.testTo()));
    ArTrainingSeries train = ArWindows.training(windows, spec, split);
    Hyperparameters hp = Hyperparameters.DEFAULTS;
    ArForecaster f = ArForecaster.fit(train, new ArParameters(hp.arOrder(), true, hp.arQuorum(), hp.arSustain()))
        .calibrated(hp.arMethod().withRiskDividedBy(DetectorTrainer.arRiskDivisor(hp.fusionRule())), train);
    assertThat(f.sustain()).isEqualTo(10);
    assertThat(f.sustainedThreshold()).isGreaterThanOrEqualTo(ArForecaster.MIN_SUSTAINED_THRESHOLD);
    ArState state = ArWindows.warmed(f, windows, spec, split);

    List<AttackSpec> attacks = ds.labelledAttacks();
    assertThat(attacks).hasSize(3);
    int[] firstFired = new int[attacks.size()];
    boolean[] instantFired = new boolean[attacks.size()];
    Arrays.fill(firstFired, -1);
    List<String> falseAlarms = new ArrayList<>();
    for (Map.Entry<Long, float[]> e : windows.tailMap(split).entrySet()) {
      ArScore s = state.update(e.getKey(), e.getValue());
      boolean fired = s.score() > f.threshold();
      int a = attackOf(attacks, e.getKey(), spec);
      if (a < 0) {
        if (fired) falseAlarms.add(Instant.EPOCH.plus(e.getKey(), ChronoUnit.MICROS) + " " + s.explain(f.names()));
        continue;
      }
      instantFired[a] |= s.instant() > f.threshold();
      if (fired && firstFired[a] < 0) {
        firstFired[a] = (int) ((e.getKey() - Traffic.micros(attacks.get(a).start())) / spec.windowMicros());
      }
    }
    assertThat(falseAlarms).as("AR false alarms, threshold %s, sustained %s", f.threshold(), f.sustainedThreshold())
        .isEmpty();
    for (int a = 0; a < attacks.size(); a++) {
      assertThat(firstFired[a]).as("first firing window of %s", attacks.get(a)).isBetween(0, 7);
    }
    if (name.equals("port-mix-shift")) {
      assertThat(instantFired).as("the instant score alone sees no shift").containsOnly(false);
    } else {
      assertThat(instantFired).as("the instant score alone misses the NTP carpet").contains(false);
    }
  }

  /** The index of the attack whose windows hold {@code windowStart}, or -1. */
  private static int attackOf(List<AttackSpec> attacks, long windowStart, FeatureSpec spec) {
    for (int a = 0; a < attacks.size(); a++) {
      long from = Math.floorDiv(Traffic.micros(attacks.get(a).start()), spec.windowMicros()) * spec.windowMicros();
      if (windowStart >= from && windowStart < Traffic.micros(attacks.get(a).end())) return a;
    }
    return -1;
  }
}
