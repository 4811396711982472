package io.kaminari.model;

import io.kaminari.common.HadoopLogin;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Renames;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;

/**
 * A registry of immutable, numbered model versions with movable aliases, on any Hadoop FileSystem (HDFS, s3a, local).
 *
 * <p>Three parts, one per concern (layout in {@link RegistryFiles} and docs/models.md): {@link VersionStore} publishes,
 * reads, verifies and deletes versions ({@link LocalCache} copies them to local disk); {@link AliasLog} keeps each
 * alias as an append-only log of decisions committed by compare-and-set; {@link PromotionGate} is the promotion rule,
 * without I/O. This class ties them together and is the API every caller uses.
 *
 * <p>Every write is one of two atomic steps ({@link Renames}): a complete directory or file is staged under
 * {@code _tmp} and then renamed to a new name that must not exist yet (versions, alias history entries), or a small
 * file is replaced by rename (the alias mirror). So readers never see a partial version, two publishers never get the
 * same number, and an alias move is decided against the alias as it is when the move commits.
 *
 * <p>Spark-free on purpose: the streaming scorer loads models through this class with only the Hadoop client on its
 * classpath. Thread-safe; instances are cheap.
 */
public final class ModelRegistry {
  private final RegistryFiles files;
  private final VersionStore versions;
  private final LocalCache cache;
  private final AliasLog aliases;
  private final VersionNotes notes;

  /** A registry rooted at {@code root} (e.g. {@code hdfs://nn:8020/kaminari/models}); nothing is created until a write. */
  public ModelRegistry(URI root, Configuration conf) {
    this.files = new RegistryFiles(root, conf);
    this.versions = new VersionStore(files);
    this.cache = new LocalCache(files, versions);
    String actor = System.getProperty("user.name", "unknown");
    this.aliases = new AliasLog(files, actor);
    this.notes = new VersionNotes(files, actor);
  }

  /**
   * The registry of {@link Settings#MODEL_STORE}, with every {@code spark.hadoop.*} setting of the config applied to
   * the Hadoop configuration (so s3a credentials and HDFS client settings are given once, for Spark and registry
   * alike), after the Kerberos login the config asks for ({@link HadoopLogin#ensure}).
   */
  public static ModelRegistry fromConfig(KaminariConfig config) {
    HadoopLogin.ensure(config);
    return new ModelRegistry(config.get(Settings.MODEL_STORE), HadoopLogin.configuration(config));
  }

