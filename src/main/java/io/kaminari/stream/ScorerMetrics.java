package io.kaminari.stream;

import io.kaminari.alerts.AlertRelay;
import io.kaminari.incidents.IncidentEvent;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The scorer's counters, gauges and latency histogram, rendered in the Prometheus text format by {@link #render()}.
 *
 * <p>Hand-written rather than a metrics library: a dozen series do not justify another dependency in the scorer jar.
 */
public final class ScorerMetrics implements AlertRelay.Counters {
  static final String PREFIX = "kaminari_scorer_";
  /** Upper bounds (seconds) of the close-to-durable latency histogram. */
  static final double[] LATENCY_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  final LongAdder recordsIn = new LongAdder();
  final LongAdder flowsIn = new LongAdder();
  final LongAdder replayedRecords = new LongAdder();
  final LongAdder parseErrors = new LongAdder();
  final LongAdder lateRecords = new LongAdder();
  final LongAdder retentionLostRecords = new LongAdder();
  final LongAdder windowsScored = new LongAdder();
  final LongAdder anomalies = new LongAdder();
  final LongAdder reloadSuccesses = new LongAdder();
  final LongAdder reloadFailures = new LongAdder();
  final LongAdder transactions = new LongAdder();
  final LongAdder restores = new LongAdder();
  final LongAdder loopFailures = new LongAdder();
  final LongAdder recordFailures = new LongAdder();
  final LongAdder flowsAheadOfArrival = new LongAdder();
  final LongAdder skippedEmptyWindows = new LongAdder();
  final LongAdder overflowFlows = new LongAdder();
  final LongAdder incidentsStarted = new LongAdder();
  final LongAdder incidentsResolved = new LongAdder();
  final LongAdder incidentNotifications = new LongAdder();
  volatile int incidentsOpen = 0;
  final LongAdder alertsDelivered = new LongAdder();
  final LongAdder alertsDeadLettered = new LongAdder();
  volatile int modelVersion = 0;
  volatile long consumerLag = 0;
  volatile int idlePartitions = 0;
  volatile int partitions = 0;
  volatile int exportersAhead = 0;
  volatile int exportersLate = 0;
  /** Load + validation time of the last hot swap, NaN before the first. */
  volatile double lastSwapSeconds = Double.NaN;
  /** The highest-scoring result (scope key) of the latest window start committed; null before the first. */
  private volatile ScoredWindow top;
  private final AtomicLongArray latencyCounts = new AtomicLongArray(LATENCY_BUCKETS.length + 1);
  private final LongAdder latencySumMicros = new LongAdder();

  /** Records the time from a window's close (watermark passed its end) to its output being committed. */
  void observeLatency(double seconds) {
    int i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    latencyCounts.incrementAndGet(i);
    latencySumMicros.add((long) (seconds * 1e6));
  }

  /** A window result committed to the output topic: counted, and the score gauges follow the latest window. */
  void committed(ScoredWindow w) {
    windowsScored.increment();
    if (w.isAnomaly()) anomalies.increment();
    ScoredWindow t = top;
    int newer = t == null ? 1 : w.windowStart().compareTo(t.windowStart());
    if (newer > 0 || (newer == 0 && w.score() > t.score())) top = w;
  }

  /** Incident states committed with a transaction, and the open incidents after it. */
  void committed(List<IncidentEvent> states, int open) {
    for (IncidentEvent e : states) {
      if (e.kind() == IncidentEvent.Kind.START) incidentsStarted.increment();
      if (e.kind() == IncidentEvent.Kind.RESOLVE) incidentsResolved.increment();
      if (e.kind().notifies()) incidentNotifications.increment();
    }
    incidentsOpen = open;
  }

  @Override
  public void alertDelivered() {
    alertsDelivered.increment();
  }

  @Override
  public void alertDeadLettered() {
    alertsDeadLettered.increment();
  }

  public long windowsScored() {
    return windowsScored.sum();
  }

  public long reloadFailures() {
    return reloadFailures.sum();
  }

  public long reloadSuccesses() {
    return reloadSuccesses.sum();
  }

  public long lateRecords() {
    return lateRecords.sum();
  }

  public long parseErrors() {
    return parseErrors.sum();
  }

  public int modelVersion() {
    return modelVersion;
  }

