package io.kaminari.incidents;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Writes ExaBGP API commands to ExaBGP's named pipe ({@code exabgp.api.pipename}), which ExaBGP reads and announces
 * from: how {@code mitigation.mode=announce} announces.
 *
 * <p>Only a named pipe is accepted: a regular file at the path would take the commands and announce nothing. Opening
 * a pipe for writing blocks until a reader opens it, so a pipe nobody reads (ExaBGP not running) fails after the
 * timeout with nothing written, rather than hanging the command.
 */
public final class ExabgpPipe {
  private ExabgpPipe() {}

  /** {@code S_IFMT} and {@code S_IFIFO} of {@code st_mode}. */
  private static final int FILE_TYPE = 0170000;
  private static final int FIFO = 0010000;

  /**
   * The ExaBGP command withdrawing what {@code announce} (an {@code announce ...} command, as {@link Mitigations}
   * writes it) announced: the same text after {@code withdraw}, which ExaBGP matches against its announced routes.
   */
  static String withdrawal(String announce) {
    if (!announce.startsWith("announce ")) {
      throw new IllegalArgumentException("not an ExaBGP announce command: " + announce);
    }
    return "withdraw" + announce.substring("announce".length());
  }

  /** Writes {@code commands}, one per line, in one write; fails with a clear message if nobody reads the pipe. */
  public static void write(Path pipe, List<String> commands, Duration timeout) throws IOException {
    if (!Files.exists(pipe)) {
      throw new IOException("no ExaBGP pipe at " + pipe + " (mitigation.exabgp-pipe): nothing written");
    }
    int mode = (Integer) Files.getAttribute(pipe, "unix:mode");
    if ((mode & FILE_TYPE) != FIFO) {
      throw new IOException(pipe + " (mitigation.exabgp-pipe) is not a named pipe: nothing written");
    }
    byte[] text = commands.stream().map(c -> c + "\n").collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8);
    CompletableFuture<OutputStream> opening = CompletableFuture.supplyAsync(() -> {
      try {
        return Files.newOutputStream(pipe, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    OutputStream out;
    try {
      out = opening.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Open the pipe for reading ourselves, which releases the blocked open, then close both unwritten.
      try (InputStream release = Files.newInputStream(pipe); OutputStream unused = opening.join()) {
        throw new IOException("nobody read ExaBGP's pipe " + pipe + " within " + timeout.toSeconds()
            + " s (is ExaBGP running with exabgp.api.pipename?): nothing written");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening " + pipe, e);
    } catch (ExecutionException e) {
      throw new IOException("cannot open ExaBGP's pipe " + pipe + ": " + e.getCause().getMessage(), e.getCause());
    }
    try (out) {
      out.write(text);
    }
  }
}
