package io.kaminari.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The scorer's read-only HTTP endpoints on the JDK's built-in server: {@code /healthz}, {@code /readyz},
 * {@code /metrics}, {@code /api/scores?since=ISO&scope=KEY} and the dashboard at {@code /}.
 *
 * <p>It starts before anything else so that liveness answers while Kafka or the model store are still unreachable.
 */
final class ScorerHttp implements AutoCloseable {
  private final HttpServer server;

  ScorerHttp(String host, int port, ScorerMetrics metrics, RecentScores recent, BooleanSupplier ready)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "kaminari-scorer-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", ex -> reply(ex, 200, "text/plain", "ok\n"));
    server.createContext("/readyz", ex -> {
      boolean ok = ready.getAsBoolean();
      reply(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
    });
    server.createContext("/metrics", ex -> reply(ex, 200, "text/plain; version=0.0.4", metrics.render()));
    server.createContext("/api/scores", ex -> {
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
    });
    server.createContext("/", ex -> {
      if (!ex.getRequestURI().getPath().equals("/")) {
        reply(ex, 404, "text/plain", "not found\n");
        return;
      }
      reply(ex, 200, "text/html; charset=utf-8", Dashboard.render(recent.query(null, null), metrics.modelVersion(),
          ready.getAsBoolean()));
    });
    server.start();
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
    if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
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
