package io.kaminari.model.ar;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.Scenarios;
import io.kaminari.tools.generate.TrafficGenerator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The AR forecaster on the demo's data, without Spark: {@code kaminari demo}'s scenario (seed 42, 150,000 benign flows a
 * day, one attack of each kind on day two), global seed spec, 5-minute windows, featurised in memory with the same
 * {@code Featurizer} as the jobs. Series: total packets/s, total flows/s, distinct source addresses, then the 64
 * port-vector features. Fitted on day one, calibrated at {@code quantile:0.9995} (the autoencoder's default 0.999 with
 * half the false-alarm budget, as the fusion rule asks; on 288 windows that is the largest training score), and day
 * two scored as batch scoring would, from the memory windows before it.
 *
 * <p>Measured: every attack window scores 32-67σ against a threshold of 7.3σ, and no quiet window is flagged (seeds 7
 * and 123: thresholds 6.4 and 5.5, 2 and 6 false alarms, all single ports bursting beyond anything of the training
 * day). The floors: every attack window flagged at 3× the threshold or more (the weakest, the NTP reflection, is at
 * 4.6×), at most 2 false alarms.
 */
class ArDemoDetectionIT {
  private static final long FLOWS_PER_DAY = 150_000;

  @Test
  void everyAttackWindowOfTheDemoFiresAndQuietWindowsDoNot() {
    List<Flow> flows = TrafficGenerator.parsedFlows(Scenarios.demo(42, FLOWS_PER_DAY));
    FeatureSpec spec = FeatureSpec.seed(Scope.GLOBAL);
    long day0 = Traffic.micros(Scenarios.DEMO_START);
    long day1 = day0 + Traffic.DAY;
    TreeMap<Long, float[]> windows = ArWindows.of(flows, spec, day0, day1 + Traffic.DAY);
    ArTrainingSeries train = ArWindows.training(windows, spec, day1);
    SortedMap<Long, float[]> test = windows.tailMap(day1);
    assertThat(train.size()).isEqualTo(288);
    assertThat(test).hasSize(288);

    ArForecaster f = ArForecaster.fit(train, ArParameters.DEFAULTS)
        .calibrated(new ThresholdMethod.Quantile(0.9995), train);
    assertThat(f.seasonal()).isTrue();
    ArState state = ArWindows.warmed(f, windows, spec, day1);
    Set<Long> attackWindows = new HashSet<>();
    for (AttackSpec a : Scenarios.demoAttacks()) {
      for (long s = Traffic.micros(a.start()); s < Traffic.micros(a.end()); s += spec.windowMicros()) {
        attackWindows.add(s);
      }
    }
    assertThat(attackWindows).hasSize(8);
    int falseAlarms = 0;
    for (Map.Entry<Long, float[]> e : test.entrySet()) {
      ArScore s = state.update(e.getKey(), e.getValue());
      String what = java.time.Instant.EPOCH.plus(e.getKey(), java.time.temporal.ChronoUnit.MICROS) + " "
          + s.explain(f.names()) + " threshold " + f.threshold();
      if (attackWindows.contains(e.getKey())) {
        assertThat(s.score()).as(what).isGreaterThan(3 * f.threshold());
      } else if (s.score() > f.threshold()) {
        System.out.println("false alarm " + s.score() + " at " + what);
        falseAlarms++;
      }
    }
    assertThat(falseAlarms).as("false alarms of the default quorum (two series must rise)").isZero();
  }
}
