package io.kaminari.model;

import java.nio.file.Path;

/**
 * A model version copied to local disk and verified: every file's SHA-256 matched its manifest, and the manifest is
 * consistent (and matched the expected feature spec when one was given). {@code dir} holds the files and a copy of
 * manifest.json; DJL loads the parameters from it.
 */
public record LoadedModel(ModelManifest manifest, Path dir) {
  /** The local copy of one of the manifest's files, e.g. {@code file("flow-ae-0010.params")}. */
  public Path file(String relativePath) {
    if (!manifest.files().containsKey(relativePath)) {
      throw new IllegalArgumentException(manifest.name() + "/" + manifest.version() + " has no file " + relativePath
          + "; files: " + manifest.files().keySet());
    }
    return dir.resolve(relativePath);
  }
}
