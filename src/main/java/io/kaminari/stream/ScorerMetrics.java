package io.kaminari.stream;

import io.kaminari.alerts.AlertRelay;
import io.kaminari.incidents.IncidentEvent;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The scorer's counters, gauges and latency histogram, with the JVM's and the process's, rendered in the Prometheus
 * text format by {@link #render()} through the Prometheus Java client (one {@link PrometheusRegistry} per instance).
 *
 * <p>The hot path increments plain {@link LongAdder}s and writes volatile fields; the registry reads them through
 * callbacks when scraped, so counting a flow costs what it did before the client library. Names follow Prometheus
 * conventions: base units (seconds), {@code _total} on counters ({@code promtool check metrics}, MonitoringIT).
 */
public final class ScorerMetrics implements AlertRelay.Counters, MitigationRelay.Counters {
  static final String PREFIX = "kaminari_scorer_";
  /** 0.0.4 text; no {@code _created} series, which Prometheus ignores in this format and which double the output. */
  private static final PrometheusTextFormatWriter TEXT =
      PrometheusTextFormatWriter.builder().setIncludeCreatedTimestamps(false).build();
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
  final LongAdder mitigationProposals = new LongAdder();
  final LongAdder routesAnnounced = new LongAdder();
  final LongAdder routesWithdrawn = new LongAdder();
  final LongAdder routeFailures = new LongAdder();
  volatile int routesOwed = 0;
  volatile int modelVersion = 0;
  volatile long consumerLag = 0;
  volatile int idlePartitions = 0;
  volatile int partitions = 0;
  volatile int exportersAhead = 0;
  volatile int exportersLate = 0;
  final LongAdder untrackedExporterFlows = new LongAdder();
  /** Per source of event time (the single scorer is one; each scale-out source task another), its hold-back in µs. */
  private final Map<Integer, Long> exporterHoldBack = new ConcurrentHashMap<>();
  /** Sets the hold-back of {@code source}'s exporter clocks ({@link ExporterClocks#holdBackMicros()}). */
  void exporterHoldBack(int source, long micros) {
    exporterHoldBack.put(source, micros);
  }

  /** Drops {@code source}'s hold-back: its task moved away. */
  void noExporterHoldBack(int source) {
    exporterHoldBack.remove(source);
  }

  /** Load + validation time of the last hot swap, NaN before the first. */
  volatile double lastSwapSeconds = Double.NaN;
  /** The highest-scoring result (scope key) of the latest window start committed; null before the first. */
  private volatile ScoredWindow top;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram latency = Histogram.builder().name(PREFIX + "close_to_commit_seconds")
      .help("time from a window closing to its output being committed").classicOnly()
      .classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);

  public ScorerMetrics() {
    register();
  }

  /** Records the time from a window's close (watermark passed its end) to its output being committed. */
  void observeLatency(double seconds) {
    latency.observe(seconds);
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
    count(states);
    incidentsOpen = open;
  }

  /**
   * Incident states a scale-out aggregator task sent (committed with its next transaction), and the change in its
   * open incidents: the tasks of one instance add up.
   */
  synchronized void sent(List<IncidentEvent> states, int openDelta) {
    count(states);
    incidentsOpen += openDelta;
  }

  private void count(List<IncidentEvent> states) {
    for (IncidentEvent e : states) {
      if (e.kind() == IncidentEvent.Kind.START) incidentsStarted.increment();
      if (e.kind() == IncidentEvent.Kind.RESOLVE) incidentsResolved.increment();
      if (e.kind().notifies()) incidentNotifications.increment();
    }
  }

  @Override
  public void alertDelivered() {
    alertsDelivered.increment();
  }

  @Override
  public void alertDeadLettered() {
    alertsDeadLettered.increment();
  }

  @Override
  public void mitigationProposed() {
    mitigationProposals.increment();
  }

  @Override
  public void routesOwed(int routes) {
    routesOwed = routes;
  }

  @Override
  public void routesChanged(int announced, int withdrawn, int failed) {
    routesAnnounced.add(announced);
    routesWithdrawn.add(withdrawn);
    routeFailures.add(failed);
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

  /**
   * Registers every series on {@link #registry}: the scorer's own (callbacks that read the fields above when scraped,
   * so the hot path keeps its plain {@link LongAdder}s), the latency histogram, and the client library's JVM and
   * process metrics ({@code jvm_*}, {@code process_*}).
   */
  private void register() {
    counter("records_in", "input Kafka records consumed (replays after a restart excluded)", recordsIn);
    counter("flows_in", "flow objects parsed from the input", flowsIn);
    counter("replayed_records", "records re-read after a restart to rebuild open windows", replayedRecords);
    counter("parse_errors", "input objects sent to the dead-letter topic", parseErrors);
    counter("late_records", "flows dropped because their window had already been scored", lateRecords);
    counter("retention_lost_records", "input records Kafka's retention deleted before the scorer read them"
        + " (skipped; the log names their offsets)", retentionLostRecords);
    counter("windows_scored", "window x scope key results committed to the output topic", windowsScored);
    counter("anomalies", "committed results above their model's threshold", anomalies);
    counter("model_reload_successes", "model versions loaded and validated", reloadSuccesses);
    counter("model_reload_failures", "model versions refused (checksum, spec, load or test inference)",
        reloadFailures);
    counter("transactions", "Kafka transactions committed", transactions);
    counter("restores", "rebuilds of the window state from the committed offsets", restores);
    counter("loop_failures", "unexpected exceptions in the scoring loop, each followed by a rebuild of the window"
        + " state", loopFailures);
    counter("record_failures", "input objects whose handling threw; dead-lettered with the exception",
        recordFailures);
    counter("flows_ahead_of_arrival", "flows stamped more than scorer.arrival-tolerance after their arrival"
        + " (exporter clock ahead): counted in their own window, not moving the watermark", flowsAheadOfArrival);
    counter("skipped_empty_windows", "empty global windows not scored: beyond scorer.max-gap-fill after the last"
        + " window with flows", skippedEmptyWindows);
    counter("overflow_flows", "flows featurised under the scope key overflow because their window already held"
        + " scorer.max-keys-per-window keys (re-reads after a restore included)", overflowFlows);
    counter("incidents_started", "incidents opened by the stream (scorer.incidents-topic)", incidentsStarted);
    counter("incidents_resolved", "incidents ended after incidents.quiet-windows quiet windows", incidentsResolved);
    counter("incident_notifications", "incident starts, updates and resolutions committed (what alerts are sent"
        + " for)", incidentNotifications);
    gauge("incidents_open", "incidents firing now", () -> incidentsOpen);
    counter("alerts_delivered", "incident notifications every receiver accepted (alerts.*)", alertsDelivered);
    counter("alerts_dead_lettered", "incident notifications a receiver did not take after alerts.max-attempts,"
        + " appended to alerts.dead-letter-file", alertsDeadLettered);
    counter("mitigation_proposals", "incident starts and updates whose mitigation proposals were written"
        + " (scorer.mitigations-topic, scorer.mitigations-file)", mitigationProposals);
    counter("mitigation_routes_announced", "routes the scorer announced itself (mitigation.mode=auto)",
        routesAnnounced);
    counter("mitigation_routes_withdrawn", "routes the scorer withdrew itself (mitigation.mode=auto)",
        routesWithdrawn);
    counter("mitigation_route_failures", "announcements and withdrawals of mitigation.mode=auto that failed (each"
        + " tried again: an announcement at the incident's next state, a withdrawal at every later one)",
        routeFailures);
    gauge("mitigation_routes_owed", "routes of resolved incidents still announced because their withdrawal failed"
        + " (mitigation.mode=auto); tried again at every later incident state and after a restart", () -> routesOwed);
    gauge("model_version", "registry version scoring the next window to close (0 = none yet)", () -> modelVersion);
    gauge("consumer_lag", "records between the consumer position and the end of the input partitions",
        () -> consumerLag);
    gauge("idle_partitions", "input partitions not holding the watermark back (read to their end and quiet for"
        + " scorer.idle-timeout, or never delivered a flow)", () -> idlePartitions);
    gauge("last_swap_seconds", "background load + validation time of the last hot swap (NaN: none yet)",
        () -> lastSwapSeconds);
    gauge("window_score", "verdict score of the latest committed window (its highest-scoring scope key), against"
        + " the verdict threshold 1.0: max(ae / ae threshold, ar / ar threshold)", () -> ofTop(ScoredWindow::score));
    gauge("window_ae_score", "the autoencoder's score (mean squared reconstruction error) of that result",
        () -> ofTop(ScoredWindow::aeScore));
    gauge("ae_threshold", "the autoencoder's threshold for that result (its traffic group's under dst-prefix)",
        () -> ofTop(ScoredWindow::aeThreshold));
    gauge("window_ar_score", "the AR forecaster's score of that result, in robust sigmas (NaN: no forecaster)",
        () -> ofTop(w -> w.arScore() == null ? Double.NaN : w.arScore()));
    gauge("ar_threshold", "the AR forecaster's threshold for that result (NaN: no forecaster)",
        () -> ofTop(w -> w.arThreshold() == null ? Double.NaN : w.arThreshold()));
    gauge("partitions", "input partitions assigned (new partitions of the input topics are added within ~30 s)",
        () -> partitions);
    gauge("exporters_ahead", "exporters (peer_ip_src) with a flow ahead of its arrival in the last 10 minutes",
        () -> exportersAhead);
    gauge("exporters_late", "exporters (peer_ip_src) with a late flow in the last 10 minutes", () -> exportersLate);
    gauge("exporter_hold_back_seconds", "how long the watermark waits now for exporters whose flows trail the"
        + " freshest exporter's (scorer.max-exporter-lag; the largest over this instance's source tasks)",
        () -> exporterHoldBack.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1e6);
    counter("untracked_exporter_flows", "flows of exporters beyond the " + ExporterClocks.MAX_EXPORTERS
        + " whose clocks are tracked (they hold no window back)", untrackedExporterFlows);
    // Only the process-wide collectors that need no listener: each ScorerMetrics (tests make many) has its own
    // registry, and the memory-pool allocation metrics would add a GC listener per registration that nothing removes.
    JvmMemoryMetrics.builder().register(registry);
    JvmBufferPoolMetrics.builder().register(registry);
    JvmGarbageCollectorMetrics.builder().register(registry);
    JvmThreadsMetrics.builder().register(registry);
    JvmClassLoadingMetrics.builder().register(registry);
    JvmCompilationMetrics.builder().register(registry);
    JvmRuntimeInfoMetric.builder().register(registry);
    ProcessMetrics.builder().register(registry);
  }

  /** Prometheus text exposition format 0.0.4 of every series (no {@code _created} series). */
  public String render() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16_384);
    try {
      TEXT.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private double ofTop(ToDoubleFunction<ScoredWindow> value) {
    ScoredWindow t = top;
    return t == null ? Double.NaN : value.applyAsDouble(t);
  }

  /** A counter {@code kaminari_scorer_<name>_total} reading {@code value}. */
  private void counter(String name, String help, LongAdder value) {
    CounterWithCallback.builder().name(PREFIX + name).help(help)
        .callback(cb -> cb.call(value.sum())).register(registry);
  }

  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(PREFIX + name).help(help)
        .callback(cb -> cb.call(value.getAsDouble())).register(registry);
  }
}
