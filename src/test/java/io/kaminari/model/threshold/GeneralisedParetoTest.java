package io.kaminari.model.threshold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GeneralisedParetoTest {

  @Test
  void recoversShapeAndScaleOfHeavyExponentialAndBoundedTails() {
    // 5,000 draws: the MLE's standard errors are about 0.02 for the shape and 2% for the scale
    for (double shape : new double[] {0.3, 0, -0.3}) {
      GeneralisedPareto fit = GeneralisedPareto.fit(TailSamples.generalisedPareto(5000, shape, 2.0, 11), 0, 0);
      assertThat(fit.shape()).as("shape of a GPD(%s, 2) sample", shape).isCloseTo(shape, within(0.06));
      assertThat(fit.scale()).as("scale of a GPD(%s, 2) sample", shape).isCloseTo(2.0, within(0.15));
    }
  }

  @Test
  void censoringTheLargestExcessesStillRecoversTheTail() {
    // Keep the lower 95% and say only "250 more are at least the largest kept one": the censored likelihood must give
    // the same tail as the full sample, without the censored values.
    double[] all = TailSamples.generalisedPareto(5000, 0.2, 1.0, 12);
    Arrays.sort(all);
    double[] kept = Arrays.copyOf(all, 4750);
    GeneralisedPareto censored = GeneralisedPareto.fit(kept, 250, kept[kept.length - 1]);
    assertThat(censored.shape()).isCloseTo(0.2, within(0.08));
    assertThat(censored.scale()).isCloseTo(1.0, within(0.08));
    // dropping them instead (no censoring) makes the tail look much lighter: the reason to censor
    GeneralisedPareto truncated = GeneralisedPareto.fit(kept, 0, 0);
    assertThat(truncated.shape()).isLessThan(censored.shape() - 0.15);
  }

  @Test
  void theExponentialHasTheClosedFormMleAndIsTheBoundOfAConstrainedFit() {
    double[] y = {1, 2, 3, 6};
    GeneralisedPareto e = GeneralisedPareto.fitExponential(y, 2, 6);
    assertThat(e.shape()).isZero();
    assertThat(e.scale()).isCloseTo((1 + 2 + 3 + 6 + 2 * 6) / 4.0, within(1e-12));
    assertThat(e.logLikelihood()).isCloseTo(-4 * Math.log(6) - 4, within(1e-12));

    double[] heavy = TailSamples.generalisedPareto(2000, 0.5, 1.0, 13);
    assertThat(GeneralisedPareto.fit(heavy, 0, 0).shape()).isGreaterThan(0.4);
    GeneralisedPareto bounded = GeneralisedPareto.fit(heavy, 0, 0, 0);
    assertThat(bounded.shape()).isZero();
    assertThat(bounded.scale()).isCloseTo(GeneralisedPareto.fitExponential(heavy, 0, 0).scale(), within(1e-12));
    // a light tail is unaffected by the bound
    double[] light = TailSamples.generalisedPareto(2000, -0.3, 1.0, 14);
    assertThat(GeneralisedPareto.fit(light, 0, 0, 0).shape()).isCloseTo(GeneralisedPareto.fit(light, 0, 0).shape(),
        within(1e-9));
  }

  @Test
  void theMleIsAtLeastAsLikelyAsTheExponential() {
    for (long seed = 0; seed < 20; seed++) {
      double[] y = TailSamples.generalisedPareto(25, -0.1, 1.0, seed);
      assertThat(GeneralisedPareto.fit(y, 0, 0).logLikelihood())
          .isGreaterThanOrEqualTo(GeneralisedPareto.fitExponential(y, 0, 0).logLikelihood());
    }
  }

  @Test
  void excessQuantileInvertsTheSurvivalFunction() {
    GeneralisedPareto exponential = new GeneralisedPareto(0, 2, 0);
    assertThat(exponential.excessQuantile(0.01)).isCloseTo(-2 * Math.log(0.01), within(1e-12));
    GeneralisedPareto heavy = new GeneralisedPareto(0.5, 2, 0);
    double y = heavy.excessQuantile(0.01);
    assertThat(Math.pow(1 + 0.5 * y / 2, -1 / 0.5)).isCloseTo(0.01, within(1e-12));
    GeneralisedPareto bounded = new GeneralisedPareto(-0.5, 2, 0);
    assertThat(bounded.excessQuantile(1e-12)).isLessThan(4.0).isCloseTo(4.0, within(1e-5)); // end point 2 / 0.5
    assertThat(heavy.excessQuantile(1)).isZero();
    assertThatThrownBy(() -> heavy.excessQuantile(0)).hasMessageContaining("(0, 1]");
  }

  @Test
  void refusesSamplesItCannotFit() {
    assertThatThrownBy(() -> GeneralisedPareto.fit(new double[0], 0, 0)).hasMessageContaining("no excesses");
    assertThatThrownBy(() -> GeneralisedPareto.fit(new double[] {1, 0}, 0, 0)).hasMessageContaining("> 0");
    assertThatThrownBy(() -> GeneralisedPareto.fit(new double[] {1, 3}, 2, 2)).hasMessageContaining("censoring point");
    assertThatThrownBy(() -> GeneralisedPareto.fit(new double[] {1, 3}, 0, 0, -1)).hasMessageContaining("largest shape");
    assertThatThrownBy(() -> new GeneralisedPareto(0, 0, 0)).hasMessageContaining("scale");
  }
}
