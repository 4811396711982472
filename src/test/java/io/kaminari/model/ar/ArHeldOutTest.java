package io.kaminari.model.ar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.model.VectorFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AR forecaster's held-out windows and gate fit, on synthetic diurnal traffic (no registry). */
class ArHeldOutTest {
  private static final int PER_DAY = 288; // 5-minute windows
  private static final long W = 300_000_000L;

  @TempDir Path tmp;

  @Test
  void blocksOfThreeSlotsInEveryPeriodDependOnTheSlotAloneAndHoldOutTheFraction() {
    assertThat(ArHeldOut.period(0.1)).isEqualTo(30);
    assertThat(ArHeldOut.period(0.25)).isEqualTo(12);
    assertThat(ArHeldOut.period(0.9)).as("at least one slot per period is fitted on").isEqualTo(4);
    assertThatThrownBy(() -> ArHeldOut.period(0)).hasMessageContaining("(0, 1)");
    assertThatThrownBy(() -> ArHeldOut.period(1)).hasMessageContaining("(0, 1)");
    // Slots 27, 28, 29 of every 30: the last three of each block, whatever day or range they fall in.
    long period = ArHeldOut.period(0.1);
    StringBuilder first = new StringBuilder();
    int held = 0;
    for (int t = 0; t < 3000; t++) {
      boolean h = ArHeldOut.heldOut(Traffic.DAY0 + t * 60_000_000L, 60, period);
      if (t < 31) first.append(h ? 'x' : '.');
      if (h) held++;
    }
    long slot0 = Traffic.DAY0 / 60_000_000L;
    assertThat(Math.floorMod(slot0, 30)).as("2024-05-01T00:00Z is a block boundary at 1-minute windows").isZero();
    assertThat(first.toString()).isEqualTo(".".repeat(27) + "xxx" + ".");
    assertThat(held).isEqualTo(300);
    // Not aligned to the window: the slot is the window's.
    assertThat(ArHeldOut.heldOut(Traffic.DAY0 + 27 * 60_000_000L, 60, period)).isTrue();
    assertThat(ArHeldOut.heldOut(Traffic.DAY0 - 60_000_000L, 60, period)).as("slot -1 mod 30 = 29").isTrue();
  }

  @Test
  void theGateFitForecastsTheHeldOutWindowsAsWellAsTheFitOnEveryWindowAndNeverSawThem() throws Exception {
    Traffic traffic = new Traffic(300, 12, 0.05, true, 3);
    ArTrainingSeries train = traffic.series(Traffic.DAY0, 3 * PER_DAY);
    ArHeldOut.Written written = ArHeldOut.write(tmp, train, ArParameters.DEFAULTS, 0.1);

    Path windowsFile = tmp.resolve(ArHeldOut.WINDOWS_PATH);
    assertThat(windowsFile).exists();
    assertThat(tmp.resolve(ArHeldOut.FORECASTER_PATH)).exists();
    assertThat(written.windows()).isEqualTo(3 * PER_DAY);
    int expectedHeld = 0;
    for (int t = 0; t < train.size(); t++) {
      if (ArHeldOut.heldOut(train.start(t), 300, 30)) expectedHeld++;
    }
    assertThat(written.heldOut()).isEqualTo(expectedHeld).isBetween(3 * PER_DAY / 10 - 3, 3 * PER_DAY / 10 + 3);

    ArForecaster gateFit = ArForecaster.read(tmp.resolve(ArHeldOut.DIR));
    assertThat(gateFit.trainWindows()).as("fitted without the held-out windows")
        .isEqualTo(3L * PER_DAY - expectedHeld);
    assertThat(gateFit.seasonal()).as("every time-of-day bucket keeps windows").isTrue();
    ArForecaster everyWindow = ArForecaster.fit(train, ArParameters.DEFAULTS);
    try (VectorFile windows = VectorFile.open(windowsFile)) {
      assertThat(windows.dimension()).isEqualTo(train.names().size() + 1);
      double gate = ArHeldOut.error(gateFit, windows);
      assertThat(gate).isEqualTo(written.error());
      double inSample = ArHeldOut.error(everyWindow, windows);
      // Out of sample it is barely worse than in sample: the blocks leave the profile its buckets.
      assertThat(gate).isPositive().isLessThan(inSample * 1.2);

      // A forecaster without the daily profile forecasts the same windows worse (2.5 times the error here), and the
      // comparison says so.
      ArForecaster flat = ArForecaster.fit(train, new ArParameters(2, false));
      ArHeldOut.Comparison c = ArHeldOut.compare(tmp, flat, true);
      assertThat(c.windows()).isEqualTo(expectedHeld);
      assertThat(c.candidateError()).isEqualTo(gate);
      assertThat(c.currentError()).isGreaterThan(gate * 2);
      assertThat(ArHeldOut.compare(tmp, gateFit, true).currentError()).isEqualTo(gate);
    }

    // A forecaster of other series cannot be compared on them.
    ArForecaster other = ArForecaster.fit(new Traffic(300, 5, 0.05, true, 3).series(Traffic.DAY0, 3 * PER_DAY),
        ArParameters.DEFAULTS);
    assertThatThrownBy(() -> ArHeldOut.compare(tmp, other, false)).hasMessageContaining("different series");
    try (VectorFile windows = VectorFile.open(windowsFile)) {
      assertThatThrownBy(() -> ArHeldOut.error(other, windows)).hasMessageContaining("values per window");
    }
  }

