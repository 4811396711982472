package io.kaminari.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.kaminari.common.JdkHttpServerTimeouts;
import io.kaminari.incidents.IncidentEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The scorer's read-only HTTP endpoints on the JDK's built-in server: {@code /healthz}, {@code /readyz},
 * {@code /metrics}, {@code /api/scores?since=ISO&scope=KEY} and the dashboard at {@code /}.
 *
 * <p>It starts before anything else so that liveness answers while Kafka or the model store are still unreachable.
 * {@code /healthz} is the scoring loop's liveness ({@link LoopHealth}): 503 with the reason once the loop died, was
 * fenced or made no progress for {@code scorer.stall-timeout}. Slow or stalled clients cannot starve the probes: the
 * server has {@link #THREADS} threads, and a connection whose request takes more than {@link #REQUEST_TIMEOUT_S} s
 * (or whose response takes more than {@link #RESPONSE_TIMEOUT_S} s) is closed.
 * With a bearer token ({@link BearerToken}), {@code /metrics}, {@code /api/} and the dashboard answer 401 unless the
 * request carries {@code Authorization: Bearer TOKEN}; the probes {@code /healthz} and {@code /readyz} stay open
 * because the kubelet calls them without credentials and they disclose nothing but up/ready.
 */
final class ScorerHttp implements AutoCloseable {
  /** Threads serving requests: more than a few stalled clients must hold at once to delay a probe. */
  static final int THREADS = 8;
  /** Seconds a client may take to send its request before the server closes the connection. */
  static final int REQUEST_TIMEOUT_S = JdkHttpServerTimeouts.REQUEST_SECONDS;
  /** Seconds the server may take to send a response (to a slow reader) before it closes the connection. */
  static final int RESPONSE_TIMEOUT_S = JdkHttpServerTimeouts.RESPONSE_SECONDS;

  static {
    JdkHttpServerTimeouts.apply();
  }

  private final HttpServer server;
  private final BearerToken token;

  /** An HTTP server without authentication, whose loop is always alive. */
  ScorerHttp(String host, int port, ScorerMetrics metrics, RecentScores recent, BooleanSupplier ready)
      throws IOException {
    this(host, port, null, metrics, recent, ready, () -> null);
  }

  /** An HTTP server with an optional bearer token, whose loop is always alive. */
  ScorerHttp(String host, int port, Path tokenFile, ScorerMetrics metrics, RecentScores recent,
      BooleanSupplier ready) throws IOException {
    this(host, port, tokenFile, metrics, recent, ready, () -> null);
  }

  /**
   * An HTTP server whose data endpoints require the bearer token in {@code tokenFile} (null = no authentication), and
   * whose {@code /healthz} answers 503 with {@code liveness}'s reason when it gives one (null = alive).
   *
   * @throws IllegalArgumentException if {@code tokenFile} is given but holds no token (fail closed, at start)
   */
  ScorerHttp(String host, int port, Path tokenFile, ScorerMetrics metrics, RecentScores recent,
      BooleanSupplier ready, Supplier<String> liveness) throws IOException {
    token = tokenFile == null ? null : BearerToken.load(tokenFile);
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.setExecutor(Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "kaminari-scorer-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", ex -> {
      String problem = liveness.get();
      reply(ex, problem == null ? 200 : 503, "text/plain", problem == null ? "ok\n" : problem + "\n");
    });
    server.createContext("/readyz", ex -> {
      boolean ok = ready.getAsBoolean();
      reply(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
    });
    server.createContext("/metrics", guarded(ex -> reply(ex, 200, "text/plain; version=0.0.4", metrics.render())));
    server.createContext("/api/scores", guarded(ex -> {
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      Instant since;
      try {
        since = q.containsKey("since") ? Instant.parse(q.get("since")) : null;
      } catch (RuntimeException e) {
        reply(ex, 400, "text/plain", "since must be an ISO-8601 instant such as 2024-05-01T00:00:00Z\n");
        return;
      }
      try {
        reply(ex, 200, "application/json", ScoredWindow.JSON.writeValueAsString(recent.query(since, q.get("scope"))));
      } catch (JsonProcessingException e) {
        reply(ex, 500, "text/plain", e.getMessage());
      }
    }));
    server.createContext("/api/incidents", guarded(ex -> {
      StringBuilder json = new StringBuilder("[");
      for (IncidentEvent e : recent.incidents()) {
        if (json.length() > 1) json.append(',');
        json.append(new String(e.toJson(), StandardCharsets.UTF_8));
      }
      reply(ex, 200, "application/json", json.append(']').toString());
    }));
    server.createContext("/", guarded(ex -> {
      if (!ex.getRequestURI().getPath().equals("/")) {
        reply(ex, 404, "text/plain", "not found\n");
        return;
      }
      reply(ex, 200, "text/html; charset=utf-8", Dashboard.render(recent.query(null, null), recent.incidents(),
          metrics.modelVersion(), ready.getAsBoolean()));
    }));
    server.start();
  }

  /** {@code handler} behind the bearer token, if there is one. */
  private HttpHandler guarded(HttpHandler handler) {
    if (token == null) return handler;
    return ex -> {
      if (token.admits(ex.getRequestHeaders().getFirst("Authorization"))) {
        handler.handle(ex);
      } else {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"kaminari-scorer\"");
        reply(ex, 401, "text/plain", "unauthorized: send Authorization: Bearer <token>\n");
      }
    };
  }

  /** The bound port (useful with port 0). */
  int port() {
    return server.getAddress().getPort();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) return out;
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
    if (status != 401 && !"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
      status = 405;
      body = "read-only: GET only\n";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
