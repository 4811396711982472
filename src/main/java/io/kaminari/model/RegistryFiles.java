package io.kaminari.model;

import io.kaminari.common.Renames;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The registry's file system and layout: where each part of a model lives under the root, and the few I/O steps every
 * part of the registry shares (whole-file read and write, hashing copy, best-effort delete, the atomic {@link Renames}).
 *
 * <pre>
 *   &lt;root&gt;/&lt;name&gt;/versions/&lt;n&gt;/                 the model's files + manifest.json; never modified once there
 *   &lt;root&gt;/&lt;name&gt;/history/&lt;alias&gt;/&lt;seq&gt;.json  one immutable {@link AliasEvent} per alias decision
 *   &lt;root&gt;/&lt;name&gt;/aliases/&lt;alias&gt;                text "3\n": a mirror of the alias for older readers
 *   &lt;root&gt;/&lt;name&gt;/_tmp/, _trash/                 staging of every write; versions being deleted
 * </pre>
 */
final class RegistryFiles {
  private static final String VERSIONS = "versions";
  private static final String ALIASES = "aliases";
  private static final String HISTORY = "history";
  private static final String NOTES = "notes";
  /** The name of a log entry: {@code <seq>.json}, the sequence number in ten digits. */
  private static final String ENTRY = "[0-9]{10}\\.json";
  static final String TMP = "_tmp";
  static final String TRASH = "_trash";
  private static final HexFormat HEX = HexFormat.of();

  final URI root;
  final Path rootPath;
  final FileSystem fs;
  final Renames renames;

  RegistryFiles(URI root, Configuration conf) {
    this.root = root;
    this.rootPath = new Path(root);
    try {
      FileSystem f = FileSystem.get(root, conf);
      // The checksumming local FS keeps ".crc" side files that do not follow the atomic java.nio renames of Renames;
      // the manifest's SHA-256 sums already protect every model file.
      this.fs = f instanceof LocalFileSystem l ? l.getRaw() : f;
      this.renames = new Renames(fs, conf);
    } catch (IOException e) {
      throw new ModelException("cannot open the model registry at " + root + ": " + e.getMessage(), e);
    }
  }

  Path modelDir(String name) {
    return new Path(rootPath, ModelRef.checkName("model", name));
  }

  Path versionsDir(String name) {
    return new Path(modelDir(name), VERSIONS);
  }

  Path versionDir(String name, int version) {
    return new Path(versionsDir(name), Integer.toString(version));
  }

  Path aliasesDir(String name) {
    return new Path(modelDir(name), ALIASES);
  }

  Path aliasFile(String name, String alias) {
    return new Path(aliasesDir(name), ModelRef.checkName("alias", alias));
  }

  Path historyRoot(String name) {
    return new Path(modelDir(name), HISTORY);
  }

  Path historyDir(String name, String alias) {
    return new Path(historyRoot(name), ModelRef.checkName("alias", alias));
  }

  /** The annotation log of {@code name/version} ({@link VersionNotes}). */
  Path notesDir(String name, int version) {
    return new Path(new Path(modelDir(name), NOTES), Integer.toString(version));
  }

  Path tmpDir(String name) {
    return new Path(modelDir(name), TMP);
  }

  /**
   * Claims entry {@code seq} of the append-only log in {@code dir} for {@code bytes} (staged under {@code name}'s tmp
   * directory): true if the entry was free and now holds them, false if another writer claimed it first. Atomic
   * wherever {@link Renames#renameIfAbsent} is: the compare-and-set of the alias and notes logs.
   */
  boolean claim(String name, Path dir, long seq, byte[] bytes) throws IOException {
    fs.mkdirs(dir);
    Path tmp = new Path(tmpDir(name), UUID.randomUUID() + ".entry");
    write(tmp, bytes, false);
    try {
      return renames.renameIfAbsent(tmp, new Path(dir, String.format(Locale.ROOT, "%010d.json", seq)));
    } finally {
      deleteQuietly(tmp);
    }
  }

  /** The entry of the log in {@code dir} with the highest sequence number (one listing), or null for none. */
  FileStatus newestEntry(Path dir) throws IOException {
    FileStatus newest = null;
    long seq = 0;
    for (FileStatus st : listOrEmpty(dir)) {
      long s = seqOf(st);
      if (s > seq) {
        seq = s;
        newest = st;
      }
    }
    return newest;
  }

  /** The sequence number of a log entry, or 0 when {@code st} is not one. */
  static long seqOf(FileStatus st) {
    String n = st.getPath().getName();
    return st.isFile() && n.matches(ENTRY) ? Long.parseLong(n.substring(0, 10)) : 0;
  }

  /** The entries of {@code dir}, or none when it does not exist. */
  FileStatus[] listOrEmpty(Path dir) throws IOException {
    try {
      return fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return new FileStatus[0];
    }
  }

  boolean exists(Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw new ModelException("cannot access " + p + ": " + e, e);
    }
  }

  byte[] read(Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  void write(Path p, byte[] bytes, boolean overwrite) throws IOException {
    try (FSDataOutputStream out = fs.create(p, overwrite)) {
      out.write(bytes);
    }
  }

  void deleteQuietly(Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException ignored) {
      // best effort: gc removes stale staging later
    }
  }

  /** Copies {@code in} to {@code out}; returns the SHA-256 of the bytes copied, as lower-case hex. */
  static String copyAndHash(InputStream in, OutputStream out) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must provide SHA-256", e);
    }
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      sha.update(buf, 0, n);
      out.write(buf, 0, n);
    }
    return HEX.formatHex(sha.digest());
  }
}
