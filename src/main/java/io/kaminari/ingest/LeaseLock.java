package io.kaminari.ingest;

import io.kaminari.common.Renames;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mutual-exclusion lock on a Hadoop file system (HDFS, local) that survives a killed holder: a lease the holder
 * renews, which another process may take over only after watching it go unrenewed for a whole time-to-live.
 *
 * <p>The lock is a directory of lease files {@code lease-<generation>}, each written once by the process that created
 * it and then only rewritten by that process (renewals, release). Taking the lock is creating the next generation,
 * {@code lease-(g+1)}, with the atomic create-if-absent of {@link Renames} (HDFS: one NameNode rename; local:
 * {@code link(2)}), and only when {@code lease-g} is released or was seen unrenewed for the time-to-live, so of two
 * contenders exactly one gets each generation, and a live holder, which renews every third of the time-to-live, is never
 * taken over. The highest generation is never deleted, and a contender that finds a higher generation than its own after
 * creating it backs off, so there is at most one holder. Staleness is judged on the contender's own monotonic clock
 * (how long the renewal counter it reads has not moved), never by comparing clocks of two hosts.
 *
 * <p>A holder stalled longer than the time-to-live (a GC pause, a frozen VM) can lose the lock to another process; it
 * notices at its next renewal, and {@link #check} (which the holder calls before every commit) then fails. On object
 * stores without an atomic rename (s3a) the create-if-absent is not exclusive: put the lock directory on HDFS or a
 * local file system (docs/operations.md, "Landing and compaction").
 */
final class LeaseLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseLock.class);
  private static final String PREFIX = "lease-";
  private static final String RELEASED = "released";
  private static final String HELD = "held";

  private final FileSystem fs;
  private final Renames renames;
  private final Path dir;
  private final String owner;
  private final Duration ttl;
  private final long generation;
  private final Instant taken = Instant.now();
  private final Thread renewer;
  private final Object monitor = new Object();
  private boolean stopping;
  private volatile long beat;
  private volatile long lastRenewalNanos;
  private volatile String lost;

  private LeaseLock(FileSystem fs, Renames renames, Path dir, String owner, Duration ttl, long generation) {
    this.fs = fs;
    this.renames = renames;
    this.dir = dir;
    this.owner = owner;
    this.ttl = ttl;
    this.generation = generation;
    this.lastRenewalNanos = System.nanoTime();
    this.renewer = new Thread(this::renewLoop, "lease-lock-" + dir.getName());
    renewer.setDaemon(true);
  }

  /**
   * Takes the lock of {@code dir} (created if missing), waiting up to {@code wait}; {@code onWait} runs once when the
   * lock is found held by another process.
   *
   * @throws IllegalStateException if the lock is still held by another (live) process after {@code wait}, naming it
   */
  static LeaseLock acquire(Path dir, Configuration conf, Duration ttl, Duration wait, Runnable onWait)
      throws IOException, InterruptedException {
    FileSystem fs = dir.getFileSystem(conf);
    if (fs instanceof LocalFileSystem local) fs = local.getRaw(); // no .crc side files beside the atomic java.nio calls
    Renames renames = new Renames(fs, conf);
    fs.mkdirs(dir);
    String owner = UUID.randomUUID() + " " + host() + " pid " + ProcessHandle.current().pid();
    long deadline = System.nanoTime() + wait.toNanos();
    long poll = Math.max(50, Math.min(5_000, ttl.toMillis() / 6));
    String seenLease = null; // the generation and renewal counter last read, and since when it has not moved
    long seenSince = 0;
    boolean waited = false;
    while (true) {
      long g = highest(fs, dir);
      String content = g == 0 ? null : read(fs, lease(dir, g));
      boolean free = g == 0 || content == null || field(content, "state").equals(RELEASED);
      if (!free) {
        String seen = g + "/" + field(content, "beat");
        if (!seen.equals(seenLease)) {
          seenLease = seen;
          seenSince = System.nanoTime();
        } else if (System.nanoTime() - seenSince > ttl.toNanos()) {
          LOG.warn("taking over the lock {}: lease {} ({}) was not renewed for {}", dir, g, field(content, "owner"), ttl);
          free = true;
        }
      }
      if (free) {
        LeaseLock lock = new LeaseLock(fs, renames, dir, owner, ttl, g + 1);
        if (lock.create()) {
          if (highest(fs, dir) == g + 1) {
            lock.renewer.start();
            lock.deleteOlder();
            return lock;
          }
          fs.delete(lease(dir, g + 1), false); // a higher generation exists: someone else holds it
        }
        continue;
      }
      if (!waited) {
        waited = true;
        LOG.info("waiting for the lock {}, held by {}", dir, field(content, "owner"));
        onWait.run();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the lock " + dir + " is held by " + field(content, "owner") + " (lease " + g
            + ", taken " + field(content, "taken") + ", renewed "
            + field(content, "renewed") + "); waited " + wait + ". If that process is gone, its lease"
            + " expires " + ttl + " after its last renewal");
      }
      TimeUnit.MILLISECONDS.sleep(poll);
    }
  }

  /** Fails if this process no longer holds the lock (taken over after a stall, or renewals failing for too long). */
  void check() {
    if (lost == null && System.nanoTime() - lastRenewalNanos > ttl.toNanos()) {
      lost = "not renewed for " + ttl + " (the file system failed or the process stalled)";
    }
    if (lost != null) {
      throw new IllegalStateException("lost the lock " + dir + ": " + lost + "; nothing more is committed");
    }
  }

  /** Releases the lock (the next contender takes it at once). */
  @Override
  public void close() throws IOException {
    try {
      stopRenewing();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (lost == null && owner.equals(field(read(fs, lease(dir, generation)), "owner"))) {
      write(RELEASED);
    }
  }

  /** Stops renewing without releasing, as a killed process would (tests). */
  void abandon() throws InterruptedException {
    stopRenewing();
  }

  /** Stops the renewals, letting one in flight finish (an interrupted HDFS write would leave its file behind). */
  private void stopRenewing() throws InterruptedException {
    synchronized (monitor) {
      stopping = true;
      monitor.notifyAll();
    }
    renewer.join(60_000);
  }

  private boolean create() throws IOException {
    Path tmp = new Path(dir, "." + PREFIX + UUID.randomUUID());
    writeFile(tmp, HELD);
    if (renames.renameIfAbsent(tmp, lease(dir, generation))) return true;
    fs.delete(tmp, false);
    return false;
  }

  private void write(String state) throws IOException {
    Path tmp = new Path(dir, "." + PREFIX + UUID.randomUUID());
    writeFile(tmp, state);
    renames.replace(tmp, lease(dir, generation));
  }

  private void writeFile(Path p, String state) throws IOException {
    try (FSDataOutputStream out = fs.create(p, false)) {
      out.write(("owner=" + owner + "\tbeat=" + beat + "\tstate=" + state + "\ttaken=" + taken + "\trenewed="
          + Instant.now() + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
  }

  private void renewLoop() {
    long interval = Math.max(10, ttl.toMillis() / 3);
    while (true) {
      try {
        synchronized (monitor) {
          if (!stopping) monitor.wait(interval);
          if (stopping) return;
        }
        long top = highest(fs, dir);
        String content = read(fs, lease(dir, generation));
        if (top != generation || content == null || !owner.equals(field(content, "owner"))) {
          lost = "lease " + generation + " was taken over (the highest lease is now " + top + ")";
          LOG.error("lost the lock {}: {}", dir, lost);
          return;
        }
        beat++;
        write(HELD);
        lastRenewalNanos = System.nanoTime();
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot renew the lock {} (retrying): {}", dir, e.toString());
      }
    }
  }

  /** Deletes the leases below this one (they can never be taken again: a higher generation exists). */
  private void deleteOlder() {
    try {
      for (FileStatus s : fs.listStatus(dir, p -> p.getName().startsWith(PREFIX))) {
        if (generation(s.getPath()) < generation) fs.delete(s.getPath(), false);
      }
    } catch (IOException e) {
      LOG.warn("cannot clean up the old leases of {}: {}", dir, e.toString());
    }
  }

  private static Path lease(Path dir, long generation) {
    return new Path(dir, PREFIX + String.format("%019d", generation));
  }

  private static long generation(Path p) {
    return Long.parseLong(p.getName().substring(PREFIX.length()));
  }

  /** The highest lease generation in {@code dir}, 0 when there is none. */
  private static long highest(FileSystem fs, Path dir) throws IOException {
    long top = 0;
    for (FileStatus s : fs.listStatus(dir, p -> p.getName().startsWith(PREFIX))) {
      top = Math.max(top, generation(s.getPath()));
    }
    return top;
  }

  /** The content of a lease, or null when it does not exist (deleted between a listing and this read). */
  private static String read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  private static String field(String content, String name) {
    if (content == null) return "";
    for (String f : content.split("\t")) {
      if (f.startsWith(name + "=")) return f.substring(name.length() + 1);
    }
    return "";
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return ManagementFactory.getRuntimeMXBean().getName();
    }
  }

  @Override
  public String toString() {
    return "lock " + dir + " (lease " + generation + ")";
  }
}
