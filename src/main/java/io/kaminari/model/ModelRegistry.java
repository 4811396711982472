package io.kaminari.model;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A registry of immutable, numbered model versions with movable aliases, on any Hadoop FileSystem (HDFS, s3a, local).
 *
 * <p>Layout under the root (see docs/models.md):
 * <pre>
 *   &lt;root&gt;/&lt;name&gt;/versions/&lt;n&gt;/           the model's files + manifest.json; never modified once there
 *   &lt;root&gt;/&lt;name&gt;/aliases/&lt;alias&gt;          text: the version number the alias points at
 *   &lt;root&gt;/&lt;name&gt;/history/&lt;alias&gt;/&lt;seq&gt;.json  one immutable {@link AliasEvent} per move or refused promotion
 *   &lt;root&gt;/&lt;name&gt;/_tmp/, _trash/           staging of publishes and alias writes; versions being deleted
 * </pre>
 *
 * <p>Every write is one of two atomic steps ({@link Renames}): a complete directory or file is staged under
 * {@code _tmp} and then renamed to a new name that must not exist yet (versions, history entries; on collision the next
 * number is tried), or an alias file is replaced by rename. So readers never see a partial version, two publishers never
 * get the same number, and an alias always names one complete version.
 *
 * <p>Spark-free on purpose: the streaming scorer loads models through this class with only the Hadoop client on its
 * classpath. Thread-safe; instances are cheap.
 */
public final class ModelRegistry {
  private static final String VERSIONS = "versions";
  private static final String ALIASES = "aliases";
  private static final String HISTORY = "history";
  private static final String TMP = "_tmp";
  private static final String TRASH = "_trash";
  /** Staging left behind by a crashed publisher is removed by {@link #gc} once it is this old. */
  static final Duration STALE_STAGING = Duration.ofHours(24);
  private static final int MAX_CLAIM_ATTEMPTS = 10_000;
  private static final HexFormat HEX = HexFormat.of();

  private final URI root;
  private final Path rootPath;
  private final FileSystem fs;
  private final Renames renames;
  private final String actor;

  /** A registry rooted at {@code root} (e.g. {@code hdfs://nn:8020/kaminari/models}); nothing is created until a write. */
  public ModelRegistry(URI root, Configuration conf) {
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
    this.actor = System.getProperty("user.name", "unknown");
  }

  /**
   * The registry of {@link Settings#MODEL_STORE}, with every {@code spark.hadoop.*} setting of the config applied to
   * the Hadoop configuration (so s3a credentials and HDFS client settings are given once, for Spark and registry alike).
   */
  public static ModelRegistry fromConfig(KaminariConfig config) {
    Configuration conf = new Configuration();
    String prefix = Settings.SPARK_PREFIX + "hadoop.";
    config.passThrough(prefix).forEach((k, v) -> conf.set(k.substring(prefix.length()), v));
    return new ModelRegistry(config.get(Settings.MODEL_STORE), conf);
  }