  @Test
  void theHeldOutWindowsOfAnotherRangeWithTheSameFractionAreTheSameSlots() throws Exception {
    // Two versions trained on ranges a day and three hours apart: every window both ranges hold is held out by both
    // or by neither, so neither gate fit has seen a window the other holds out.
    Traffic traffic = new Traffic(300, 4, 0.05, true, 9);
    ArTrainingSeries all = traffic.series(Traffic.DAY0, 5 * PER_DAY);
    ArTrainingSeries a = slice(all, 0, 3 * PER_DAY);
    ArTrainingSeries b = slice(all, PER_DAY + 36, 4 * PER_DAY + 36);
    Path da = Files.createDirectory(tmp.resolve("a"));
    Path db = Files.createDirectory(tmp.resolve("b"));
    ArHeldOut.write(da, a, ArParameters.DEFAULTS, 0.1);
    ArHeldOut.write(db, b, ArParameters.DEFAULTS, 0.1);
    try (VectorFile va = VectorFile.open(da.resolve(ArHeldOut.WINDOWS_PATH));
        VectorFile vb = VectorFile.open(db.resolve(ArHeldOut.WINDOWS_PATH))) {
      int shared = 0;
      float[] ra = new float[va.dimension()];
      float[] rb = new float[vb.dimension()];
      for (long i = 0; i < va.size(); i++) {
        long start = va.windowStartMicros(i);
        long j = (start - vb.windowStartMicros(0)) / W;
        if (j < 0 || j >= vb.size()) continue;
        assertThat(vb.windowStartMicros(j)).isEqualTo(start);
        va.read(i, ra, 0);
        vb.read(j, rb, 0);
        assertThat(rb[rb.length - 1]).as("mask at " + start).isEqualTo(ra[ra.length - 1]);
        shared++;
      }
      assertThat(shared).isEqualTo(2 * PER_DAY - 36);
    }
  }

  @Test
  void aRangeTooShortForTheGateFitOrWithoutABlockIsRefusedAndNothingIsWritten() {
    Traffic traffic = new Traffic(300, 4, 0.05, true, 1);
    // 50 windows: enough for a forecaster, but fewer than 48 once the held-out ones are taken out.
    ArTrainingSeries shortRange = traffic.series(Traffic.DAY0, 50);
    assertThatThrownBy(() -> ArHeldOut.write(tmp, shortRange, ArParameters.DEFAULTS, 0.1))
        .hasMessageContaining("at least " + ArForecaster.MIN_TRAINING_WINDOWS);
    assertThat(tmp.resolve(ArHeldOut.DIR)).doesNotExist();
    // 100 windows from a period's first slot, one block in 300 slots: the range holds no held-out window.
    long firstSlot = Traffic.DAY0 + (300 - Math.floorMod(Traffic.DAY0 / W, 300)) * W;
    ArTrainingSeries noBlock = traffic.series(firstSlot, 100);
    assertThatThrownBy(() -> ArHeldOut.write(tmp, noBlock, ArParameters.DEFAULTS, 0.01))
        .hasMessageContaining("hold no held-out block (one in every 300 window slots)");
    assertThat(tmp.resolve(ArHeldOut.DIR)).doesNotExist();
  }

  @Test
  void aLongRangeKeepsItsMostRecentWindowsOnly() throws Exception {
    Traffic traffic = new Traffic(60, 2, 0.05, true, 5);
    ArTrainingSeries train = traffic.series(Traffic.DAY0, ArHeldOut.MAX_WINDOWS + 500);
    ArHeldOut.Written written = ArHeldOut.write(tmp, train, ArParameters.DEFAULTS, 0.1);
    assertThat(written.windows()).isEqualTo(ArHeldOut.MAX_WINDOWS);
    try (VectorFile windows = VectorFile.open(tmp.resolve(ArHeldOut.WINDOWS_PATH))) {
      assertThat(windows.size()).isEqualTo(ArHeldOut.MAX_WINDOWS);
      assertThat(windows.windowStartMicros(0)).isEqualTo(train.start(500));
      assertThat(windows.windowStartMicros(windows.size() - 1)).isEqualTo(train.start(train.size() - 1));
    }
    long held = 0;
    for (int t = 0; t < train.size(); t++) {
      if (ArHeldOut.heldOut(train.start(t), 60, 30)) held++;
    }
    assertThat(ArForecaster.read(tmp.resolve(ArHeldOut.DIR)).trainWindows())
        .as("the gate fit still uses the whole range").isEqualTo(train.size() - held);

    // A fraction so small that the range's one block falls before the windows kept: refused, nothing written.
    long period = ArHeldOut.period(0.0001);
    assertThat(period).isEqualTo(30_000);
    long minute = 60_000_000L;
    long blockAt100 = (Math.floorDiv(Traffic.DAY0, minute) / period + 1) * period - ArHeldOut.BLOCK - 100;
    ArTrainingSeries early = traffic.series(blockAt100 * minute, ArHeldOut.MAX_WINDOWS + 500);
    Path elsewhere = tmp.resolve("early");
    assertThatThrownBy(() -> ArHeldOut.write(elsewhere, early, ArParameters.DEFAULTS, 0.0001))
        .hasMessageContaining("last " + ArHeldOut.MAX_WINDOWS + " windows hold no held-out block");
    assertThat(elsewhere).doesNotExist();
  }

  private static ArTrainingSeries slice(ArTrainingSeries s, int from, int to) {
    ArTrainingSeries out = new ArTrainingSeries(s.windowSeconds(), s.names());
    for (int t = from; t < to; t++) out.add(s.start(t), s.values(t));
    return out;
  }
}
