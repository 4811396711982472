package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rule of {@link ExporterClocks}: who the watermark waits for, and for how long. */
class ExporterClocksTest {
  static final long S = 1_000_000L;
  static final long MIN = 60 * S;
  static final long T0 = 1_714_644_000L * S;
  /** Wait up to 5 minutes for an exporter; forget one silent for 5 minutes of arrival time. */
  static final ExporterClocks.Bounds BOUNDS = new ExporterClocks.Bounds(5 * MIN, 5 * MIN);

  /** Flows of {@code exporter} arriving each second from {@code from} for {@code seconds}, stamped {@code behind}. */
  static void send(ExporterClocks c, String exporter, long from, int seconds, long behind) {
    for (int i = 0; i < seconds; i++) c.observe(exporter, from + i * S, from + i * S - behind);
  }

  @Test
  void anExporterWhoseClockRunsBehindHoldsTheWatermarkBackByItsLag() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, "10.0.0.1", T0, 60, 2 * S);
    send(c, "10.0.0.2", T0, 60, 2 * S + 2 * MIN);
    assertThat(c.holdBackMicros()).isEqualTo(2 * MIN);
    assertThat(c.tracked()).isEqualTo(2);
  }

  @Test
  void anExporterFurtherBehindThanTheMaxLagHoldsNothingBackButOneWithinStillDoes() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, "10.0.0.1", T0, 60, 0);
    send(c, "10.0.0.2", T0, 60, 3 * 3_600 * S); // a clock three hours off
    assertThat(c.holdBackMicros()).isZero();
    send(c, "10.0.0.3", T0 + 60 * S, 10, 90 * S);
    assertThat(c.holdBackMicros()).isEqualTo(90 * S);
  }

  @Test
  void aSparseExporterWithARightClockHoldsNothingBack() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    c.observe("10.0.0.9", T0, T0 - 3 * S); // its one flow of the last minutes, exported 3 s after it started
    send(c, "10.0.0.1", T0, 240, 3 * S); // the busy ones go on for four minutes
    send(c, "10.0.0.2", T0, 240, 3 * S);
    assertThat(c.holdBackMicros()).isZero();
  }

  @Test
  void theDelayIsTheFreshestFlowsSoLongFlowsDoNotMakeAnExporterLag() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, "10.0.0.1", T0, 60, S);
    for (int i = 0; i < 60; i++) {
      long arrival = T0 + i * S;
      c.observe("10.0.0.2", arrival, arrival - 20 * MIN); // a long transfer, reported at its end
      c.observe("10.0.0.2", arrival, arrival - S); // and short ones
    }
    assertThat(c.holdBackMicros()).isZero();
  }

  @Test
  void aClockPutRightCountsAtOnceAndOneThatFallsBehindWithinTwoPeriods() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, "10.0.0.1", T0, 10, 0);
    send(c, "10.0.0.2", T0, 10, 2 * MIN);
    assertThat(c.holdBackMicros()).isEqualTo(2 * MIN);
    send(c, "10.0.0.2", T0 + 10 * S, 1, 0); // NTP put it right
    assertThat(c.holdBackMicros()).isZero();
    // It falls 1 minute behind: its freshest flow of the current and the previous period still says 0 ...
    send(c, "10.0.0.1", T0 + 11 * S, 300, 0);
    send(c, "10.0.0.2", T0 + 11 * S, 300, MIN);
    assertThat(c.holdBackMicros()).isZero();
    // ... until a period without a right flow has passed.
    send(c, "10.0.0.1", T0 + 311 * S, 300, 0);
    send(c, "10.0.0.2", T0 + 311 * S, 300, MIN);
    assertThat(c.holdBackMicros()).isEqualTo(MIN);
  }

  @Test
  void anExporterSilentForTheIdleTimeIsForgottenAndHoldsNothingBack() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, "10.0.0.2", T0, 10, 2 * MIN); // behind, then switched off
    send(c, "10.0.0.1", T0, 10, 0);
    assertThat(c.holdBackMicros()).isEqualTo(2 * MIN);
    send(c, "10.0.0.1", T0 + 10 * S, 295, 0);
    assertThat(c.tracked()).as("silent for less than the idle time").isEqualTo(2);
    send(c, "10.0.0.1", T0 + 305 * S, 30, 0); // silent for the idle time, plus up to a sixteenth of it
    assertThat(c.tracked()).isEqualTo(1);
    assertThat(c.holdBackMicros()).isZero();
  }

  @Test
  void anAheadExporterIsTheReferenceSoTheOthersWaitOnlyForTheSlowest() {
    // In arrival-cap terms an exporter ahead has delay 0 and the right ones the tolerance: they all lag it by about
    // the same, and the watermark (front = the ahead one's cap) minus the hold-back is the right ones' own front.
    ExporterClocks c = new ExporterClocks(BOUNDS);
    long tolerance = 30 * S;
    for (int i = 0; i < 60; i++) {
      long cap = T0 + i * S + tolerance;
      c.observe("10.0.0.66", cap, cap); // 50 minutes ahead: capped at its arrival cap
      c.observe("10.0.0.1", cap, cap - tolerance - 2 * S);
      c.observe("10.0.0.2", cap, cap - tolerance - 5 * S);
    }
    assertThat(c.holdBackMicros()).isEqualTo(tolerance + 5 * S);
  }

  @Test
  void lagsBelowASecondAreJitterAndHoldNothingBack() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, "10.0.0.1", T0, 60, S + 1_000);
    send(c, "10.0.0.2", T0, 60, S + 999_000);
    assertThat(c.holdBackMicros()).isZero();
    send(c, "10.0.0.3", T0 + 60 * S, 10, 3 * S + 500_000);
    assertThat(c.holdBackMicros()).as("whole seconds").isEqualTo(2 * S);
  }

  @Test
  void flowsWithoutAnExporterAreOneExporter() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    send(c, null, T0, 10, 0);
    send(c, "10.0.0.1", T0, 10, MIN);
    assertThat(c.tracked()).isEqualTo(2);
    assertThat(c.holdBackMicros()).isEqualTo(MIN);
  }

  @Test
  void atMostMaxExportersAreTrackedAndTheRestCounted() {
    ExporterClocks c = new ExporterClocks(BOUNDS);
    for (int i = 0; i < ExporterClocks.MAX_EXPORTERS; i++) c.observe("e" + i, T0, T0);
    send(c, "one too many", T0, 3, 4 * MIN);
    assertThat(c.tracked()).isEqualTo(ExporterClocks.MAX_EXPORTERS);
    assertThat(c.takeUntracked()).isEqualTo(3);
    assertThat(c.takeUntracked()).isZero();
    assertThat(c.holdBackMicros()).as("an untracked exporter holds nothing back").isZero();
  }

  @Test
  void offTracksNothing() {
    ExporterClocks c = new ExporterClocks(ExporterClocks.Bounds.OFF);
    send(c, "10.0.0.1", T0, 10, 0);
    send(c, "10.0.0.2", T0, 10, 2 * MIN);
    assertThat(c.holdBackMicros()).isZero();
    assertThat(c.tracked()).isZero();
  }
}
