package io.kaminari.stream;

import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * Main class of {@code kaminari-scorer.jar}: puts exactly the jars its manifest's {@code Kaminari-Libs} attribute
 * names (relative to the jar, colon-separated) on a fresh class path, then runs {@link ScorerMain}.
 *
 * <p>Why not a plain {@code Class-Path} manifest entry: Maven trims the space separator that attribute needs, so
 * the list is written colon-separated and split here. No Spark or Scala jar is ever on this class path.
 */
public final class ScorerLauncher {
  /** Manifest attribute listing the scorer's dependency jars. */
  static final String LIBS = "Kaminari-Libs";

  private ScorerLauncher() {}

  public static void main(String[] args) throws Throwable {
    io.kaminari.common.LogFormat.select(new String[0], System.getenv()); // before log4j starts: refuses a bad name
    URL self = ScorerLauncher.class.getProtectionDomain().getCodeSource().getLocation();
    Path jar = Path.of(self.toURI());
    String libs = null;
    if (jar.toString().endsWith(".jar")) {
      try (JarFile jf = new JarFile(jar.toFile())) {
        libs = jf.getManifest() == null ? null : jf.getManifest().getMainAttributes().getValue(LIBS);
      }
    }
    ClassLoader loader = ScorerLauncher.class.getClassLoader();
    if (libs != null) {
      List<URL> urls = new ArrayList<>();
      urls.add(self);
      for (String lib : libs.split(":")) {
        if (!lib.isBlank()) urls.add(jar.resolveSibling(lib.trim()).toUri().toURL());
      }
      loader = new URLClassLoader("kaminari-scorer", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
      Thread.currentThread().setContextClassLoader(loader); // DJL and log4j find their service providers through it
    }
    try {
      loader.loadClass(ScorerMain.class.getName()).getMethod("main", String[].class).invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
