package io.kaminari.upstream;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the external programs the upstream chain needs; a missing one fails the test with how to install it. */
final class Tools {
  private Tools() {}

  /** The absolute path of {@code program} (PATH, then the sbin directories Debian installs daemons to). */
  static String require(String program, String debianPackage) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"));
    for (String d : dirs) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, program);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
    }
    throw new AssertionError(program + " is not installed: the upstream chain tests run the real program. Install it"
        + " with `apt-get install " + debianPackage + "` (.ci/run does this on CI).");
  }
}
