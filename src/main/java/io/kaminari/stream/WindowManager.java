package io.kaminari.stream;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.features.WindowAccumulator;
import io.kaminari.flow.Flow;
import io.kaminari.incidents.VictimProfiles;
import io.kaminari.model.ArStates;
import io.kaminari.model.ScoringModel;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The scorer's event-time state, free of Kafka: open tumbling windows per feature spec, the watermark, which model
 * scores which window, and the earliest input offset each partition still needs; see docs/scorer.md.
 *
 * <p>Rules:
 * <ul>
 *   <li>Watermark = min over the partitions that hold it back of their max event time, minus the allowed lateness;
 *       while some partition holds it back, it also waits for exporters whose clocks run behind
 *       ({@link ExporterClocks}).
 *       A partition holds it back unless it is <em>idle</em>: read to its end offset ({@link #caughtUp}) and either
 *       it never delivered a flow, or it delivered none for the idle timeout (wall clock, see {@link #partitions(int,
 *       long, LongSupplier)}). With no partition holding it back, it is the max over all partitions instead (as for a
 *       single partition). Before any flow, or while a partition that never delivered one is not caught up, there is
 *       none. An idle partition rejoins with its next delivery ({@link #delivered}); its flows for windows closed
 *       meanwhile are late.
 *   <li>Window {@code [s, s+len)} closes, exactly once and in start order, when the watermark reaches {@code s+len}.
 *       {@link #closedThrough()} is the end of the last closed window. Closing starts at the earliest open window
 *       when that one can close; before, nothing is late.
 *   <li>Once closing has started, a flow is <b>late</b>, and not added, when its window starts before
 *       {@link #closedThrough()} or ends at or before the watermark, judged as it is added (after its own event time
 *       moved the watermark). The second condition makes the verdict a function of the records and their order
 *       alone: judged against {@link #closedThrough()} only, which moves when the caller calls {@link #closeReady()}
 *       (once per poll batch), a flow for a window the watermark had already passed was added or dropped depending on
 *       where the batch happened to end, so a replay after a restart could count it differently. The watermark still
 *       depends on the wall clock through idle partitions (below); without idleness, the verdicts do not depend on
 *       when {@link #closeReady()} runs.
 *   <li>Under the global scope every window from the first one seen is closed, an empty one as the zero vector (as
 *       the batch featurizer does), but only within {@link Limits#maxGapFillMicros} of the end of the last window
 *       with flows: the rest of a longer gap is skipped in one step and counted ({@link #takeSkippedEmptyWindows()}),
 *       so a flow from 1970 followed by current ones does not make 29 million windows. Under dst-prefix only keys
 *       with flows produce results, and empty windows are skipped the same way (uncounted: they never give output).
 *   <li>A flow counts towards the watermark with at most its arrival cap ({@link #add(int, long, Flow, long)}), the
 *       watermark waits for exporters whose clocks run behind, up to a bound ({@link ExporterClocks}), and
 *       an open window holds at most {@link Limits#maxKeysPerWindow} scope keys (further keys' flows go to
 *       {@link io.kaminari.features.Featurizer#OVERFLOW_KEY}, counted by {@link #takeOverflowFlows()}).
 *   <li>Models ({@link Epoch}s): a window starting at or after an epoch's {@code from} (and before the next epoch's)
 *       is scored by that epoch's model. A new model with the same spec starts at the next window to close, so the
 *       windows still open are scored with it. A model with another spec starts a new {@link ModelEras.Segment} at the first
 *       boundary aligned to both window lengths that lies after every event time seen so far: flows before it keep
 *       filling the old spec's windows (scored by the old model), flows from it on go to the new spec's windows.
 * </ul>
 *
 * <p>It ties two parts together: the {@link Watermark} (per partition, with idleness) and the {@link ModelEras} (model
 * epochs and spec segments, each segment with its open windows, grouped by the shared
 * {@link io.kaminari.features.Featurizer}, with the first offsets a restart needs); it owns the end of the last closed
 * window, which both depend on. Not thread-safe: owned by the scorer loop.
 */
final class WindowManager {
  static final long UNSET = Long.MIN_VALUE;

  /** The model scoring windows that start at or after {@code from} (until the next epoch). */
  record Epoch(ScoringModel model, long from) {}

  /**
   * The state's bounds: the allowed lateness, how much event time after the last window with flows the global scope
   * fills with empty windows, the scope keys an open window holds (all in µs or counts), and how long the watermark
   * waits for exporters whose clocks run behind.
   */
  record Limits(long latenessMicros, long maxGapFillMicros, int maxKeysPerWindow, ExporterClocks.Bounds exporters) {
    Limits {
      if (latenessMicros < 0 || maxGapFillMicros < 0) throw new IllegalArgumentException("limits must be >= 0");
      if (maxKeysPerWindow < 1) throw new IllegalArgumentException("need at least one key per window");
    }

    /** Bounds without waiting for exporters behind. */
    Limits(long latenessMicros, long maxGapFillMicros, int maxKeysPerWindow) {
      this(latenessMicros, maxGapFillMicros, maxKeysPerWindow, ExporterClocks.Bounds.OFF);
    }

    /** Only a lateness: every gap filled, no cap on keys (the pure twin and the parity tests). */
    static Limits lateness(long latenessMicros) {
      return new Limits(latenessMicros, Long.MAX_VALUE, Integer.MAX_VALUE);
    }
  }

  /**
   * A closed window of one spec: its accumulators per scope key (sorted), the model that must score it, that model's
   * AR states, which this manager keeps per model while the model scores, and the profiles of its heaviest destination
   * prefixes (null when none were kept).
   */
  record ClosedWindow(FeatureSpec spec, long startMicros, ScoringModel model,
      SortedMap<String, WindowAccumulator> byKey, ArStates arStates, VictimProfiles victims) {}

  private final Watermark watermark;
  private final ModelEras eras;
  private final Limits limits;
  /**
   * Each scoring model's AR states, in memory: a model's first windows after a start (or a restart, or a swap to it)
   * are scored from no history, against the forecaster's profile alone (see docs/scorer.md).
   */
  private final Map<ScoringModel, ArStates> arStates = new IdentityHashMap<>();
  private long closedThrough;
  /** End of the last closed window that had flows; gaps are filled up to {@link Limits#maxGapFillMicros} after it. */
  private long lastDataEnd;
  private long skippedEmptyWindows;

  /**
   * State resumed from a committed marker: {@code epochs} in order (the first one's {@code from} is ignored: it covers
   * everything before the second), nothing closed before {@code closedThrough} ({@link #UNSET} if nothing was), the
   * last window with flows ending at {@code lastDataEnd} ({@link #UNSET} = unknown: taken as {@code closedThrough}).
   */
  WindowManager(List<Epoch> epochs, long closedThrough, long lastDataEnd, Limits limits) {
    this.limits = limits;
    this.eras = new ModelEras(epochs, limits.maxKeysPerWindow());
    this.watermark = new Watermark(limits.latenessMicros(), limits.exporters());
    this.closedThrough = closedThrough;
    this.lastDataEnd = lastDataEnd == UNSET ? closedThrough : lastDataEnd;
  }

  /** State resumed as {@link #WindowManager(List, long, long, Limits)}, every gap filled and keys not capped. */
  WindowManager(List<Epoch> epochs, long closedThrough, long latenessMicros) {
    this(epochs, closedThrough, UNSET, Limits.lateness(latenessMicros));
  }

  /** Fresh state scored by {@code model}, within {@code limits}. */
  WindowManager(ScoringModel model, Limits limits) {
    this(List.of(new Epoch(model, UNSET)), UNSET, UNSET, limits);
  }

  /** Fresh state scored by {@code model}, every gap filled and keys not capped. */
  WindowManager(ScoringModel model, long latenessMicros) {
    this(model, Limits.lateness(latenessMicros));
  }

  /** {@link #add(int, long, Flow, long)} with no arrival cap. */
  boolean add(int partition, long offset, Flow flow) {
    return add(partition, offset, flow, Long.MAX_VALUE);
  }

  /**
   * Adds a flow read at {@code offset} of {@code partition}; returns false (adding nothing) if its window is already
   * closed. The flow's event time, capped at {@code watermarkCap} (its arrival plus a tolerance), advances the
   * partition's watermark and tells its exporter's clock either way; the flow itself goes to the window of its own
   * event time.
   *
   * @throws IllegalArgumentException if the featurizer refuses the flow (the caller dead-letters it)
   */
  boolean add(int partition, long offset, Flow flow, long watermarkCap) {
    long t = flow.eventTimeMicros();
    ModelEras.Segment seg = eras.segmentFor(t);
    watermark.observe(partition, t, watermarkCap, flow.peerIpSrc());
    if (closedThrough == UNSET) {
      seg.add(partition, offset, flow); // nothing is late before closing starts
      startClosing();
      return true;
    }
    long start = Featurizer.windowStartMicros(t, seg.spec);
    if (start < closedThrough || watermarkPassed(start + seg.spec.windowMicros())) return false;
    seg.add(partition, offset, flow);
    return true;
  }

  /** Whether the watermark is at or after {@code end}; none (e.g. a partition not yet heard from) is before all. */
  private boolean watermarkPassed(long end) {
    // The watermark is at most the latest event time minus the lateness: most flows are decided without computing it.
    if (end > watermark.maxEventAll() - limits.latenessMicros()) return false;
    long wm = watermark.current();
    return wm != UNSET && end <= wm;
  }

  /**
   * Declares {@code count} input partitions, none of which ever becomes idle once it has delivered a flow; see
   * {@link #partitions(int, long, LongSupplier)}.
   */
  void partitions(int count) {
    partitions(count, Long.MAX_VALUE, System::currentTimeMillis);
  }

  /**
   * Declares {@code count} input partitions. Until each has delivered a flow or been reported caught up, there is no
   * watermark (otherwise the first partition to deliver would close windows that the others still have flows for).
   * A partition that has delivered flows stops holding the watermark back once it is caught up and {@code clock}
   * (wall-clock ms) shows no delivery for {@code idleTimeoutMillis} (counted from now if it has delivered nothing
   * since this call, as after a restart).
   */
  void partitions(int count, long idleTimeoutMillis, LongSupplier clock) {
    watermark.partitions(count, idleTimeoutMillis, clock);
  }

  /**
   * Whether the caller should look up end offsets and report them with {@link #caughtUp} (about once a second):
   * some declared partition has delivered no flow yet or has been quiet for the idle timeout, so whether it is read
   * to its end decides whether it holds the watermark back. Caught-up ones are checked again too: a partition whose
   * new records the consumer has not fetched yet must hold the watermark back again.
   */
  boolean needsCaughtUpCheck() {
    return watermark.needsCaughtUpCheck();
  }

  /** {@code partition} delivered records just now: it holds the watermark back again (until idle anew). */
  void delivered(int partition) {
    watermark.delivered(partition);
  }

  /** Whether {@code partition} was read to its end offset when the caller last looked ({@link #needsCaughtUpCheck}). */
  void caughtUp(int partition, boolean atEnd) {
    watermark.caughtUp(partition, atEnd);
  }

  /** The declared partitions that do not hold the watermark back right now (a gauge). */
  int idlePartitions() {
    return watermark.idlePartitions();
  }

  /** The exporters' clocks the watermark waits for (class doc; for the gauges). */
  ExporterClocks exporterClocks() {
    return watermark.exporters();
  }

  /**
   * Min over the partitions holding it back of their max event time and the exporters' clocks (max over all if no
   * partition holds it back), minus the lateness;
   * {@link #UNSET} before any flow or while a declared partition has neither delivered a flow nor been reported
   * caught up. See the class doc.
   */
  long watermark() {
    return watermark.current();
  }

  /** End of the last closed window; {@link #UNSET} if none closed yet. */
  long closedThrough() {
    return closedThrough;
  }

  /** End of the last closed window that had flows (committed, so that gap filling survives a restart). */
  long lastDataEnd() {
    return lastDataEnd;
  }

  /**
   * Closes every window the watermark has passed, in start order, skipping empty ones beyond the gap fill (class
   * doc); score them before {@link #drainRetired()}.
   */
  List<ClosedWindow> closeReady() {
    List<ClosedWindow> out = new ArrayList<>();
    long wm = watermark.current();
    if (wm == UNSET || !startClosing()) return out;
    while (true) {
      ModelEras.Segment seg = eras.segmentFor(closedThrough);
      long len = seg.spec.windowMicros();
      long start = closedThrough;
      if (start > wm - len) break; // its end is after the watermark
      boolean hasFlows = seg.has(start);
      if (!hasFlows && start >= fillEnd(seg)) {
        // Jump to the next window with flows, the segment's end or the window holding the watermark, whichever is
        // first: all aligned to this segment's windows, and all after start.
        long to = Math.min(Math.min(seg.nextStartAfter(start), seg.to), Math.floorDiv(wm, len) * len);
        if (seg.spec.scope() == Scope.GLOBAL) skippedEmptyWindows += (to - start) / len;
        closedThrough = to;
        eras.prune(closedThrough);
        continue;
      }
      ModelEras.Closed w = seg.close(start);
      if (!w.byKey().isEmpty()) {
        ScoringModel model = eras.modelFor(start);
        out.add(new ClosedWindow(seg.spec, start, model, w.byKey(),
            arStates.computeIfAbsent(model, ScoringModel::newArStates), w.victims()));
      }
      closedThrough = start + len;
      if (hasFlows) lastDataEnd = closedThrough;
      eras.prune(closedThrough);
    }
    return out;
  }

  /**
   * Starts closing, if it has not started, at the earliest open window once the watermark has passed its end: until
   * then nothing is late, so a first flow far ahead of the others (capped in the watermark) cannot make them late by
   * being first. Called for every flow added, so where closing starts does not depend on when {@link #closeReady()}
   * runs. Returns whether closing has started.
   */
  private boolean startClosing() {
    if (closedThrough != UNSET) return true;
    long wm = watermark.current();
    if (wm == UNSET) return false;
    long first = UNSET;
    for (ModelEras.Segment s : eras.segments()) {
      if (!s.isEmpty()) {
        first = s.firstStartMicros();
        break;
      }
    }
    if (first == UNSET || first > wm - eras.segmentFor(first).spec.windowMicros()) return false;
    closedThrough = first;
    lastDataEnd = first;
    return true;
  }

  /** Where filling a gap with empty windows stops in {@code seg}: under dst-prefix nothing is filled. */
  private long fillEnd(ModelEras.Segment seg) {
    if (seg.spec.scope() != Scope.GLOBAL) return Long.MIN_VALUE;
    long fill = limits.maxGapFillMicros();
    return lastDataEnd > Long.MAX_VALUE - fill ? Long.MAX_VALUE : lastDataEnd + fill;
  }

  /** Empty global windows skipped since the last call (a counter's increment). */
  long takeSkippedEmptyWindows() {
    long n = skippedEmptyWindows;
    skippedEmptyWindows = 0;
    return n;
  }

  /** Flows featurised under the overflow key since the last call (a counter's increment). */
  long takeOverflowFlows() {
    return eras.takeOverflowFlows();
  }

  /**
   * Makes {@code model} score from a clean window boundary (see the class doc) and returns that boundary, the start of
   * the first window it scores ({@link #UNSET} = every window).
   */
  long swap(ScoringModel model) {
    return eras.swap(model, watermark.maxEventAll(), closedThrough);
  }

  /**
   * Makes every window, open or later, profile the destination prefixes {@code victims} accepts besides its heaviest
   * ones ({@link VictimProfiles#follow}: the victims of the open incidents).
   */
  void followVictims(Predicate<String> victims) {
    eras.follow(victims);
  }

  /** The model epochs still in use, oldest first (the committed marker stores their versions and boundaries). */
  List<Epoch> epochs() {
    return eras.epochs();
  }

  /** The model scoring the next window to close. */
  ScoringModel currentModel() {
    return eras.modelFor(closedThrough);
  }

  /** Models no epoch uses any more; the caller closes them (after scoring what {@link #closeReady()} returned). */
  List<ScoringModel> drainRetired() {
    List<ScoringModel> retired = eras.drainRetired();
    retired.forEach(arStates::remove);
    return retired;
  }

  /**
   * The offset a restart must resume {@code partition} from: its first record in a still-open window, else
   * {@code nextOffset} (everything before it is in closed windows or was late).
   */
  long resumeOffset(int partition, long nextOffset) {
    long min = nextOffset;
    for (ModelEras.Segment s : eras.segments()) min = s.firstOffset(partition, min);
    return min;
  }

  /** Open windows (of every spec), for the memory picture in metrics and tests. */
  int openWindows() {
    int n = 0;
    for (ModelEras.Segment s : eras.segments()) n += s.size();
    return n;
  }
}
