package io.kaminari.ingest;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which landing hours hold records that no compaction accounted for: the pure part of {@code kaminari verify}.
 *
 * <p>A successful compaction read {@code input_records} landing rows of its window and accounted for every one of them
 * (as flows, duplicates, rejects or markers: {@link CompactJob} fails a run whose counts do not add up). So the landing
 * rows of a window that are more than its latest compaction read arrived after it read them (a landing run that lagged
 * behind), and are in no table but the landing one. An hour reconciles when it has no landing rows, or when the latest
 * successful compaction covering it read at least as many rows as its window holds now; fewer rows than were read
 * (landing partitions dropped after compaction) lose nothing. When that compaction covered several hours, the excess
 * cannot be placed within its window, so each of its hours that has landing rows is named.
 *
 * <p>The counts alone cannot see rows lost <em>after</em> a compaction that accounted for them (a partition
 * overwritten or deleted since), so the tables are checked too: an hour also fails when some of its landing records
 * hold a flow or a reject and their coordinates are in neither {@code flows} nor {@code flows_rejected}
 * ({@code VerifyJob} counts them; markers are counted, not stored, so a record of markers alone is accounted for).
 */
public final class Reconciliation {
  private Reconciliation() {}

  /**
   * A landing hour that does not reconcile.
   *
   * @param landed landing rows of the hour now
   * @param compaction the latest successful compaction covering the hour; null if there was none
   * @param windowLanded landing rows of that compaction's window now (of the hour alone without one)
   * @param missing the flows and rejects of the hour's landing records whose coordinates are in no table; -1 when
   *     the tables were not checked (without {@code --rows})
   */
  public record Gap(Hour hour, long landed, JobRun compaction, long windowLanded, long missing) {
    /** One line for the operator: the hour, what landed against what compaction read, and what is in no table. */
    public String describe() {
      String inNoTable = missing < 0 ? "" : "; " + missing + " flow(s) or reject(s) of them in neither flows nor"
          + " flows_rejected";
      if (compaction == null) return hour + ": " + landed + " landed record(s), never compacted" + inNoTable;
      String read = "the compaction of [" + Hour.of(compaction.windowStart()) + ", "
          + Hour.of(compaction.windowEnd()) + ") that finished " + compaction.finished() + " read "
          + compaction.inputRecords() + " of the " + windowLanded + " its window holds now";
      return hour + ": " + landed + " landed record(s); " + read + inNoTable
          + (windowLanded <= compaction.inputRecords() && missing > 0 ? " (rows lost after that compaction wrote them)"
              : "");
    }
  }

  /**
   * The hours of {@code hours} that do not reconcile, in order.
   *
   * @param landed landing rows per hour, for every hour of {@code hours} and of the windows of {@code compactions}
   *     (absent: none)
   * @param compactions the successful compactions whose windows overlap {@code hours}
   * @param missing per hour of {@code hours}, the flows and rejects of its landing records whose coordinates are in
   *     neither {@code flows} nor {@code flows_rejected} (absent: none); null when the tables were not checked
   */
  static List<Gap> gaps(ArrivalHours hours, Map<Hour, Long> landed, Collection<JobRun> compactions,
      Map<Hour, Long> missing) {
    List<Gap> out = new ArrayList<>();
    for (Hour h : hours.hours()) {
      long rows = landed.getOrDefault(h, 0L);
      long lost = missing == null ? -1 : missing.getOrDefault(h, 0L);
      if (rows == 0) continue;
      Optional<JobRun> latest = compactions.stream().filter(r -> window(r).contains(h))
          .max(Comparator.comparing(JobRun::finished));
      if (latest.isEmpty()) {
        out.add(new Gap(h, rows, null, rows, lost));
        continue;
      }
      long windowRows = window(latest.get()).hours().stream().mapToLong(w -> landed.getOrDefault(w, 0L)).sum();
      if (windowRows > latest.get().inputRecords() || lost > 0) {
        out.add(new Gap(h, rows, latest.get(), windowRows, lost));
      }
    }
    return out;
  }

  /**
   * The hours a repair re-compacts, as one compaction: from the first gap to the end of {@code hours}, so that the run
   * also covers the last hour verified and {@code features/score --after-compact} of that hour (the hourly DAG's next
   * steps) rebuild every event hour the repair wrote. Empty without gaps.
   */
  static Optional<ArrivalHours> repairRange(ArrivalHours hours, List<Gap> gaps) {
    return gaps.stream().map(Gap::hour).min(Comparator.naturalOrder())
        .map(first -> new ArrivalHours(new HourRange(first, hours.range().to())));
  }

  /** The hours compaction run {@code r} covered. */
  static HourRange window(JobRun r) {
    return HourRange.covering(r.windowStart(), r.windowEnd());
  }
}
