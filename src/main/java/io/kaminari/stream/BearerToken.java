package io.kaminari.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;

/**
 * The scorer's HTTP bearer token, read from a file (a Kubernetes Secret volume) and re-read when the file changes,
 * so a rotated Secret takes effect without a restart.
 *
 * <p>Fails closed: a file that becomes unreadable or empty admits nobody until it holds a token again. Tokens are
 * compared in constant time.
 */
final class BearerToken {
  private static final String SCHEME = "Bearer ";
  private final Path file;
  private FileTime loadedAt;
  private byte[] token;

  private BearerToken(Path file) {
    this.file = file;
  }

  /**
   * The token in {@code file}: its content without surrounding white space.
   *
   * @throws IllegalArgumentException if the file cannot be read or holds no token
   */
  static BearerToken load(Path file) {
    BearerToken t = new BearerToken(file);
    try {
      t.refresh();
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException("cannot read the scorer's HTTP token file " + file + ": " + e.getMessage(), e);
    }
    if (t.token == null) {
      throw new IllegalArgumentException("the scorer's HTTP token file " + file + " is empty");
    }
    return t;
  }

  /** Whether an {@code Authorization} header value (null if absent) carries this token. */
  synchronized boolean admits(String authorization) {
    try {
      refresh();
    } catch (IOException | UncheckedIOException e) {
      token = null; // fail closed until the file is readable again
      loadedAt = null;
    }
    if (token == null || authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return false;
    }
    byte[] offered = authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(token, offered);
  }

  private void refresh() throws IOException {
    FileTime modified = Files.getLastModifiedTime(file); // follows the ..data symlink Kubernetes swaps on rotation
    if (modified.equals(loadedAt)) return;
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    token = text.isEmpty() ? null : text.getBytes(StandardCharsets.UTF_8);
    loadedAt = modified;
  }
}
