package io.kaminari.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The immutable, numbered versions of every model: publishing (stage, then claim the next free number), listing,
 * reading and verifying manifests, and garbage collection. Knows nothing of aliases: {@link ModelRegistry} moves
 * {@code latest} after a publish and tells gc which versions the aliases protect.
 */
final class VersionStore {
  /** Staging left behind by a crashed publisher is removed by {@link #gc} once it is this old. */
  static final Duration STALE_STAGING = Duration.ofHours(24);
  private static final int MAX_CLAIM_ATTEMPTS = 10_000;

  private final RegistryFiles files;

  VersionStore(RegistryFiles files) {
    this.files = files;
  }

  /**
   * Copies and hashes the files of {@code localDir} into private staging, writes manifest.json last, and renames the
   * staging directory to {@code versions/<n>} only if that name is free (else rewrites the manifest for the next number
   * and tries again). Returns the published manifest.
   */
  ModelManifest publish(String name, java.nio.file.Path localDir, ModelManifest draft) {
    ModelRef.checkName("model", name);
    if (!draft.isDraft()) {
      throw new IllegalArgumentException("publish takes a draft manifest (version 0), got " + draft.name() + "/"
          + draft.version() + "; the registry assigns version, created time and files");
    }
    if (!draft.name().equals(name)) {
      throw new IllegalArgumentException("the draft manifest names model " + draft.name() + ", not " + name);
    }
    List<String> local = localFiles(localDir);
    Path staging = new Path(files.tmpDir(name), UUID.randomUUID().toString());
    try {
      Map<String, String> sums = new TreeMap<>();
      for (String rel : local) {
        try (InputStream in = Files.newInputStream(localDir.resolve(rel));
            FSDataOutputStream out = files.fs.create(new Path(staging, rel), false)) {
          sums.put(rel, RegistryFiles.copyAndHash(in, out));
        }
      }
      Path versions = files.versionsDir(name);
      files.fs.mkdirs(versions);
      Instant created = Instant.now();
      int n = newest(name) + 1;
      for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        ModelManifest published = draft.published(n, created, sums);
        files.write(new Path(staging, ModelManifest.FILE_NAME), published.toJsonBytes(), true);
        if (files.renames.renameIfAbsent(staging, new Path(versions, Integer.toString(n)))) return published;
        n = Math.max(n + 1, newest(name) + 1); // someone else claimed n: take the next free number
      }
      throw new ModelException("cannot publish " + name + ": no free version number after " + MAX_CLAIM_ATTEMPTS
          + " attempts");
    } catch (IOException e) {
      throw new ModelException("cannot publish " + name + " to " + files.root + ": " + e, e);
    } finally {
      files.deleteQuietly(staging);
    }
  }

  private static List<String> localFiles(java.nio.file.Path dir) {
    if (!Files.isDirectory(dir)) throw new IllegalArgumentException("model directory " + dir + " does not exist");
    List<String> out;
    try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
      out = walk.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString().replace(dir.getFileSystem().getSeparator(), "/"))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list model directory " + dir, e);
    }
    if (out.isEmpty()) throw new IllegalArgumentException("model directory " + dir + " holds no files");
    for (String rel : out) {
      try {
        ModelManifest.checkRelativePath(rel);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot publish " + dir + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The highest published version of {@code name}, 0 when there is none. */
  int newest(String name) throws IOException {
    return versionsUnchecked(name).stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** The names of all models, sorted. */
  List<String> list() {
    try {
      if (!files.fs.exists(files.rootPath)) return List.of();
      List<String> names = new ArrayList<>();
      for (FileStatus st : files.fs.listStatus(files.rootPath)) {
        String n = st.getPath().getName();
        if (st.isDirectory() && ModelRef.NAME.matcher(n).matches() && files.fs.exists(files.versionsDir(n))) {
          names.add(n);
        }
      }
      names.sort(null);
      return names;
    } catch (IOException e) {
      throw new ModelException("cannot list models in " + files.root + ": " + e, e);
    }
  }

  /** Throws a {@link ModelException} naming the known models unless {@code name} has been published. */
  void requireModel(String name) {
    if (!files.exists(files.versionsDir(name))) {
      List<String> known = list();
      throw new ModelException("no model named " + name + " in " + files.root
          + (known.isEmpty() ? " (the registry is empty)" : " (models: " + String.join(", ", known) + ")"));
    }
  }

  /** The published versions of {@code name}, ascending. */
  List<Integer> versions(String name) {
    requireModel(name);
    try {
      return versionsUnchecked(name);
    } catch (IOException e) {
      throw new ModelException("cannot list versions of " + name + " in " + files.root + ": " + e, e);
    }
  }

  List<Integer> versionsUnchecked(String name) throws IOException {
    List<Integer> out = new ArrayList<>();
    for (FileStatus st : files.listOrEmpty(files.versionsDir(name))) {
      String n = st.getPath().getName();
      if (st.isDirectory() && n.matches("[1-9][0-9]{0,8}")) out.add(Integer.parseInt(n));
    }
    out.sort(null);
    return out;
  }

  boolean exists(String name, int version) {
    return files.exists(files.versionDir(name, version));
  }

  /** The validated manifest of {@code name/version}; see {@link ModelRegistry#manifest(String, int)}. */
  ModelManifest manifest(String name, int version) {
    String where = name + "/" + version;
    byte[] bytes;
    try {
      bytes = files.read(new Path(files.versionDir(name, version), ModelManifest.FILE_NAME));
    } catch (FileNotFoundException e) {
      requireModel(name);
      throw new ModelException(exists(name, version)
          ? where + " has no " + ModelManifest.FILE_NAME + "; it cannot be used"
          : name + " has no version " + version);
    } catch (IOException e) {
      throw new ModelException("cannot read the manifest of " + where + " in " + files.root + ": " + e, e);
    }
    ModelManifest m = ModelManifest.fromJson(new String(bytes, StandardCharsets.UTF_8), where);
    if (!m.name().equals(name) || m.version() != version) {
      throw new ModelException("the manifest of " + where + " describes " + m.name() + "/" + m.version()
          + "; the version directory was copied or renamed by hand and cannot be used");
    }
    return m;
  }

  /** Checks {@code name/version} in place (manifest, exact file list, every SHA-256); returns the manifest. */
  ModelManifest verify(String name, int version) {
    ModelManifest m = manifest(name, version);
    String where = name + "/" + version;
    Path dir = files.versionDir(name, version);
    try {
      checkListing(where, m, remoteFiles(dir));
      for (Map.Entry<String, String> f : m.files().entrySet()) {
        try (InputStream in = files.fs.open(new Path(dir, f.getKey()))) {
          checkSum(where, f.getKey(), f.getValue(), RegistryFiles.copyAndHash(in, OutputStream.nullOutputStream()));
        }
      }
      return m;
    } catch (IOException e) {
      throw new ModelException("cannot verify " + where + " in " + files.root + ": " + e, e);
    }
  }

  /** Throws unless the version directory holds exactly the manifest's files (plus manifest.json). */
  static void checkListing(String where, ModelManifest m, Set<String> present) {
    Set<String> missing = new TreeSet<>(m.files().keySet());
    missing.removeAll(present);
    if (!missing.isEmpty()) throw new ModelException(where + " is incomplete: missing " + missing);
    Set<String> extra = new TreeSet<>(present);
    extra.removeAll(m.files().keySet());
    extra.remove(ModelManifest.FILE_NAME);
    if (!extra.isEmpty()) {
      throw new ModelException(where + " holds files its manifest does not list: " + extra + "; it was modified");
    }
  }

  static void checkSum(String where, String file, String expected, String actual) {
    if (!expected.equals(actual)) {
      throw new ModelException("checksum mismatch for " + file + " in " + where + ": expected " + expected + " got "
          + actual);
    }
  }

  /** The relative paths of every file under {@code dir}. */
  Set<String> remoteFiles(Path dir) throws IOException {
    Set<String> out = new TreeSet<>();
    String prefix = files.fs.makeQualified(dir).toUri().getPath() + "/";
    RemoteIterator<LocatedFileStatus> it = files.fs.listFiles(dir, true);
    while (it.hasNext()) {
      String p = it.next().getPath().toUri().getPath();
      out.add(p.startsWith(prefix) ? p.substring(prefix.length()) : p);
    }
    return out;
  }

  /**
   * Deletes every version except the newest {@code keep} and those {@code aliased} names (asked again before each
   * deletion); each goes to {@code _trash/} first by one atomic rename. Also removes staging older than a day.
   */
  List<Integer> gc(String name, int keep, Supplier<Collection<Integer>> aliased) {
    if (keep < 1) throw new IllegalArgumentException("gc must keep at least 1 version, got " + keep);
    List<Integer> versions = versions(name);
    Set<Integer> kept = new HashSet<>(versions.subList(Math.max(0, versions.size() - keep), versions.size()));
    List<Integer> deleted = new ArrayList<>();
    try {
      for (int v : versions) {
        if (kept.contains(v)) continue;
        // Re-read the aliases just before each deletion to narrow the window for a concurrent promotion.
        if (aliased.get().contains(v)) continue;
        Path trash = new Path(new Path(files.modelDir(name), RegistryFiles.TRASH), v + "-" + UUID.randomUUID());
        files.fs.mkdirs(trash.getParent());
        if (files.renames.renameIfAbsent(files.versionDir(name, v), trash)) {
          files.fs.delete(trash, true);
          deleted.add(v);
        }
      }
      deleteStaleStaging(name);
      return deleted;
    } catch (IOException e) {
      throw new ModelException("gc of " + name + " in " + files.root + " failed after deleting " + deleted + ": " + e,
          e);
    }
  }

  private void deleteStaleStaging(String name) throws IOException {
    long cutoff = System.currentTimeMillis() - STALE_STAGING.toMillis();
    for (String dir : List.of(RegistryFiles.TMP, RegistryFiles.TRASH)) {
      for (FileStatus st : files.listOrEmpty(new Path(files.modelDir(name), dir))) {
        if (dir.equals(RegistryFiles.TRASH) || st.getModificationTime() < cutoff) files.fs.delete(st.getPath(), true);
      }
    }
  }
}
