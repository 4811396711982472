package io.kaminari.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deleting a local directory tree, the one way every job, tool and test does it. */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes {@code dir} and everything under it, deepest first; a missing (or null) {@code dir} is nothing to do.
   *
   * @throws IOException if a file cannot be deleted (what was deleted before it stays deleted)
   */
  public static void delete(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  /**
   * As {@link #delete}, best effort, for scratch and staging directories whose leftovers nothing reads again (their
   * names are random): a failure is not thrown.
   *
   * @return whether {@code dir} is gone
   */
  public static boolean deleteQuietly(Path dir) {
    try {
      delete(dir);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
