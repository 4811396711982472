package io.kaminari.tools.upstream;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the external programs the upstream chain runs (nfacctd, softflowd); a missing one fails with how to install it. */
public final class Tools {
  private Tools() {}

  /** Where Debian installs daemons, searched after PATH (nfacctd and softflowd live in /usr/sbin, often not on PATH). */
  static final List<String> SBIN = List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin");

  /** Thrown when a program the chain needs is not installed; its message names the Debian package. */
  public static final class MissingToolException extends IllegalStateException {
    MissingToolException(String message) {
      super(message);
    }
  }

  /**
   * The absolute path of {@code program} (PATH, then the sbin directories).
   *
   * @throws MissingToolException naming {@code debianPackage} when it is not installed
   */
  public static String require(String program, String debianPackage) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(SBIN);
    return require(program, debianPackage, dirs);
  }

  /** {@link #require(String, String)} over the given directories only. */
  static String require(String program, String debianPackage, List<String> dirs) {
    for (String d : dirs) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
    }
    throw new MissingToolException(program + " is not installed: the upstream chain runs the real program. Install"
        + " the Debian package with `apt-get install " + debianPackage + "` (.ci/run does this on CI).");
  }

  /** Fails unless both programs of the chain are installed, naming every missing package at once. */
  public static void requireChain() {
    List<String> missing = new ArrayList<>();
    for (String[] t : new String[][] {{"nfacctd", "pmacct"}, {"softflowd", "softflowd"}}) {
      try {
        require(t[0], t[1]);
      } catch (MissingToolException e) {
        missing.add(t[0] + " (Debian package " + t[1] + ")");
      }
    }
    if (!missing.isEmpty()) {
      throw new MissingToolException("the upstream chain needs " + String.join(" and ", missing) + ", which "
          + (missing.size() == 1 ? "is" : "are") + " not installed: run `apt-get install -y pmacct softflowd`.");
    }
  }
}
