package io.kaminari.features;


import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Finds, stores and registers feature specs: a spec argument resolves to a file, a generated spec in the model store,
 * or a spec bundled in the jar; vectors' spec ids resolve through the {@code feature_specs} table.
 *
 * <p>Generated specs live in the model store (any Hadoop FileSystem, {@code ${model.store}/specs/<id>.json}) rather
 * than in the source tree, because they are data of a deployment; the bundled ones are the reviewed seeds.
 */
public final class FeatureSpecs {
  private FeatureSpecs() {}

  /** Classpath folder of the bundled specs ({@code models/specs} of the source tree, see the pom's resources). */
  static final String BUNDLED_DIR = "/models/specs/";
  /** Folder of generated specs under the model store. */
  public static final String STORE_DIR = "specs";
  private static final String SUFFIX = ".json";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /**
   * The spec {@code ref} names, tried in order: an existing file path; {@code <modelStore>/specs/<ref>.json} (a
   * generated spec, by id); the bundled {@code models/specs/<ref>.json} (e.g. {@code seed-global}).
   *
   * @throws IllegalArgumentException if nothing matches or the spec does not parse or validate (the message says which)
   */
  public static FeatureSpec resolve(String ref, String modelStore) {
    if (ref == null || ref.isBlank()) throw new IllegalArgumentException("a feature spec (file or name) is required");
    Path file = Path.of(ref);
    if (Files.isRegularFile(file)) return FeatureSpec.read(file);
    if (NAME.matcher(ref).matches()) {
      String name = ref.endsWith(SUFFIX) ? ref.substring(0, ref.length() - SUFFIX.length()) : ref;
      Optional<String> stored = readIfExists(storePath(modelStore, name));
      if (stored.isPresent()) return parse(stored.get(), storePath(modelStore, name));
      try (InputStream in = FeatureSpecs.class.getResourceAsStream(BUNDLED_DIR + name + SUFFIX)) {
        if (in != null) return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled spec " + name);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalArgumentException("feature spec '" + ref + "' is neither a file, nor a spec in "
        + modelStore + "/" + STORE_DIR + ", nor a bundled spec (seed-global, seed-dst-prefix)");
  }

  /** Where the model store keeps the spec of this id (or name): {@code <modelStore>/specs/<id>.json}. */
  public static String storePath(String modelStore, String id) {
    return modelStore.replaceAll("/+$", "") + "/" + STORE_DIR + "/" + id + SUFFIX;
  }

  /** Writes {@link FeatureSpec#toJson()} to {@code path} (any Hadoop FileSystem URI or local path), replacing it. */
  public static void write(FeatureSpec spec, String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try {
      FileSystem fs = p.getFileSystem(new Configuration());
      if (p.getParent() != null) fs.mkdirs(p.getParent());
      try (OutputStream out = fs.create(p, true)) {
        out.write(spec.toJson().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write feature spec " + path, e);
    }
  }

  private static FeatureSpec parse(String json, String origin) {
    try {
      return FeatureSpec.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> readIfExists(String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try {
      FileSystem fs = p.getFileSystem(new Configuration());
      if (!fs.isFile(p)) return Optional.empty();
      try (InputStream in = fs.open(p)) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }
}