  /** Prometheus text exposition format 0.0.4. */
  public String render() {
    StringBuilder sb = new StringBuilder(2048);
    counter(sb, "records_in_total", "input Kafka records consumed (replays after a restart excluded)", recordsIn.sum());
    counter(sb, "flows_in_total", "flow objects parsed from the input", flowsIn.sum());
    counter(sb, "replayed_records_total", "records re-read after a restart to rebuild open windows",
        replayedRecords.sum());
    counter(sb, "parse_errors_total", "input objects sent to the dead-letter topic", parseErrors.sum());
    counter(sb, "late_records_total", "flows dropped because their window had already been scored", lateRecords.sum());
    counter(sb, "retention_lost_records_total", "input records Kafka's retention deleted before the scorer read them"
        + " (skipped; the log names their offsets)", retentionLostRecords.sum());
    counter(sb, "windows_scored_total", "window x scope key results committed to the output topic",
        windowsScored.sum());
    counter(sb, "anomalies_total", "committed results above their model's threshold", anomalies.sum());
    counter(sb, "model_reload_successes_total", "model versions loaded and validated", reloadSuccesses.sum());
    counter(sb, "model_reload_failures_total", "model versions refused (checksum, spec, load or test inference)",
        reloadFailures.sum());
    counter(sb, "transactions_total", "Kafka transactions committed", transactions.sum());
    counter(sb, "restores_total", "rebuilds of the window state from the committed offsets", restores.sum());
    counter(sb, "loop_failures_total", "unexpected exceptions in the scoring loop, each followed by a rebuild of the"
        + " window state", loopFailures.sum());
    counter(sb, "record_failures_total", "input objects whose handling threw; dead-lettered with the exception",
        recordFailures.sum());
    counter(sb, "flows_ahead_of_arrival_total", "flows stamped more than scorer.arrival-tolerance after their arrival"
        + " (exporter clock ahead): counted in their own window, not moving the watermark", flowsAheadOfArrival.sum());
    counter(sb, "skipped_empty_windows_total", "empty global windows not scored: beyond scorer.max-gap-fill after the"
        + " last window with flows", skippedEmptyWindows.sum());
    counter(sb, "overflow_flows_total", "flows featurised under the scope key overflow because their window already"
        + " held scorer.max-keys-per-window keys (re-reads after a restore included)", overflowFlows.sum());
    counter(sb, "incidents_started_total", "incidents opened by the stream (scorer.incidents-topic)",
        incidentsStarted.sum());
    counter(sb, "incidents_resolved_total", "incidents ended after incidents.quiet-windows quiet windows",
        incidentsResolved.sum());
    counter(sb, "incident_notifications_total", "incident starts, updates and resolutions committed (what alerts are"
        + " sent for)", incidentNotifications.sum());
    gauge(sb, "incidents_open", "incidents firing now", incidentsOpen);
    counter(sb, "alerts_delivered_total", "incident notifications every receiver accepted (alerts.*)",
        alertsDelivered.sum());
    counter(sb, "alerts_dead_lettered_total", "incident notifications a receiver did not take after"
        + " alerts.max-attempts, appended to alerts.dead-letter-file", alertsDeadLettered.sum());
    gauge(sb, "model_version", "registry version scoring the next window to close (0 = none yet)", modelVersion);
    gauge(sb, "consumer_lag", "records between the consumer position and the end of the input partitions",
        consumerLag);
    gauge(sb, "idle_partitions", "input partitions not holding the watermark back (read to their end and quiet for"
        + " scorer.idle-timeout, or never delivered a flow)", idlePartitions);
    gauge(sb, "last_swap_seconds", "background load + validation time of the last hot swap (NaN: none yet)",
        lastSwapSeconds);
    ScoredWindow t = top;
    gauge(sb, "window_score", "verdict score of the latest committed window (its highest-scoring scope key), against"
        + " the verdict threshold 1.0: max(ae / ae threshold, ar / ar threshold)", t == null ? Double.NaN : t.score());
    gauge(sb, "window_ae_score", "the autoencoder's score (mean squared reconstruction error) of that result",
        t == null ? Double.NaN : t.aeScore());
    gauge(sb, "ae_threshold", "the autoencoder's threshold for that result (its traffic group's under dst-prefix)",
        t == null ? Double.NaN : t.aeThreshold());
    gauge(sb, "window_ar_score", "the AR forecaster's score of that result, in robust sigmas (NaN: no forecaster)",
        t == null || t.arScore() == null ? Double.NaN : t.arScore());
    gauge(sb, "ar_threshold", "the AR forecaster's threshold for that result (NaN: no forecaster)",
        t == null || t.arThreshold() == null ? Double.NaN : t.arThreshold());
    gauge(sb, "partitions", "input partitions assigned (new partitions of the input topics are added within ~30 s)",
        partitions);
    gauge(sb, "exporters_ahead", "exporters (peer_ip_src) with a flow ahead of its arrival in the last 10 minutes",
        exportersAhead);
    gauge(sb, "exporters_late", "exporters (peer_ip_src) with a late flow in the last 10 minutes", exportersLate);
    String h = PREFIX + "close_to_commit_seconds";
    sb.append("# HELP ").append(h).append(" time from a window closing to its output being committed\n");
    sb.append("# TYPE ").append(h).append(" histogram\n");
    long cumulative = 0;
    for (int i = 0; i <= LATENCY_BUCKETS.length; i++) {
      cumulative += latencyCounts.get(i);
      String le = i < LATENCY_BUCKETS.length ? String.valueOf(LATENCY_BUCKETS[i]) : "+Inf";
      sb.append(h).append("_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
    }
    sb.append(h).append("_sum ").append(String.format(Locale.ROOT, "%.6f", latencySumMicros.sum() / 1e6)).append('\n');
    sb.append(h).append("_count ").append(cumulative).append('\n');
    return sb.toString();
  }

  private static void counter(StringBuilder sb, String name, String help, long value) {
    series(sb, name, help, "counter", value);
  }

  private static void gauge(StringBuilder sb, String name, String help, long value) {
    series(sb, name, help, "gauge", value);
  }

  private static void gauge(StringBuilder sb, String name, String help, double value) {
    series(sb, name, help, "gauge", Double.isNaN(value) ? "NaN" : String.format(Locale.ROOT, "%.6g", value));
  }

  private static void series(StringBuilder sb, String name, String help, String type, long value) {
    series(sb, name, help, type, Long.toString(value));
  }

  private static void series(StringBuilder sb, String name, String help, String type, String value) {
    sb.append("# HELP ").append(PREFIX).append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(PREFIX).append(name).append(' ').append(type).append('\n');
    sb.append(PREFIX).append(name).append(' ').append(value).append('\n');
  }
}
