package io.kaminari.model;

import io.kaminari.common.FileTrees;
import io.kaminari.features.FeatureSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;

/**
 * Verified local copies of registry versions, under {@code cacheDir/<name>/<version>/}: a version is downloaded into
 * private staging while hashing, and renamed into place only when every SHA-256 matches; a copy already there is
 * re-hashed before it is reused, and replaced if damaged.
 */
final class LocalCache {
  private final RegistryFiles files;
  private final VersionStore versions;

  LocalCache(RegistryFiles files, VersionStore versions) {
    this.files = files;
    this.versions = versions;
  }

  /** See {@link ModelRegistry#load(ModelRef, Path, FeatureSpec)}; {@code version} exists (resolved by the caller). */
  LoadedModel load(String name, int version, Path localCacheDir, FeatureSpec expected) {
    String where = name + "/" + version;
    ModelManifest m = versions.manifest(name, version);
    if (expected != null && !m.specId().equals(expected.id())) {
      throw new ModelException("feature spec mismatch for " + where + ": the model was trained on spec "
          + m.specId() + " ('" + m.spec().name() + "', dimension " + m.spec().dimension() + ") but the caller uses "
          + expected.id() + " ('" + expected.name() + "', dimension " + expected.dimension() + ")");
    }
    Path modelCache = localCacheDir.resolve(name);
    Path target = modelCache.resolve(Integer.toString(version));
    Path staging = modelCache.resolve(".tmp-" + UUID.randomUUID());
    try {
      if (Files.isDirectory(target)) {
        try {
          verifyLocal(where, m, target);
          return new LoadedModel(m, target);
        } catch (ModelException stale) {
          FileTrees.deleteQuietly(target); // a damaged cache is replaced by a fresh download
        }
      }
      org.apache.hadoop.fs.Path dir = files.versionDir(name, version);
      VersionStore.checkListing(where, m, versions.remoteFiles(dir));
      for (Map.Entry<String, String> f : m.files().entrySet()) {
        Path local = staging.resolve(f.getKey());
        Files.createDirectories(local.getParent());
        String actual;
        try (InputStream in = files.fs.open(new org.apache.hadoop.fs.Path(dir, f.getKey()));
            OutputStream out = Files.newOutputStream(local)) {
          actual = RegistryFiles.copyAndHash(in, out);
        }
        VersionStore.checkSum(where, f.getKey(), f.getValue(), actual);
      }
      Files.write(staging.resolve(ModelManifest.FILE_NAME), m.toJsonBytes());
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        if (!Files.isDirectory(target)) throw raced;
        verifyLocal(where, m, target); // another loader got there first
      }
      return new LoadedModel(m, target);
    } catch (IOException e) {
      throw new ModelException("cannot load " + where + " from " + files.root + " into " + localCacheDir + ": " + e, e);
    } finally {
      FileTrees.deleteQuietly(staging);
    }
  }

  private static void verifyLocal(String where, ModelManifest m, Path dir) throws IOException {
    for (Map.Entry<String, String> f : m.files().entrySet()) {
      Path p = dir.resolve(f.getKey());
      if (!Files.isRegularFile(p)) throw new ModelException("cached copy of " + where + " lacks " + f.getKey());
      try (InputStream in = Files.newInputStream(p)) {
        VersionStore.checkSum(where, f.getKey(), f.getValue(),
            RegistryFiles.copyAndHash(in, OutputStream.nullOutputStream()));
      }
    }
  }
}
