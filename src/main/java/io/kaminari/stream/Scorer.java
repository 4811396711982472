package io.kaminari.stream;

import io.kaminari.alerts.AlertRelay;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.flow.EventTimePolicy;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A running streaming scorer: HTTP server first (so liveness answers at once), then the model provider and the
 * scoring loop; {@link #close()} stops all three.
 */
public final class Scorer implements AutoCloseable {
  private final ScorerMetrics metrics = new ScorerMetrics();
  private final RecentScores recent;
  private final ScorerHttp http;
  private final ModelProvider provider;
  private final ScoringLoop loop;
  private final KaminariConfig config;
  private final Map<String, String> kafka;
  private final String modelName;
  /** Sends incident notifications; null when no receiver is configured. */
  private AlertRelay alerts;
  /** Writes mitigation proposals; null when no output is configured. */
  private MitigationRelay mitigations;
  private final ScorerOptions options;

  private Scorer(KaminariConfig config) {
    recent = new RecentScores(config.get(Settings.SCORER_RECENT));
    ModelRef ref = ModelRef.parse(config.get(Settings.SCORER_MODEL));
    Map<String, String> kafka = new HashMap<>();
    config.passThrough(Settings.KAFKA_PREFIX)
        .forEach((k, v) -> kafka.put(k.substring(Settings.KAFKA_PREFIX.length()), v));
    ScorerOptions options = new ScorerOptions(config.get(Settings.BOOTSTRAP_SERVERS),
        config.get(Settings.TOPICS), config.get(Settings.SCORER_OUTPUT_TOPIC),
        config.get(Settings.SCORER_DEAD_LETTER_TOPIC), config.get(Settings.SCORER_GROUP),
        config.get(Settings.SCORER_ALLOWED_LATENESS), EventTimePolicy.from(config),
        config.get(Settings.SCORER_IDLE_TIMEOUT), config.get(Settings.COLLECTOR_ZONE), kafka,
        config.get(Settings.SCORER_ARRIVAL_TOLERANCE), config.get(Settings.SCORER_MAX_GAP_FILL),
        config.get(Settings.SCORER_MAX_KEYS_PER_WINDOW), config.get(Settings.SCORER_STALL_TIMEOUT),
        config.get(Settings.SCORER_INCIDENTS_TOPIC), config.get(Settings.INCIDENT_QUIET_WINDOWS),
        config.get(Settings.INCIDENT_UPDATE_INTERVAL), config.get(Settings.SCORER_MAX_EXPORTER_LAG));
    ScoringLoop[] holder = new ScoringLoop[1];
    try {
      String tokenFile = config.get(Settings.SCORER_HTTP_AUTH_TOKEN_FILE);
      http = new ScorerHttp(config.get(Settings.SCORER_HTTP_HOST), config.get(Settings.SCORER_HTTP_PORT),
          tokenFile.isBlank() ? null : Path.of(tokenFile), metrics, recent,
          () -> holder[0] != null && holder[0].ready(), () -> holder[0] == null ? null : holder[0].liveness());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the scorer's HTTP server: " + e.getMessage(), e);
    }
    provider = new ModelProvider(ModelRegistry.fromConfig(config), ref, Path.of(config.get(Settings.SCORER_CACHE)),
        config.get(Settings.SCORER_MODEL_POLL), metrics);
    loop = config.get(Settings.SCORER_MODE).equals("scale-out")
        ? new ScaleOutScorer(options, config.get(Settings.SCORER_STREAM_THREADS),
            config.get(Settings.SCORER_FLUSH_INTERVAL), Path.of(config.get(Settings.SCORER_CACHE), "streams"), provider,
            metrics, recent, ref.name(), config.get(Settings.INCIDENT_MAX_AGE))
        : new StreamingScorer(options, provider, metrics, recent);
    holder[0] = loop;
    this.config = config;
    this.kafka = kafka;
    this.modelName = ref.name();
    this.options = options;
  }

  /** Starts a scorer configured by {@code config} (see the {@code scorer.*} keys in {@link Settings}). */
  public static Scorer start(KaminariConfig config) {
    Scorer s = new Scorer(config);
    s.alerts = AlertRelay.start(s.config, s.kafka, s.modelName, s.metrics);
    s.mitigations = MitigationRelay.start(s.config, s.options, s.modelName, s.metrics);
    s.provider.start();
    s.loop.start();
    return s;
  }

  public int httpPort() {
    return http.port();
  }

  public boolean ready() {
    return loop.ready();
  }

  /** Null while the scoring loop is alive, else why not (what {@code /healthz} answers 503 with). */
  public String liveness() {
    return loop.liveness();
  }

  public ScorerMetrics metrics() {
    return metrics;
  }

  public RecentScores recent() {
    return recent;
  }

  /** Polls the model reference now instead of waiting for the interval (tests, bench). */
  public void checkModelNow() {
    provider.check();
  }

  @Override
  public void close() {
    loop.close();
    provider.close();
    http.close();
    try {
      if (alerts != null) alerts.close();
      if (mitigations != null) mitigations.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
