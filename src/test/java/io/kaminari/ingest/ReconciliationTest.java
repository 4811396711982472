package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconciliationTest {
  private static final Hour H = Hour.parse("2024-05-01T10");

  private static JobRun compaction(Hour from, Hour to, long read, String finished) {
    return new JobRun("r", CompactJob.JOB, from.start(), to.start(), Instant.parse(finished),
        Instant.parse(finished), JobRun.SUCCEEDED, read, read, read, 0, 0, 0, "", null);
  }

  private static ArrivalHours hours(Hour from, Hour to) {
    return new ArrivalHours(new HourRange(from, to));
  }

  @Test
  void anHourReconcilesWhenItsLatestCompactionReadWhatItHolds() {
    var runs = List.of(compaction(H, H.plus(1), 5, "2024-05-01T11:05:00Z"));
    assertThat(Reconciliation.gaps(hours(H, H.plus(1)), Map.of(H, 5L), runs, null)).isEmpty();
    // Landing partitions dropped after compaction lose nothing.
    assertThat(Reconciliation.gaps(hours(H, H.plus(1)), Map.of(H, 3L), runs, null)).isEmpty();
    // An hour with no landing rows needs no compaction.
    assertThat(Reconciliation.gaps(hours(H.plus(-2), H.plus(1)), Map.of(H, 5L), runs, null)).isEmpty();
  }

  @Test
  void recordsLandedAfterTheLatestCompactionOrNeverCompactedAreGaps() {
    var runs = List.of(compaction(H, H.plus(1), 5, "2024-05-01T11:05:00Z"),
        compaction(H, H.plus(1), 9, "2024-05-01T10:05:00Z")); // an older run that read more does not count
    var gaps = Reconciliation.gaps(hours(H.plus(-1), H.plus(1)), Map.of(H, 8L, H.plus(-1), 2L), runs, null);
    assertThat(gaps).extracting(Reconciliation.Gap::hour).containsExactly(H.plus(-1), H);
    assertThat(gaps.get(0).compaction()).isNull();
    assertThat(gaps.get(0).describe()).contains("2024-05-01T09", "never compacted").as("tables not checked")
        .doesNotContain("neither");
    assertThat(gaps.get(1).describe()).contains("2024-05-01T10", "read 5 of the 8");
  }

  @Test
  void aRangeCompactionNamesEachOfItsHoursWithRowsWhenItsWindowGained() {
    var runs = List.of(compaction(H, H.plus(3), 10, "2024-05-01T14:00:00Z"));
    Map<Hour, Long> landed = Map.of(H, 4L, H.plus(2), 7L); // 11 > 10; hour 11 has none
    // The window's rows count even outside the verified range: hour 12 is outside it.
    var gaps = Reconciliation.gaps(hours(H, H.plus(2)), landed, runs, null);
    assertThat(gaps).extracting(Reconciliation.Gap::hour).containsExactly(H);
    assertThat(gaps.get(0).windowLanded()).isEqualTo(11);
    assertThat(Reconciliation.gaps(hours(H, H.plus(3)), Map.of(H, 4L, H.plus(2), 6L), runs, null)).isEmpty();
  }

  @Test
  void rowsInNoTableAreAGapEvenWhenTheCompactionReadThemAll() {
    var runs = List.of(compaction(H, H.plus(1), 5, "2024-05-01T11:05:00Z"));
    var gaps = Reconciliation.gaps(hours(H, H.plus(1)), Map.of(H, 5L), runs, Map.of(H, 2L));
    assertThat(gaps).extracting(Reconciliation.Gap::hour).containsExactly(H);
    assertThat(gaps.get(0).describe()).contains("read 5 of the 5",
        "2 flow(s) or reject(s) of them in neither flows nor flows_rejected", "rows lost after that compaction wrote them");
    // Missing rows of an hour outside the range verified are not its business.
    assertThat(Reconciliation.gaps(hours(H, H.plus(1)), Map.of(H, 5L), runs, Map.of(H.plus(1), 2L))).isEmpty();
  }

  @Test
  void theRepairRunsFromTheFirstGapToTheEndOfTheRange() {
    var gaps = List.of(new Reconciliation.Gap(H.plus(-3), 1, null, 1, 1), new Reconciliation.Gap(H, 1, null, 1, 1));
    assertThat(Reconciliation.repairRange(hours(H.plus(-5), H.plus(1)), gaps))
        .contains(hours(H.plus(-3), H.plus(1)));
    assertThat(Reconciliation.repairRange(hours(H, H.plus(1)), List.of())).isEmpty();
  }
}
