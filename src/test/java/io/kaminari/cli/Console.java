package io.kaminari.cli;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures System.out and System.err (and restores them, with System.in) around each test, for tests that run the CLI
 * through {@link Main#run}. Register with {@code @RegisterExtension final Console console = new Console();}.
 */
final class Console implements BeforeEachCallback, AfterEachCallback {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;
  private InputStream oldIn;

  @Override
  public void beforeEach(ExtensionContext context) {
    oldOut = System.out;
    oldErr = System.err;
    oldIn = System.in;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    System.setOut(oldOut);
    System.setErr(oldErr);
    System.setIn(oldIn);
  }

  /** What was printed to stdout since the last {@link #reset}. */
  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** What was printed to stderr since the last {@link #reset}. */
  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** Forgets what was captured so far. */
  void reset() {
    out.reset();
    err.reset();
  }
}
