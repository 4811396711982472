package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The mutable annotations of an immutable version: its tags ({@code key=value}) and description. A version's files and
 * manifest never change (their SHA-256 sums are its identity), so annotations live beside them, in an append-only log
 * {@code notes/<version>/<seq>.json} whose newest entry is the current state. A change is committed by claiming the
 * next entry ({@link RegistryFiles#claim}, the alias log's compare-and-set); a writer that loses the claim re-reads and
 * applies its change again, so two concurrent taggers both keep their tags.
 */
public final class VersionNotes {
  private static final int MAX_ATTEMPTS = 1_000;
  /** Tag keys: what a shell, a URL query and a Prometheus label accept without quoting. */
  private static final String KEY = "[A-Za-z_][A-Za-z0-9_.-]{0,63}";
  private static final int MAX_VALUE = 256;
  private static final int MAX_DESCRIPTION = 4_096;

  /**
   * One state of a version's annotations: the entry's number ({@code seq}, 0 = never annotated), when and by whom it
   * was written, the tags (sorted by key) and the description ("" = none).
   */
  public record Notes(@JsonProperty("seq") long seq, @JsonProperty("at") Instant at, @JsonProperty("actor") String actor,
      @JsonProperty("tags") Map<String, String> tags, @JsonProperty("description") String description) {
    public Notes {
      tags = tags == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(tags));
      description = description == null ? "" : description;
    }

    /** The notes of a version never annotated. */
    public static final Notes NONE = new Notes(0, null, null, Map.of(), "");

    /** These notes with {@code set} added (replacing equal keys) and {@code remove} removed. */
    Notes withTags(Map<String, String> set, java.util.Collection<String> remove) {
      Map<String, String> t = new TreeMap<>(tags);
      set.forEach((k, v) -> t.put(checkKey(k), checkValue(k, v)));
      remove.forEach(t::remove);
      return new Notes(seq, at, actor, t, description);
    }

    /** These notes with {@code text} as the description. */
    Notes withDescription(String text) {
      if (text.length() > MAX_DESCRIPTION) {
        throw new ModelException("a description holds at most " + MAX_DESCRIPTION + " characters, not " + text.length());
      }
      return new Notes(seq, at, actor, tags, text.strip());
    }
  }

  private final RegistryFiles files;
  private final String actor;

  VersionNotes(RegistryFiles files, String actor) {
    this.files = files;
    this.actor = actor;
  }

  /** The current notes of {@code name/version} ({@link Notes#NONE} when never annotated). */
  Notes read(String name, int version) throws IOException {
    FileStatus newest = files.newestEntry(files.notesDir(name, version));
    if (newest == null) return Notes.NONE;
    Path p = newest.getPath();
    try {
      return ModelManifest.json().readValue(files.read(p), Notes.class);
    } catch (IOException e) {
      throw new ModelException("unreadable notes entry " + p + " of " + name + "/" + version + ": " + e, e);
    }
  }

  /** Applies {@code change} to the current notes and commits the result as the next entry; returns it. */
  Notes update(String name, int version, UnaryOperator<Notes> change) throws IOException {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Notes now = read(name, version);
      Notes changed = change.apply(now);
      Notes next = new Notes(now.seq() + 1, Instant.now(), actor, changed.tags(), changed.description());
      if (files.claim(name, files.notesDir(name, version), next.seq(), ModelManifest.json().writeValueAsBytes(next))) {
        return next;
      }
    }
    throw new ModelException("cannot annotate " + name + "/" + version + ": other writers changed its notes "
        + MAX_ATTEMPTS + " times meanwhile");
  }

  private static String checkKey(String key) {
    if (key == null || !key.matches(KEY)) {
      throw new ModelException("tag key '" + key + "' must match " + KEY);
    }
    return key;
  }

  private static String checkValue(String key, String value) {
    if (value == null || value.length() > MAX_VALUE || value.chars().anyMatch(Character::isISOControl)) {
      throw new ModelException("tag " + key + ": a value holds at most " + MAX_VALUE + " characters and no control"
          + " characters");
    }
    return value;
  }
}
