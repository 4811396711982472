package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ThresholdMethodTest {

  @Test
  void parsesBothFormsAndRoundTripsText() {
    assertThat(ThresholdMethod.parse("quantile:0.999")).isEqualTo(new ThresholdMethod.Quantile(0.999));
    assertThat(ThresholdMethod.parse(" Sigma:3 ")).isEqualTo(new ThresholdMethod.Sigma(3));
    assertThat(ThresholdMethod.parse(new ThresholdMethod.Quantile(0.99).text()))
        .isEqualTo(new ThresholdMethod.Quantile(0.99));
  }

  @Test
  void rejectsBadTextWithTheAcceptedForms() {
    assertThatThrownBy(() -> ThresholdMethod.parse("max")).hasMessageContaining("quantile:Q");
    assertThatThrownBy(() -> ThresholdMethod.parse("quantile:1.5")).hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> ThresholdMethod.parse("quantile:abc")).hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> ThresholdMethod.parse("sigma:-1")).hasMessageContaining("> 0");
    assertThatThrownBy(() -> ThresholdMethod.parse(null)).hasMessageContaining("required");
  }

  @Test
  void quantileIsNearestRank() {
    double[] scores = new double[1000];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = scores.length - i; // 1000 .. 1, unsorted on purpose
    }
    assertThat(new ThresholdMethod.Quantile(0.999).threshold(scores)).isEqualTo(999.0);
    assertThat(new ThresholdMethod.Quantile(0.5).threshold(scores)).isEqualTo(500.0);
    assertThat(new ThresholdMethod.Quantile(0.0001).threshold(scores)).isEqualTo(1.0);
    assertThat(new ThresholdMethod.Quantile(0.999).threshold(new double[] {3, 1, 2})).isEqualTo(3.0);
    assertThat(scores[0]).as("input left unsorted").isEqualTo(1000.0);
  }

  @Test
  void aQuantileNeedsOneOverOneMinusQScores() {
    assertThat(new ThresholdMethod.Quantile(0.999).minimumScores()).isEqualTo(1000);
    assertThat(new ThresholdMethod.Quantile(0.99).minimumScores()).isEqualTo(100);
    assertThat(new ThresholdMethod.Quantile(0.5).minimumScores()).isEqualTo(2);
    assertThat(new ThresholdMethod.Quantile(0.9995).minimumScores()).isEqualTo(2000);
    assertThat(new ThresholdMethod.Sigma(3).minimumScores()).isEqualTo(1);
  }

  @Test
  void sigmaIsMeanPlusKPopulationStd() {
    double[] scores = {2, 4, 4, 4, 5, 5, 7, 9}; // mean 5, population std 2
    assertThat(new ThresholdMethod.Sigma(3).threshold(scores)).isCloseTo(11.0, within(1e-12));
  }

  @Test
  void refusesToCalibrateOnNothing() {
    assertThatThrownBy(() -> new ThresholdMethod.Sigma(3).threshold(new double[0]))
        .hasMessageContaining("without validation scores");
  }
}
