package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kaminari.common.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The traffic-level groups of a {@code dst-prefix} model: its scope keys (destination prefixes) grouped by their mean
 * traffic over the training range, each group with its own autoencoder, normalisation and threshold, so that a busy
 * prefix is judged against busy prefixes and the many near-empty ones against their like.
 *
 * <p><b>Why.</b> One model for every prefix fits its normalisation to a crowd of near-empty vectors: a busy prefix then
 * sits many standard deviations from the mean in every window and looks anomalous all day, while the threshold,
 * calibrated on all rows, is set by the busiest prefixes' ordinary windows (see {@code docs/evaluation.md}).
 *
 * <p><b>The rule</b> ({@link #plan}): a key's traffic is its packets over the training range divided by the range's
 * windows (absent windows count as 0). Keys are sorted by it (ties by key) and cut, at key boundaries, into
 * {@code min(}{@value #MAX_GROUPS}{@code , rows / }{@value #MIN_GROUP_ROWS}{@code )} groups (at least one) of about
 * equal rows (windows × keys), so every group has enough windows for its autoencoder and its threshold; a short last
 * group joins the one before. Group 0 holds the quietest keys. A key unseen in training had no traffic in the range,
 * so it belongs to group 0 ({@link #UNSEEN_GROUP}); the assignments of the seen keys are stored in
 * {@value #FILE_NAME}, beside the groups' directories {@code group-0/}, {@code group-1/}, ....
 *
 * @param keysPerWindow the mean number of keys with traffic per training window: the divisor of each key's share of
 *     the scope's false-alarm budget (a window is a false alarm when any of its keys fires)
 * @param windows the windows of the training range, the denominator of a key's mean traffic
 * @param groups the groups, quietest first
 * @param training how the groups were trained, in words (each in its own Spark task, or one after another in one
 *     process); null in versions published before it was recorded
 */
@JsonPropertyOrder({"rule", "windows", "keys_per_window", "unseen_group", "file", "groups", "training"})
public record ScopeGroups(
    @JsonProperty("rule") String rule,
    @JsonProperty("windows") long windows,
    @JsonProperty("keys_per_window") double keysPerWindow,
    @JsonProperty("unseen_group") int unseenGroup,
    @JsonProperty("file") String file,
    @JsonProperty("groups") List<Group> groups,
    @JsonProperty("training") String training) {

  /** The file of key assignments in a version directory. */
  public static final String FILE_NAME = "scope-groups.json";
  /** At most this many groups. */
  public static final int MAX_GROUPS = 4;
  /** Rows (windows × keys) a group needs, so its autoencoder trains and its threshold calibrates on enough. */
  public static final int MIN_GROUP_ROWS = 1000;
  /** The group of a key unseen in training. */
  public static final int UNSEEN_GROUP = 0;
  /** The rule in words, as stored. */
  public static final String RULE = "keys sorted by packets per training window (absent = 0), cut into at most "
      + MAX_GROUPS + " groups of about equal rows, each at least " + MIN_GROUP_ROWS + "; unseen keys in group "
      + UNSEEN_GROUP;

  /**
   * One group.
   *
   * @param dir its directory in the version, e.g. {@code group-1}, holding its autoencoder and model.json
   * @param minPacketsPerWindow the least mean traffic of its keys
   * @param maxPacketsPerWindow the most
   * @param keys how many training keys it holds
   * @param rows their training rows (windows × keys)
   * @param threshold its autoencoder threshold
   * @param thresholdMethod how that was calibrated, in words
   * @param calibration the same as data
   */
  @JsonPropertyOrder({"index", "dir", "min_packets_per_window", "max_packets_per_window", "keys", "rows", "threshold",
      "threshold_method", "calibration"})
  public record Group(
      @JsonProperty("index") int index,
      @JsonProperty("dir") String dir,
      @JsonProperty("min_packets_per_window") double minPacketsPerWindow,
      @JsonProperty("max_packets_per_window") double maxPacketsPerWindow,
      @JsonProperty("keys") long keys,
      @JsonProperty("rows") long rows,
      @JsonProperty("threshold") double threshold,
      @JsonProperty("threshold_method") String thresholdMethod,
      @JsonProperty("calibration") Calibration calibration) implements java.io.Serializable {
    public Group {
      if (dir == null || dir.isBlank()) throw new IllegalArgumentException("scope group " + index + " has no dir");
      ModelManifest.checkRelativePath(dir + "/" + ModelMetadata.FILE_NAME);
      if (!(threshold > 0 && Double.isFinite(threshold))) {
        throw new IllegalArgumentException("scope group " + index + " threshold must be finite and > 0, got "
            + threshold);
      }
    }
  }

  /** Validates: groups numbered 0.. in order, a positive keys-per-window, the unseen group among them. */
  public ScopeGroups {
    if (groups == null || groups.isEmpty()) throw new IllegalArgumentException("scope_groups lists no group");
    groups = List.copyOf(groups);
    for (int g = 0; g < groups.size(); g++) {
      if (groups.get(g).index() != g) {
        throw new IllegalArgumentException("scope group " + g + " is numbered " + groups.get(g).index());
      }
    }
    if (!(keysPerWindow >= 1 && Double.isFinite(keysPerWindow))) {
      throw new IllegalArgumentException("scope_groups.keys_per_window must be >= 1, got " + keysPerWindow);
    }
    if (unseenGroup < 0 || unseenGroup >= groups.size()) {
      throw new IllegalArgumentException("scope_groups.unseen_group " + unseenGroup + " is not a group");
    }
  }

  /**
   * A key's training traffic: rows (windows with traffic), packets over the range, and the most flow records it had in
   * one window, which sets its {@link PrefixRate}, and the most packets, which bound its group's
   * {@link SingleConversation} exception.
   */
  public record KeyTraffic(long rows, long packets, long maxFlows, long maxPackets) {}

  /**
   * The grouping of the training keys by the rule of the class doc.
   *
   * @param assignments each training key's group
   * @param bounds per group, its least and largest mean packets per window
   * @param rows per group, its rows
   * @param keysPerWindow rows / windows with any key
   * @param maxFlows each training key's most flow records in one window ({@link KeyTraffic#maxFlows})
   * @param maxPackets each training key's most packets in one window ({@link KeyTraffic#maxPackets})
   */
  public record Plan(Map<String, Integer> assignments, List<double[]> bounds, List<Long> rows, double keysPerWindow,
      Map<String, Long> maxFlows, Map<String, Long> maxPackets) implements java.io.Serializable {
    public int groups() {
      return rows.size();
    }

    /** The most flow records any key of group {@code g} had in one window. */
    public long groupMaxFlows(int g) {
      return groupMax(g, maxFlows);
    }

    /** The most packets any key of group {@code g} had in one window. */
    public long groupMaxPackets(int g) {
      return groupMax(g, maxPackets);
    }

    private long groupMax(int g, Map<String, Long> byKey) {
      long max = 0;
      for (Map.Entry<String, Integer> e : assignments.entrySet()) {
        if (e.getValue() == g) max = Math.max(max, byKey.get(e.getKey()));
      }
      return max;
    }
  }

  /**
   * Groups {@code traffic} (per key) by the rule of the class doc; {@code windows} is the number of windows of the
   * training range and {@code windowsWithKeys} how many of them had any key.
   */
  public static Plan plan(Map<String, KeyTraffic> traffic, long windows, long windowsWithKeys) {
    if (traffic.isEmpty() || windows < 1 || windowsWithKeys < 1) {
      throw new IllegalArgumentException("no training keys to group");
    }
    List<Map.Entry<String, KeyTraffic>> keys = new ArrayList<>(traffic.entrySet());
    keys.sort(Comparator.<Map.Entry<String, KeyTraffic>>comparingLong(e -> e.getValue().packets())
        .thenComparing(Map.Entry::getKey));
    long total = keys.stream().mapToLong(e -> e.getValue().rows()).sum();
    int target = (int) Math.max(1, Math.min(MAX_GROUPS, total / MIN_GROUP_ROWS));
    List<List<Map.Entry<String, KeyTraffic>>> cut = new ArrayList<>();
    List<Map.Entry<String, KeyTraffic>> current = new ArrayList<>();
    long cumulative = 0;
    for (Map.Entry<String, KeyTraffic> e : keys) {
      current.add(e);
      cumulative += e.getValue().rows();
      if (cut.size() < target - 1 && cumulative >= total * (cut.size() + 1) / target) {
        cut.add(current);
        current = new ArrayList<>();
      }
    }
    if (!current.isEmpty()) cut.add(current);
    while (cut.size() > 1 && rows(cut.get(cut.size() - 1)) < MIN_GROUP_ROWS) {
      List<Map.Entry<String, KeyTraffic>> last = cut.remove(cut.size() - 1);
      cut.get(cut.size() - 1).addAll(last);
    }
    Map<String, Integer> assignments = new TreeMap<>();
    Map<String, Long> maxFlows = new TreeMap<>();
    Map<String, Long> maxPackets = new TreeMap<>();
    traffic.forEach((k, t) -> {
      maxFlows.put(k, t.maxFlows());
      maxPackets.put(k, t.maxPackets());
    });
    List<double[]> bounds = new ArrayList<>();
    List<Long> rows = new ArrayList<>();
    for (int g = 0; g < cut.size(); g++) {
      List<Map.Entry<String, KeyTraffic>> group = cut.get(g);
      for (Map.Entry<String, KeyTraffic> e : group) assignments.put(e.getKey(), g);
      bounds.add(new double[] {(double) group.get(0).getValue().packets() / windows,
          (double) group.get(group.size() - 1).getValue().packets() / windows});
      rows.add(rows(group));
    }
    return new Plan(Collections.unmodifiableMap(assignments), List.copyOf(bounds), List.copyOf(rows),
        (double) total / windowsWithKeys, Collections.unmodifiableMap(maxFlows),
        Collections.unmodifiableMap(maxPackets));
  }

  private static long rows(List<Map.Entry<String, KeyTraffic>> group) {
    return group.stream().mapToLong(e -> e.getValue().rows()).sum();
  }

  /** The directory of group {@code g} in a version. */
  public static String dir(int g) {
    return "group-" + g;
  }

  /** The stored assignments ({@value #FILE_NAME}): each training key's group. */
  public record Assignments(@JsonProperty("format") int format, @JsonProperty("groups") Map<String, Integer> groups) {
    public static final int FORMAT = 1;

    public Assignments {
      if (format != FORMAT) {
        throw new IllegalArgumentException(FILE_NAME + " has format " + format + ", this reader knows " + FORMAT);
      }
      groups = Collections.unmodifiableMap(new TreeMap<>(groups == null ? Map.of() : groups));
    }

    /** Writes {@value #FILE_NAME} into {@code dir}. */
    public void write(Path dir) {
      try {
        Files.writeString(dir.resolve(FILE_NAME), StrictJson.write(this, "scope groups"), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + dir.resolve(FILE_NAME), e);
      }
    }

    /** Reads {@value #FILE_NAME} from {@code dir}; errors name the file. */
    public static Assignments read(Path dir) {
      return StrictJson.read(dir.resolve(FILE_NAME), Assignments.class, "scope groups");
    }
  }
}
