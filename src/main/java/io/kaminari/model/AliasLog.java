package io.kaminari.model;

import io.kaminari.common.Renames;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aliases of every model, as append-only logs: {@code history/<alias>/<seq>.json} holds one {@link AliasEvent} per
 * decision, and the alias points wherever its newest entry left it. A decision is committed by claiming the name of the
 * entry after the one it was decided on ({@link Renames#renameIfAbsent}: atomic create-if-absent); if another writer
 * claimed it first, the alias changed meanwhile, and {@link #update} decides again on the new state. So every entry was
 * decided against the alias as its predecessor left it, on every file system where that claim is atomic.
 *
 * <p>{@code aliases/<alias>} ("3\n") is kept as a mirror for readers older than the log and for humans; it is read only
 * for an alias whose newest entry predates compare-and-set (or that has no history), which is how registries written in
 * the earlier layout keep working: their first new entry starts from the alias file's value.
 */
final class AliasLog {
  private static final Logger LOG = LoggerFactory.getLogger(AliasLog.class);
  /** Each failed claim means another writer committed; the bound only stops a writer that never gets a turn. */
  private static final int MAX_ATTEMPTS = 1_000;

  private final RegistryFiles files;
  private final String actor;

  AliasLog(RegistryFiles files, String actor) {
    this.files = files;
    this.actor = actor;
  }

  /**
   * An alias as read at one instant: the number of its newest history entry ({@code seq}, 0 for none), the version it
   * points at (null: no such alias) and the modification time of the file that said so.
   */
  record AliasState(String name, String alias, long seq, Integer version, long modifiedMillis) {}

  /** What a decision records: the version it names, whether the alias moves there, the action and why. */
  record Change(String action, int to, boolean moved, String reason) {}

  /** A decision on an alias, taken against its state; null means there is nothing to record. */
  @FunctionalInterface
  interface Decider {
    Change decide(AliasState current) throws IOException;
  }

  /** The alias as it is now: one listing of its history and one read of the newest entry (or of the alias file). */
  AliasState state(String name, String alias) throws IOException {
    FileStatus newest = files.newestEntry(files.historyDir(name, alias));
    long seq = newest == null ? 0 : RegistryFiles.seqOf(newest);
    if (newest != null) {
      AliasEvent e = readEntry(name, alias, newest.getPath());
      if (e.seq() != null) {
        if (e.seq() != seq) {
          throw new ModelException("history entry " + newest.getPath() + " of " + name + "@" + alias + " records seq "
              + e.seq() + "; it was renamed by hand");
        }
        return new AliasState(name, alias, seq, e.target(), newest.getModificationTime());
      }
    }
    // No entry committed by compare-and-set yet: the alias file is the alias (the layout before the log).
    Path file = files.aliasFile(name, alias);
    try {
      long mtime = files.fs.getFileStatus(file).getModificationTime();
      return new AliasState(name, alias, seq, parseAliasFile(name, alias, files.read(file)), mtime);
    } catch (FileNotFoundException e) {
      return new AliasState(name, alias, seq, null, 0);
    }
  }

  /** Every alias of {@code name} with a target, and that target, by alias name. */
  Map<String, Integer> aliases(String name) throws IOException {
    Set<String> names = new TreeSet<>();
    for (FileStatus st : files.listOrEmpty(files.aliasesDir(name))) {
      if (st.isFile() && ModelRef.NAME.matcher(st.getPath().getName()).matches()) names.add(st.getPath().getName());
    }
    for (FileStatus st : files.listOrEmpty(files.historyRoot(name))) {
      if (st.isDirectory() && ModelRef.NAME.matcher(st.getPath().getName()).matches()) names.add(st.getPath().getName());
    }
    Map<String, Integer> out = new TreeMap<>();
    for (String a : names) {
      Integer v = state(name, a).version();
      if (v != null) out.put(a, v);
    }
    return out;
  }

  /** Every entry of {@code name@alias}'s history, oldest first. */
  List<AliasEvent> history(String name, String alias) throws IOException {
    Map<Long, Path> entries = new TreeMap<>();
    for (FileStatus st : files.listOrEmpty(files.historyDir(name, alias))) {
      long s = RegistryFiles.seqOf(st);
      if (s > 0) entries.put(s, st.getPath());
    }
    List<AliasEvent> out = new ArrayList<>();
    for (Path p : entries.values()) out.add(readEntry(name, alias, p));
    return out;
  }

  /**
   * Runs {@code decide} on the alias as it is now and records its change as the alias's next history entry, unless
   * another writer recorded one first: then the alias may have moved, and {@code decide} runs again on the new state.
   * Returns the committed entry, or null when {@code decide} returned null (nothing to record). {@code decide} may run
   * several times and must not have side effects.
   */
  AliasEvent update(String name, String alias, Decider decide) throws IOException {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      AliasState now = state(name, alias);
      Change change = decide.decide(now);
      if (change == null) return null;
      AliasEvent event = new AliasEvent(now.seq() + 1, Instant.now(), alias, change.action(), now.version(),
          change.to(), change.moved(), change.reason(), actor);
      if (claim(name, event)) {
        if (event.moved()) mirror(name, alias, event.to());
        return event;
      }
    }
    throw new ModelException("cannot record a decision on " + name + "@" + alias + ": other writers changed it "
        + MAX_ATTEMPTS + " times while this one was deciding");
  }

  /** Claims entry {@code event.seq()}: true if it was free and now holds {@code event}, false if it was taken. */
  private boolean claim(String name, AliasEvent event) throws IOException {
    return files.claim(name, files.historyDir(name, event.alias()), event.seq(),
        ModelManifest.json().writeValueAsBytes(event));
  }

  /**
   * Brings the alias file in line with the log after a move. Writers finishing out of order can leave an older value
   * in it, so each re-reads the log after its write and writes again until what it wrote is what the log says: the
   * last writer to finish therefore leaves the log's value. A failure is logged, not thrown: the move is committed,
   * and only readers older than the log read this file.
   */
  private void mirror(String name, String alias, int version) {
    Path file = files.aliasFile(name, alias);
    Integer value = version;
    try {
      files.fs.mkdirs(files.aliasesDir(name));
      for (int i = 0; i < MAX_ATTEMPTS && value != null; i++) {
        Path tmp = new Path(files.tmpDir(name), UUID.randomUUID() + ".alias");
        files.write(tmp, (value + "\n").getBytes(StandardCharsets.UTF_8), false);
        try {
          files.renames.replace(tmp, file);
        } finally {
          files.deleteQuietly(tmp);
        }
        Integer now = state(name, alias).version();
        if (value.equals(now)) return;
        value = now;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}@{} moved to {}, but its mirror {} was not updated (readers older than the alias log may see an "
          + "older version until the next move): {}", name, alias, version, file, e.toString());
    }
  }

  private AliasEvent readEntry(String name, String alias, Path p) {
    try {
      return ModelManifest.json().readValue(files.read(p), AliasEvent.class);
    } catch (IOException e) {
      throw new ModelException("unreadable history entry " + p + " of " + name + "@" + alias + ": " + e, e);
    }
  }


  private static Integer parseAliasFile(String name, String alias, byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8).trim();
    if (!text.matches("[1-9][0-9]{0,8}")) {
      throw new ModelException("alias file of " + name + "@" + alias + " holds '" + text + "', not a version number");
    }
    return Integer.parseInt(text);
  }
}
