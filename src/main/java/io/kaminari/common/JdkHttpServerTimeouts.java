package io.kaminari.common;

/**
 * Request and response timeouts for the JDK's built-in HTTP server ({@code com.sun.net.httpserver}), whose API has
 * none: properties of its implementation make its timer close connections whose request or response takes too long.
 * The implementation reads them <em>once per JVM, when the first server is created</em>, so every process that runs a
 * server (the scorer's, a test's receiver) calls {@link #apply} before creating any; a server created first without
 * them would leave every later one without timeouts, and two clients sending half a request would hold two of its
 * threads forever.
 */
public final class JdkHttpServerTimeouts {
  /** Seconds a client may take to send its request before the server closes the connection. */
  public static final int REQUEST_SECONDS = 10;
  /** Seconds the server may take to send a response (to a slow reader) before it closes the connection. */
  public static final int RESPONSE_SECONDS = 30;

  private JdkHttpServerTimeouts() {}

  /** Sets the timeouts unless the JVM was started with other values for them. */
  public static void apply() {
    setDefault("sun.net.httpserver.maxReqTime", REQUEST_SECONDS);
    setDefault("sun.net.httpserver.maxRspTime", RESPONSE_SECONDS);
  }

  private static void setDefault(String property, int seconds) {
    if (System.getProperty(property) == null) System.setProperty(property, Integer.toString(seconds));
  }
}