  /** The root URI. */
  public URI root() {
    return files.root;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Versions

  /**
   * Publishes the files of {@code localDir} (recursively) with {@code draft} as version max+1 of {@code name}, then
   * moves {@code latest} to it; returns the published manifest (version, created and files filled in).
   *
   * <p>The files are copied and hashed into a private staging directory, manifest.json is written last, and the
   * directory is renamed to {@code versions/<n>} only if that name is free; otherwise the manifest is rewritten for n+1
   * and the rename retried. Concurrent publishers therefore get distinct numbers and never touch each other's versions.
   * {@code latest} only moves forward: each move is decided against {@code latest} as it is when the move commits.
   */
  public ModelManifest publish(String name, java.nio.file.Path localDir, ModelManifest draft) {
    ModelManifest published = versions.publish(name, localDir, draft);
    int n = published.version();
    try {
      aliases.update(name, ModelRef.LATEST, now -> {
        int newest = versions.newest(name);
        if (now.version() != null && now.version() >= newest) return null;
        return new AliasLog.Change(AliasEvent.PUBLISH, newest, true,
            newest == n ? "published version " + n : "published version " + n + "; newest is " + newest);
      });
    } catch (IOException | RuntimeException e) {
      throw new ModelException("published " + name + "/" + n + " but could not move " + ModelRef.LATEST + " to it: "
          + e, e);
    }
    return published;
  }

  /** The names of all models, sorted. */
  public List<String> list() {
    return versions.list();
  }

  /** The published versions of {@code name}, ascending; an unknown model is an error naming the known ones. */
  public List<Integer> versions(String name) {
    return versions.versions(name);
  }

  /** The version {@code ref} names; an unknown model, version or alias is an error listing what exists. */
  public int resolve(ModelRef ref) {
    versions.requireModel(ref.name());
    try {
      if (ref.version() != null) {
        if (!versions.exists(ref.name(), ref.version())) {
          throw new ModelException(ref.name() + " has no version " + ref.version() + " (versions: "
              + versions.versionsUnchecked(ref.name()) + ")");
        }
        return ref.version();
      }
      Integer v = aliases.state(ref.name(), ref.alias()).version();
      if (v == null) {
        throw new ModelException(ref.name() + " has no alias " + ref.alias() + " (aliases: "
            + aliases(ref.name()).keySet() + ")");
      }
      if (!versions.exists(ref.name(), v)) {
        throw new ModelException(ref + " points at version " + v + ", which does not exist");
      }
      return v;
    } catch (IOException e) {
      throw new ModelException("cannot resolve " + ref + " in " + files.root + ": " + e, e);
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
    return versions.manifest(name, version);
  }

  /**
   * Checks {@code name/version} in place: the manifest is valid and the version directory holds exactly its files, each
   * with the recorded SHA-256. Returns the manifest; any problem is a {@link ModelException} naming file and version.
   */
  public ModelManifest verify(String name, int version) {
    return versions.verify(name, version);
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
    return cache.load(ref.name(), resolve(ref), localCacheDir, expected);
  }

  /**
   * Deletes every version of {@code name} except the newest {@code keep} and any version an alias points at; returns the
   * deleted versions. Each version is first renamed out of {@code versions/} (atomic), so a reader never sees a half
   * deleted version. Also removes staging left by publishers that crashed more than a day ago.
   */
  public List<Integer> gc(String name, int keep) {
    return versions.gc(name, keep, () -> aliases(name).values());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Annotations

  /** The tags and description of {@code name/version} (none if never annotated). */
  public VersionNotes.Notes notes(String name, int version) {
    manifest(name, version);
    try {
      return notes.read(name, version);
    } catch (IOException e) {
      throw new ModelException("cannot read the notes of " + name + "/" + version + ": " + e, e);
    }
  }

  /**
   * Sets the tags {@code set} and removes the tags {@code remove} of {@code name/version}; returns the notes as
   * committed. Concurrent annotations of one version are all kept ({@link VersionNotes}).
   */
  public VersionNotes.Notes tag(String name, int version, Map<String, String> set, Collection<String> remove) {
    return annotate(name, version, n -> n.withTags(set, remove));
  }

  /** Sets the description of {@code name/version} ("" removes it); returns the notes as committed. */
  public VersionNotes.Notes describe(String name, int version, String description) {
    return annotate(name, version, n -> n.withDescription(description));
  }

  private VersionNotes.Notes annotate(String name, int version, UnaryOperator<VersionNotes.Notes> change) {
    manifest(name, version);
    try {
      return notes.update(name, version, change);
    } catch (IOException e) {
      throw new ModelException("cannot annotate " + name + "/" + version + ": " + e, e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Aliases

  /** Every alias of {@code name} and the version it points at, by alias name. */
  public Map<String, Integer> aliases(String name) {
    versions.requireModel(name);
    try {
      return aliases.aliases(name);
    } catch (IOException e) {
      throw new ModelException("cannot read aliases of " + name + " in " + files.root + ": " + e, e);
    }
  }

  /**
   * A cheap snapshot of what {@code name@alias} points at, for polling: one listing of the alias's history and one read
   * of its newest entry (a few hundred bytes).
   */
  public AliasStamp aliasStamp(String name, String alias) {
    ModelRef ref = ModelRef.alias(name, alias);
    try {
      AliasLog.AliasState now = aliases.state(name, alias);
      if (now.version() == null) {
        versions.requireModel(name);
        throw new ModelException(ref + " does not exist (aliases: " + aliases(name).keySet() + ")");
      }
      return new AliasStamp(name, alias, now.version(), now.modifiedMillis());
    } catch (IOException e) {
      throw new ModelException("cannot read " + ref + " in " + files.root + ": " + e, e);
    }
  }

  /** The history of {@code name@alias}, oldest first: every move and every refused promotion. */
  public List<AliasEvent> history(String name, String alias) {
    ModelRef.checkName("alias", alias);
    versions.requireModel(name);
    try {
      return aliases.history(name, alias);
    } catch (IOException e) {
      throw new ModelException("cannot read the history of " + name + "@" + alias + " in " + files.root + ": " + e, e);
    }
  }

  /**
   * Asks the {@link PromotionGate} whether {@code name/version} may become the target of {@code alias}, and moves the
   * alias if so. The candidate is verified first (a corrupt candidate is refused even when forced); the gate then
   * decides against the alias as it is when the decision commits: if another writer moves the alias meanwhile, the
   * decision is taken again against the new target. Every decision is appended to the alias history and returned;
   * refusals are decisions, not exceptions.
   *
   * <p>When the gate compares, both versions are copied to a scratch directory, verified, loaded and scored on the
   * candidate's {@link HeldOut held-out windows} ({@link GateScoring}); that needs the DJL engine and, under
   * {@code dst-prefix}, up to {@link HeldOut#MAX_ROWS} rows through each version (seconds).
   */
  public PromotionDecision promote(String name, int version, String alias, boolean force, double margin) {
    ModelRef.checkName("alias", alias);
    if (alias.equals(ModelRef.LATEST)) {
      throw new IllegalArgumentException("alias " + ModelRef.LATEST + " follows the newest version; publish moves it");
    }
    PromotionGate.checkMargin(margin);
    ModelManifest manifest = manifest(name, version); // an unknown version is an error, not a decision
    PromotionGate.Candidate candidate;
    try {
      verify(name, version);
      candidate = PromotionGate.Candidate.verified(manifest);
    } catch (ModelException e) {
      candidate = PromotionGate.Candidate.corrupt(manifest, e.getMessage());
    }
    PromotionGate.Candidate cand = candidate;
    Map<Integer, PromotionGate.Current> targets = new HashMap<>(); // manifests are immutable: read each once
    Map<Integer, PromotionGate.HeldOutResult> compared = new HashMap<>(); // and so are the scores
    PromotionDecision[] committed = new PromotionDecision[1];
    try {
      aliases.update(name, alias, now -> {
        PromotionGate.Current current = now.version() == null ? PromotionGate.Current.NONE
            : targets.computeIfAbsent(now.version(), v -> currentTarget(name, v));
        PromotionDecision d = PromotionGate.decide(alias, cand, current,
            v -> compared.computeIfAbsent(v, cur -> GateScoring.score(this, manifest, cur)), margin, force);
        committed[0] = d;
        return new AliasLog.Change(d.action(), version, d.moved(), d.reason());
      });
      return committed[0];
    } catch (IOException e) {
      throw new ModelException("cannot promote " + name + "/" + version + " to " + alias + " in " + files.root + ": "
          + e, e);
    }
  }

  private PromotionGate.Current currentTarget(String name, int version) {
    try {
      return PromotionGate.Current.of(manifest(name, version));
    } catch (ModelException e) {
      return PromotionGate.Current.unreadable(version, e.getMessage());
    }
  }

  /**
   * Moves {@code alias} back to the version it pointed at before its last move, skipping moves that were themselves
   * rollbacks (so repeated rollbacks walk further back, like an undo stack). The target must still exist and verify.
   * Like a promotion, the rollback is decided against the alias as it is when it commits.
   */
  public AliasEvent rollback(String name, String alias) {
    ModelRef ref = ModelRef.alias(name, alias);
    try {
      return aliases.update(name, alias, now -> {
        Integer current = now.version();
        if (current == null) {
          versions.requireModel(name);
          throw new ModelException("cannot roll back " + ref + ": no such alias (aliases: " + aliases(name).keySet()
              + ")");
        }
        List<Integer> previous = new ArrayList<>(); // the undo stack: the 'from' of each move not yet rolled back
        for (AliasEvent e : aliases.history(name, alias)) {
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
        if (!versions.exists(name, target)) {
          throw new ModelException("cannot roll back " + ref + " to version " + target
              + ": that version no longer exists (deleted by gc)");
        }
        try {
          verify(name, target);
        } catch (ModelException e) {
          throw new ModelException("cannot roll back " + ref + " to version " + target + ": " + e.getMessage(), e);
        }
        return new AliasLog.Change(AliasEvent.ROLLBACK, target, true, "rolled back from " + current + " to " + target);
      });
    } catch (IOException e) {
      throw new ModelException("cannot roll back " + ref + " in " + files.root + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "ModelRegistry[" + files.root + "]";
  }
}
