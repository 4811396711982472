package io.kaminari.alerts;

import io.kaminari.incidents.IncidentEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic JSON webhook: each notification is POSTed as the incident state ({@link IncidentEvent#toJson}) with
 * {@code X-Kaminari-Event} (start, update, resolve), {@code X-Kaminari-Delivery} (incident id-seq: the same for a
 * redelivery, so the receiver deduplicates on it), and, with a secret, {@code X-Kaminari-Signature:
 * sha256=<hex HMAC-SHA256 of the body>} for the receiver to check that the request comes from Kaminari unchanged.
 */
final class WebhookReceiver implements Receiver {
  static final String SIGNATURE = "X-Kaminari-Signature";
  static final String DELIVERY = "X-Kaminari-Delivery";
  static final String EVENT = "X-Kaminari-Event";

  private final URI uri;
  private final Map<String, String> headers;
  private final String authToken;
  private final byte[] secret;

  /**
   * @param headers extra headers, {@code Name: value} pairs separated by {@code ;} (empty = none)
   * @param authToken a bearer token, empty = none
   * @param secret the HMAC key, empty = unsigned
   * @throws IllegalArgumentException on a header without {@code :} or a URL that is not http(s)
   */
  WebhookReceiver(String url, String headers, String authToken, String secret) {
    this.uri = URI.create(url);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("alerts.webhook-url must be an http or https URL, got " + url);
    }
    this.headers = parseHeaders(headers);
    this.authToken = authToken;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String name() {
    return "webhook " + uri;
  }

  @Override
  public void deliver(IncidentEvent e) throws IOException, Rejected, InterruptedException {
    byte[] body = e.toJson();
    HttpRequest.Builder r = HttpRequest.newBuilder()
        .header(EVENT, e.kind().name().toLowerCase(Locale.ROOT))
        .header(DELIVERY, e.deliveryId());
    headers.forEach(r::header);
    if (!authToken.isEmpty()) r.header("Authorization", "Bearer " + authToken);
    if (secret.length > 0) r.header(SIGNATURE, signature(secret, body));
    Receiver.post(uri, body, r);
  }

  /** {@code sha256=} and the hex HMAC-SHA256 of {@code body} under {@code key}. */
  static String signature(byte[] key, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> parseHeaders(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : text.split(";")) {
      if (pair.isBlank()) continue;
      int colon = pair.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("alerts.webhook-headers: expected `Name: value`, got `" + pair.strip()
            + "`");
      }
      out.put(pair.substring(0, colon).strip(), pair.substring(colon + 1).strip());
    }
    return out;
  }
}
