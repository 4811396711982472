package io.kaminari.alerts;

import io.kaminari.incidents.IncidentEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Where incident notifications go: Prometheus Alertmanager ({@link AlertmanagerReceiver}) or a webhook. */
interface Receiver {
  HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A name for logs and the dead-letter file, e.g. {@code alertmanager http://am:9093}. */
  String name();

  /**
   * Delivers one notification; returns when the receiver accepted it (HTTP 2xx).
   *
   * @throws Rejected if the receiver refused it for good (a 4xx other than 408 and 429): retrying cannot help
   * @throws IOException if it failed in a way a retry may not (no connection, a timeout, 408, 429, 5xx)
   */
  void deliver(IncidentEvent event) throws IOException, Rejected, InterruptedException;

  /** A refusal that no retry changes. */
  final class Rejected extends Exception {
    Rejected(String message) {
      super(message);
    }
  }

  /** POSTs {@code body} as JSON to {@code uri} with {@code request}'s extra headers and checks the status. */
  static void post(URI uri, byte[] body, HttpRequest.Builder request) throws IOException, Rejected,
      InterruptedException {
    HttpResponse<String> r = HTTP.send(request.uri(uri).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    int status = r.statusCode();
    if (status / 100 == 2) return;
    String detail = "HTTP " + status + " from " + uri + ": " + excerpt(r.body());
    if (status / 100 == 4 && status != 408 && status != 429) throw new Rejected(detail);
    throw new IOException(detail);
  }

  private static String excerpt(String body) {
    String b = body == null ? "" : body.strip();
    return b.length() <= 300 ? b : b.substring(0, 300) + "...";
  }
}
