package io.kaminari.common;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The two atomic primitives every registry write and the compaction lock are built on: claim a new name
 * ({@link #renameIfAbsent}) and replace a small file ({@link #replace}), each implemented with the operation that is
 * actually atomic on the file system.
 *
 * <p>Hadoop's generic calls are not enough: {@code FileSystem.rename} moves a directory <em>into</em> an existing
 * destination directory (on HDFS and locally), and the local implementations of "create if absent" and "rename with
 * overwrite" check and then act, so two publishers can both win. Hence:
 * <ul>
 *   <li>HDFS (and any other non-local file system): {@code FileContext.rename} with {@code Rename.NONE} or
 *       {@code Rename.OVERWRITE}, a single NameNode operation under its namespace lock: it fails with
 *       {@code FileAlreadyExistsException} or replaces, atomically. (On object stores such as s3a, rename is a copy, so
 *       only the single-publisher guarantees hold there; see docs/models.md.)
 *   <li>Local: POSIX calls through java.nio. A directory is claimed by {@code rename(2)}, which fails when the
 *       destination is a non-empty directory (version directories are never empty: they hold manifest.json); a file is
 *       claimed by {@code link(2)}, which fails when the destination exists; a file is replaced by {@code rename(2)},
 *       which replaces atomically.
 * </ul>
 */
public final class Renames {
  private final FileSystem fs;
  private final FileContext fc;
  private final boolean local;

  /** On {@code fs}; a local file system must be the raw one (no checksum side files that the java.nio calls skip). */
  public Renames(FileSystem fs, Configuration conf) throws IOException {
    this.fs = fs;
    this.local = fs instanceof RawLocalFileSystem;
    this.fc = local ? null : FileContext.getFileContext(fs.getUri(), conf);
  }

  /**
   * Renames {@code src} (a file or directory) to {@code dst} unless {@code dst} exists, as one atomic step; returns
   * false, leaving {@code src} in place, when {@code dst} already existed. The parent of {@code dst} must exist.
   */
  public boolean renameIfAbsent(Path src, Path dst) throws IOException {
    if (!local) {
      try {
        fc.rename(src, dst, Options.Rename.NONE);
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      }
    }
    java.nio.file.Path s = nio(src);
    java.nio.file.Path d = nio(dst);
    if (Files.isDirectory(s, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.move(s, d, StandardCopyOption.ATOMIC_MOVE);
        return true;
      } catch (IOException e) {
        // rename(2) reports ENOTEMPTY or EEXIST (depending on the file system) when the name is taken.
        if (Files.exists(d, LinkOption.NOFOLLOW_LINKS) && Files.exists(s, LinkOption.NOFOLLOW_LINKS)) return false;
        throw e;
      }
    }
    try {
      Files.createLink(d, s);
    } catch (FileAlreadyExistsException e) {
      return false;
    }
    Files.delete(s);
    return true;
  }

  /** Replaces the file {@code dst} by {@code src} atomically: a reader sees the old or the new content, never neither. */
  public void replace(Path src, Path dst) throws IOException {
    if (local) {
      Files.move(nio(src), nio(dst), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } else {
      fc.rename(src, dst, Options.Rename.OVERWRITE);
    }
  }

  private java.nio.file.Path nio(Path p) {
    return java.nio.file.Path.of(fs.makeQualified(p).toUri());
  }
}