  /** The root URI. */
  public URI root() {
    return root;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Publishing

  /**
   * Publishes the files of {@code localDir} (recursively) with {@code draft} as version max+1 of {@code name}, then
   * moves {@code latest} to it; returns the published manifest (version, created and files filled in).
   *
   * <p>The files are copied and hashed into a private staging directory, manifest.json is written last, and the
   * directory is renamed to {@code versions/<n>} only if that name is free; otherwise the manifest is rewritten for n+1
   * and the rename retried. Concurrent publishers therefore get distinct numbers and never touch each other's versions.
   */
  public ModelManifest publish(String name, java.nio.file.Path localDir, ModelManifest draft) {
    ModelRef.checkName("model", name);
    if (!draft.isDraft()) {
      throw new IllegalArgumentException("publish takes a draft manifest (version 0), got " + draft.name() + "/"
          + draft.version() + "; the registry assigns version, created time and files");
    }
    if (!draft.name().equals(name)) {
      throw new IllegalArgumentException("the draft manifest names model " + draft.name() + ", not " + name);
    }
    List<String> files = localFiles(localDir);
    Path staging = new Path(tmpDir(name), UUID.randomUUID().toString());
    try {
      Map<String, String> sums = new TreeMap<>();
      for (String rel : files) {
        try (InputStream in = Files.newInputStream(localDir.resolve(rel));
            FSDataOutputStream out = fs.create(new Path(staging, rel), false)) {
          sums.put(rel, copyAndHash(in, out));
        }
      }
      Path versions = versionsDir(name);
      fs.mkdirs(versions);
      Instant created = Instant.now();
      int n = nextVersion(name);
      for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        ModelManifest published = draft.published(n, created, sums);
        write(new Path(staging, ModelManifest.FILE_NAME), published.toJsonBytes(), true);
        if (renames.renameIfAbsent(staging, new Path(versions, Integer.toString(n)))) {
          try {
            moveLatest(name, n);
          } catch (IOException e) {
            throw new ModelException("published " + name + "/" + n + " but could not move " + ModelRef.LATEST
                + " to it: " + e, e);
          }
          return published;
        }
        n = Math.max(n + 1, nextVersion(name)); // someone else claimed n: take the next free number
      }
      throw new ModelException("cannot publish " + name + ": no free version number after " + MAX_CLAIM_ATTEMPTS
          + " attempts");
    } catch (IOException e) {
      throw new ModelException("cannot publish " + name + " to " + root + ": " + e, e);
    } finally {
      deleteQuietly(staging);
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

  private int nextVersion(String name) throws IOException {
    return versionsUnchecked(name).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
  }

  /**
   * Moves {@code latest} forward to the newest version. Publishers finishing out of order could otherwise move it
   * backwards; each publisher re-checks after its own write, so the last one to finish leaves it at the maximum.
   */
  private void moveLatest(String name, int published) throws IOException {
    for (int i = 0; i < 100; i++) {
      int newest = nextVersion(name) - 1;
      Integer current = readAlias(name, ModelRef.LATEST);
      if (current != null && current >= newest) return;
      moveAlias(name, ModelRef.LATEST, current, newest, AliasEvent.PUBLISH, newest == published
          ? "published version " + published : "published version " + published + "; newest is " + newest);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading

  /** The names of all models, sorted. */
  public List<String> list() {
    try {
      if (!fs.exists(rootPath)) return List.of();
      List<String> names = new ArrayList<>();
      for (FileStatus st : fs.listStatus(rootPath)) {
        String n = st.getPath().getName();
        if (st.isDirectory() && ModelRef.NAME.matcher(n).matches() && fs.exists(versionsDir(n))) names.add(n);
      }
      names.sort(null);
      return names;
    } catch (IOException e) {
      throw new ModelException("cannot list models in " + root + ": " + e, e);
    }
  }

  /** The published versions of {@code name}, ascending; an unknown model is an error naming the known ones. */
  public List<Integer> versions(String name) {
    requireModel(name);
    try {
      return versionsUnchecked(name);
    } catch (IOException e) {
      throw new ModelException("cannot list versions of " + name + " in " + root + ": " + e, e);
    }
  }

  private List<Integer> versionsUnchecked(String name) throws IOException {
    Path dir = versionsDir(name);
    List<Integer> out = new ArrayList<>();
    FileStatus[] entries;
    try {
      entries = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return out;
    }
    for (FileStatus st : entries) {
      String n = st.getPath().getName();
      if (st.isDirectory() && n.matches("[1-9][0-9]{0,8}")) out.add(Integer.parseInt(n));
    }
    out.sort(null);
    return out;
  }

  /** Every alias of {@code name} and the version it points at, by alias name. */
  public Map<String, Integer> aliases(String name) {
    requireModel(name);
    Map<String, Integer> out = new TreeMap<>();
    try {
      FileStatus[] entries;
      try {
        entries = fs.listStatus(aliasesDir(name));
      } catch (FileNotFoundException e) {
        return out;
      }
      for (FileStatus st : entries) {
        String a = st.getPath().getName();
        if (st.isFile() && ModelRef.NAME.matcher(a).matches()) {
          Integer v = readAlias(name, a);
          if (v != null) out.put(a, v);
        }
      }
      return out;
    } catch (IOException e) {
      throw new ModelException("cannot read aliases of " + name + " in " + root + ": " + e, e);
    }
  }

  /** The version {@code ref} names; an unknown model, version or alias is an error listing what exists. */
  public int resolve(ModelRef ref) {
    requireModel(ref.name());
    try {
      if (ref.version() != null) {
        if (!fs.exists(versionDir(ref.name(), ref.version()))) {
          throw new ModelException(ref.name() + " has no version " + ref.version() + " (versions: "
              + versionsUnchecked(ref.name()) + ")");
        }
        return ref.version();
      }
      Integer v = readAlias(ref.name(), ref.alias());
      if (v == null) {
        throw new ModelException(ref.name() + " has no alias " + ref.alias() + " (aliases: "
            + aliases(ref.name()).keySet() + ")");
      }
      if (!fs.exists(versionDir(ref.name(), v))) {
        throw new ModelException(ref + " points at version " + v + ", which does not exist");
      }
      return v;
    } catch (IOException e) {
      throw new ModelException("cannot resolve " + ref + " in " + root + ": " + e, e);
    }
  }

  /** The manifest of {@code ref}. */
  public ModelManifest manifest(ModelRef ref) {
    return manifest(ref.name(), resolve(ref));
  }

  /**
   * The manifest of {@code name/version}, validated (a manifest that fails validation, or that names another model or
   * version than its directory, is an error: it was edited or moved by hand).
   */
  public ModelManifest manifest(String name, int version) {
    String where = name + "/" + version;
    byte[] bytes;
    try {
      bytes = read(new Path(versionDir(name, version), ModelManifest.FILE_NAME));
    } catch (FileNotFoundException e) {
      requireModel(name);
      throw new ModelException(exists(versionDir(name, version))
          ? where + " has no " + ModelManifest.FILE_NAME + "; it cannot be used"
          : name + " has no version " + version);
    } catch (IOException e) {
      throw new ModelException("cannot read the manifest of " + where + " in " + root + ": " + e, e);
    }
    ModelManifest m = ModelManifest.fromJson(new String(bytes, StandardCharsets.UTF_8), where);
    if (!m.name().equals(name) || m.version() != version) {
      throw new ModelException("the manifest of " + where + " describes " + m.name() + "/" + m.version()
          + "; the version directory was copied or renamed by hand and cannot be used");
    }
    return m;
  }

  /**
   * Checks {@code name/version} in place: the manifest is valid and the version directory holds exactly its files, each
   * with the recorded SHA-256. Returns the manifest; any problem is a {@link ModelException} naming file and version.
   */
  public ModelManifest verify(String name, int version) {
    ModelManifest m = manifest(name, version);
    String where = name + "/" + version;
    Path dir = versionDir(name, version);
    try {
      checkListing(where, m, remoteFiles(dir));
      for (Map.Entry<String, String> f : m.files().entrySet()) {
        try (InputStream in = fs.open(new Path(dir, f.getKey()))) {
          checkSum(where, f.getKey(), f.getValue(), copyAndHash(in, OutputStream.nullOutputStream()));
        }
      }
      return m;
    } catch (IOException e) {
      throw new ModelException("cannot verify " + where + " in " + root + ": " + e, e);
    }
  }

  /** {@link #load(ModelRef, java.nio.file.Path, FeatureSpec)} without a spec check. */
  public LoadedModel load(ModelRef ref, java.nio.file.Path localCacheDir) {
    return load(ref, localCacheDir, null);
  }

  /**
   * Copies {@code ref} to {@code localCacheDir/<name>/<version>/} and verifies it: the manifest is consistent (spec id
   * matches the embedded spec, statistics match its dimension), it matches {@code expected} (when not null), and every
   * file's SHA-256 matches. A verified local copy is reused after re-hashing it. Nothing that fails a check is ever
   * returned or left in place under the version's local directory.
   */
  public LoadedModel load(ModelRef ref, java.nio.file.Path localCacheDir, FeatureSpec expected) {
    int version = resolve(ref);
    String name = ref.name();
    String where = name + "/" + version;
    ModelManifest m = manifest(name, version);
    if (expected != null && !m.specId().equals(expected.id())) {
      throw new ModelException("feature spec mismatch for " + where + ": the model was trained on spec "
          + m.specId() + " ('" + m.spec().name() + "', dimension " + m.spec().dimension() + ") but the caller uses "
          + expected.id() + " ('" + expected.name() + "', dimension " + expected.dimension() + ")");
    }
    java.nio.file.Path modelCache = localCacheDir.resolve(name);
    java.nio.file.Path target = modelCache.resolve(Integer.toString(version));
    java.nio.file.Path staging = modelCache.resolve(".tmp-" + UUID.randomUUID());
    try {
      if (Files.isDirectory(target)) {
        try {
          verifyLocal(where, m, target);
          return new LoadedModel(m, target);
        } catch (ModelException stale) {
          deleteLocal(target); // a damaged cache is replaced by a fresh download
        }
      }
      Path dir = versionDir(name, version);
      checkListing(where, m, remoteFiles(dir));
      for (Map.Entry<String, String> f : m.files().entrySet()) {
        java.nio.file.Path local = staging.resolve(f.getKey());
        Files.createDirectories(local.getParent());
        String actual;
        try (InputStream in = fs.open(new Path(dir, f.getKey()));
            OutputStream out = Files.newOutputStream(local)) {
          actual = copyAndHash(in, out);
        }
        checkSum(where, f.getKey(), f.getValue(), actual);
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
      throw new ModelException("cannot load " + where + " from " + root + " into " + localCacheDir + ": " + e, e);
    } finally {
      deleteLocal(staging);
    }
  }

  private void verifyLocal(String where, ModelManifest m, java.nio.file.Path dir) throws IOException {
    for (Map.Entry<String, String> f : m.files().entrySet()) {
      java.nio.file.Path p = dir.resolve(f.getKey());
      if (!Files.isRegularFile(p)) throw new ModelException("cached copy of " + where + " lacks " + f.getKey());
      try (InputStream in = Files.newInputStream(p)) {
        checkSum(where, f.getKey(), f.getValue(), copyAndHash(in, OutputStream.nullOutputStream()));
      }
    }
  }

  private static void checkListing(String where, ModelManifest m, Set<String> present) {
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

  private static void checkSum(String where, String file, String expected, String actual) {
    if (!expected.equals(actual)) {
      throw new ModelException("checksum mismatch for " + file + " in " + where + ": expected " + expected + " got "
          + actual);
    }
  }

  private Set<String> remoteFiles(Path dir) throws IOException {
    Set<String> out = new TreeSet<>();
    String prefix = fs.makeQualified(dir).toUri().getPath() + "/";
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      String p = it.next().getPath().toUri().getPath();
      out.add(p.startsWith(prefix) ? p.substring(prefix.length()) : p);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Aliases

  /**
   * A cheap snapshot of what {@code name@alias} points at, for polling: one status call and one read of a few bytes.
   */
  public AliasStamp aliasStamp(String name, String alias) {
    ModelRef ref = ModelRef.alias(name, alias);
    try {
      long mtime = fs.getFileStatus(aliasFile(name, alias)).getModificationTime();
      Integer v = readAlias(name, alias);
      if (v == null) throw new FileNotFoundException();
      return new AliasStamp(name, alias, v, mtime);
    } catch (FileNotFoundException e) {
      requireModel(name);
      throw new ModelException(ref + " does not exist (aliases: " + aliases(name).keySet() + ")");
    } catch (IOException e) {
      throw new ModelException("cannot read " + ref + " in " + root + ": " + e, e);
    }
  }

  /** The history of {@code name@alias}, oldest first: every move and every refused promotion. */
  public List<AliasEvent> history(String name, String alias) {
    ModelRef.checkName("alias", alias);
    requireModel(name);
    Path dir = historyDir(name, alias);
    try {
      List<AliasEvent> out = new ArrayList<>();
      for (long seq : historySeqs(dir)) {
        Path p = new Path(dir, seqName(seq));
        try {
          out.add(ModelManifest.json().readValue(read(p), AliasEvent.class));
        } catch (IOException e) {
          throw new ModelException("unreadable history entry " + p + " of " + name + "@" + alias + ": " + e, e);
        }
      }
      return out;
    } catch (IOException e) {
      throw new ModelException("cannot read the history of " + name + "@" + alias + " in " + root + ": " + e, e);
    }
  }

  /**
   * The promotion gate: moves {@code alias} to {@code name/version} if the candidate verifies and its {@code val_loss}
   * is at most {@code current * (1 + margin)}, or if the alias has no target yet, or (gate refused only) if
   * {@code force}. A candidate on another feature spec than the current target is refused unless forced (their losses
   * are not comparable); a candidate that fails verification is refused even when forced. Every decision is appended
   * to the alias history and returned; refusals are decisions, not exceptions.
   */
  public PromotionDecision promote(String name, int version, String alias, boolean force, double margin) {
    ModelRef.checkName("alias", alias);
    if (alias.equals(ModelRef.LATEST)) {
      throw new IllegalArgumentException("alias " + ModelRef.LATEST + " follows the newest version; publish moves it");
    }
    if (!(margin >= 0) || Double.isInfinite(margin)) {
      throw new IllegalArgumentException("margin must be a finite number >= 0, got " + margin);
    }
    ModelManifest candidate = manifest(name, version); // an unknown version is an error, not a decision
    try {
      Integer current = readAlias(name, alias);
      double candLoss = candidate.valLoss();
      String verifyFailure = null;
      try {
        verify(name, version);
      } catch (ModelException e) {
        verifyFailure = e.getMessage();
      }
      Double curLoss = null;
      boolean gate;
      String why;
      if (verifyFailure != null) {
        gate = false;
        why = "candidate failed verification: " + verifyFailure;
      } else if (current == null) {
        gate = true;
        why = String.format(Locale.ROOT, "no current %s; candidate val_loss %s", alias, num(candLoss));
      } else if (current == version) {
        gate = true;
        why = alias + " already points at " + version;
      } else {
        ModelManifest cur = null;
        String unreadable = null;
        try {
          cur = manifest(name, current);
        } catch (ModelException e) {
          unreadable = e.getMessage();
        }
        if (cur == null) {
          gate = false;
          why = "the current " + alias + " " + current + " has an unreadable manifest (" + unreadable + ")";
        } else if (!cur.specId().equals(candidate.specId())) {
          curLoss = cur.valLoss();
          gate = false;
          why = "feature spec differs from the current " + alias + " " + current + " (" + candidate.specId() + " vs "
              + cur.specId() + "): losses are not comparable";
        } else {
          curLoss = cur.valLoss();
          double limit = curLoss * (1 + margin);
          gate = candLoss <= limit;
          why = String.format(Locale.ROOT, "val_loss %s %s limit %s = current %s %s x (1 + margin %s)",
              num(candLoss), gate ? "<=" : ">", num(limit), alias, num(curLoss), num(margin));
        }
      }
      boolean forced = !gate && force && verifyFailure == null;
      boolean allowed = gate || forced;
      boolean moved = allowed && (current == null || current != version);
      String reason = forced ? "forced: " + why : why;
      String action = moved ? (forced ? AliasEvent.FORCE : AliasEvent.PROMOTE)
          : allowed ? AliasEvent.UNCHANGED : AliasEvent.REFUSED;
      if (moved) {
        moveAlias(name, alias, current, version, action, reason);
      } else {
        appendHistory(name, new AliasEvent(Instant.now(), alias, action, current, version, false, reason, actor));
      }
      return new PromotionDecision(name, alias, version, current, candLoss, curLoss, margin, allowed, forced, moved,
          reason);
    } catch (IOException e) {
      throw new ModelException("cannot promote " + name + "/" + version + " to " + alias + " in " + root + ": " + e, e);
    }
  }

  /**
   * Moves {@code alias} back to the version it pointed at before its last move, skipping moves that were themselves
   * rollbacks (so repeated rollbacks walk further back, like an undo stack). The target must still exist and verify.
   */
  public AliasEvent rollback(String name, String alias) {
    ModelRef ref = ModelRef.alias(name, alias);
    try {
      Integer current = readAlias(name, alias);
      if (current == null) {
        requireModel(name);
        throw new ModelException("cannot roll back " + ref + ": no such alias (aliases: " + aliases(name).keySet() + ")");
      }
      List<Integer> previous = new ArrayList<>(); // the undo stack: the 'from' of each move not yet rolled back
      for (AliasEvent e : history(name, alias)) {
        if (!e.moved()) continue;
        if (AliasEvent.ROLLBACK.equals(e.action())) {
          if (!previous.isEmpty()) previous.remove(previous.size() - 1);
        } else {
          previous.add(e.from());
        }
      }
      Integer target = previous.isEmpty() ? null : previous.get(previous.size() - 1);
      if (target == null) {
        throw new ModelException("cannot roll back " + ref + ": it points at " + current
            + " and has no earlier version in its history");
      }
      if (!exists(versionDir(name, target))) {
        throw new ModelException("cannot roll back " + ref + " to version " + target
            + ": that version no longer exists (deleted by gc)");
      }
      try {
        verify(name, target);
      } catch (ModelException e) {
        throw new ModelException("cannot roll back " + ref + " to version " + target + ": " + e.getMessage(), e);
      }
      return moveAlias(name, alias, current, target, AliasEvent.ROLLBACK,
          "rolled back from " + current + " to " + target);
    } catch (IOException e) {
      throw new ModelException("cannot roll back " + ref + " in " + root + ": " + e, e);
    }
  }

  /** Replaces the alias file atomically, then appends the move to the alias history. */
  private AliasEvent moveAlias(String name, String alias, Integer from, int to, String action, String reason)
      throws IOException {
    Path tmp = new Path(tmpDir(name), UUID.randomUUID() + ".alias");
    write(tmp, (to + "\n").getBytes(StandardCharsets.UTF_8), false);
    fs.mkdirs(aliasesDir(name));
    try {
      renames.replace(tmp, aliasFile(name, alias));
    } finally {
      deleteQuietly(tmp);
    }
    AliasEvent event = new AliasEvent(Instant.now(), alias, action, from, to, true, reason, actor);
    appendHistory(name, event);
    return event;
  }

  /** Adds {@code event} as the next numbered, immutable history entry, claimed like a version number. */
  private void appendHistory(String name, AliasEvent event) throws IOException {
    Path dir = historyDir(name, event.alias());
    fs.mkdirs(dir);
    Path tmp = new Path(tmpDir(name), UUID.randomUUID() + ".event");
    write(tmp, ModelManifest.json().writeValueAsBytes(event), false);
    try {
      long seq = lastSeq(dir) + 1;
      for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        if (renames.renameIfAbsent(tmp, new Path(dir, seqName(seq)))) return;
        seq = Math.max(seq + 1, lastSeq(dir) + 1);
      }
      throw new ModelException("cannot record history of " + name + "@" + event.alias() + ": no free entry number");
    } finally {
      deleteQuietly(tmp);
    }
  }

  private List<Long> historySeqs(Path dir) throws IOException {
    List<Long> out = new ArrayList<>();
    FileStatus[] entries;
    try {
      entries = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return out;
    }
    for (FileStatus st : entries) {
      String n = st.getPath().getName();
      if (n.matches("[0-9]{10}\\.json")) out.add(Long.parseLong(n.substring(0, 10)));
    }
    out.sort(null);
    return out;
  }

  private long lastSeq(Path dir) throws IOException {
    List<Long> seqs = historySeqs(dir);
    return seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
  }

  private static String seqName(long seq) {
    return String.format(Locale.ROOT, "%010d.json", seq);
  }

  /** The version the alias file names, or null when there is no such alias. */
  private Integer readAlias(String name, String alias) throws IOException {
    byte[] bytes;
    try {
      bytes = read(aliasFile(name, alias));
    } catch (FileNotFoundException e) {
      return null;
    }
    String text = new String(bytes, StandardCharsets.UTF_8).trim();
    if (!text.matches("[1-9][0-9]{0,8}")) {
      throw new ModelException("alias file of " + name + "@" + alias + " holds '" + text + "', not a version number");
    }
    return Integer.parseInt(text);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Garbage collection

  /**
   * Deletes every version of {@code name} except the newest {@code keep} and any version an alias points at; returns the
   * deleted versions. Each version is first renamed out of {@code versions/} (atomic), so a reader never sees a half
   * deleted version. Also removes staging left by publishers that crashed more than a day ago.
   */
  public List<Integer> gc(String name, int keep) {
    if (keep < 1) throw new IllegalArgumentException("gc must keep at least 1 version, got " + keep);
    List<Integer> versions = versions(name);
    Set<Integer> kept = new HashSet<>(versions.subList(Math.max(0, versions.size() - keep), versions.size()));
    List<Integer> deleted = new ArrayList<>();
    try {
      for (int v : versions) {
        if (kept.contains(v)) continue;
        // Re-read the aliases just before each deletion to narrow the window for a concurrent promotion.
        if (aliases(name).containsValue(v)) continue;
        Path trash = new Path(new Path(modelDir(name), TRASH), v + "-" + UUID.randomUUID());
        fs.mkdirs(trash.getParent());
        if (renames.renameIfAbsent(versionDir(name, v), trash)) {
          fs.delete(trash, true);
          deleted.add(v);
        }
      }
      deleteStaleStaging(name);
      return deleted;
    } catch (IOException e) {
      throw new ModelException("gc of " + name + " in " + root + " failed after deleting " + deleted + ": " + e, e);
    }
  }

  private void deleteStaleStaging(String name) throws IOException {
    long cutoff = System.currentTimeMillis() - STALE_STAGING.toMillis();
    for (String dir : List.of(TMP, TRASH)) {
      FileStatus[] entries;
      try {
        entries = fs.listStatus(new Path(modelDir(name), dir));
      } catch (FileNotFoundException e) {
        continue;
      }
      for (FileStatus st : entries) {
        if (dir.equals(TRASH) || st.getModificationTime() < cutoff) fs.delete(st.getPath(), true);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Paths and I/O

  private Path modelDir(String name) {
    return new Path(rootPath, ModelRef.checkName("model", name));
  }

  private Path versionsDir(String name) {
    return new Path(modelDir(name), VERSIONS);
  }

  private Path versionDir(String name, int version) {
    return new Path(versionsDir(name), Integer.toString(version));
  }

  private Path aliasesDir(String name) {
    return new Path(modelDir(name), ALIASES);
  }

  private Path aliasFile(String name, String alias) {
    return new Path(aliasesDir(name), ModelRef.checkName("alias", alias));
  }

  private Path historyDir(String name, String alias) {
    return new Path(new Path(modelDir(name), HISTORY), alias);
  }

  private Path tmpDir(String name) {
    return new Path(modelDir(name), TMP);
  }

  private void requireModel(String name) {
    if (!exists(versionsDir(name))) {
      List<String> known = list();
      throw new ModelException("no model named " + name + " in " + root
          + (known.isEmpty() ? " (the registry is empty)" : " (models: " + String.join(", ", known) + ")"));
    }
  }

  private boolean exists(Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      throw new ModelException("cannot access " + p + ": " + e, e);
    }
  }

  private byte[] read(Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  private void write(Path p, byte[] bytes, boolean overwrite) throws IOException {
    try (FSDataOutputStream out = fs.create(p, overwrite)) {
      out.write(bytes);
    }
  }

  private void deleteQuietly(Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException ignored) {
      // best effort: gc removes stale staging later
    }
  }

  private static void deleteLocal(java.nio.file.Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
      for (java.nio.file.Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: a leftover staging directory is never used (its name is random)
    }
  }

  private static String copyAndHash(InputStream in, OutputStream out) throws IOException {
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

  /** Six significant digits without exponent or trailing zeros: the numbers an operator compares in the history. */
  private static String num(double d) {
    return new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }

  @Override
  public String toString() {
    return "ModelRegistry[" + root + "]";
  }
}
