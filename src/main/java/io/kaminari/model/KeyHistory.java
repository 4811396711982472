package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kaminari.common.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The {@code dst-prefix} verdict of a prefix with a history: judged against its own past, not its traffic group's.
 *
 * <p><b>The rule.</b> At training, every prefix with at least {@value #MIN_ROWS} training rows gets its own threshold:
 * the {@value #QUANTILE} quantile of its own autoencoder scores over the range (by its group's autoencoder). When
 * scoring, its window's ratio is the autoencoder score over that threshold, and the prefix fires when the ratio is
 * above 1 in this window and in at least {@value #SUSTAIN} of its last {@value #SPAN} windows (this one included; a
 * window in which the prefix had no traffic counts as below). The verdict score is
 * {@code min(this window's ratio, the SUSTAIN-th largest ratio of the last SPAN windows)}, above 1.0 exactly when it
 * fires. Prefixes without a threshold (unseen in training, or with fewer rows) keep their group's instant threshold,
 * and a version none of whose prefixes has enough rows has no key history at all.
 *
 * <p><b>Why.</b> Under {@code dst-prefix} one threshold per traffic group misplaces most prefixes: in
 * {@code low-rate-distributed} the groups' benign maxima and attack rows overlapped, and the generalised Pareto tail
 * fitted to a mixture of prefixes put group thresholds at 0.5-9 times their benign maxima (0 of 3 events, 7 false
 * alarms a day). A prefix's own scores say what is ordinary for it (an SSH server's daily sessions, a quiet client
 * network's silence), and requiring the excess to hold for several windows removes the single-window benign bursts
 * that any per-prefix threshold at a one-in-a-hundred level meets every day. Measured on that set: 2 of 3 events
 * (the third, a SYN carpet over the busiest prefixes, scores inside their benign rows) and 0 false alarms
 * (docs/evaluation.md, "The dst-prefix scope"). A quantile rather than the maximum, so one unlabelled attack on a
 * prefix in the training range (fewer than 1% of its rows) does not raise its threshold.
 *
 * <p>Cost: a single-window flood on a prefix with history is not a verdict; one that lasts {@value #SUSTAIN} windows
 * is, {@value #SUSTAIN} - 1 windows late. One exception withdraws a sustained verdict: one conversation's traffic of
 * an ordinary size ({@link SingleConversation}). Files: {@value #FILE_NAME} ({@link Thresholds}).
 *
 * @param file the thresholds' file in the version
 * @param quantile the quantile of a prefix's own training scores that is its threshold
 * @param sustain windows above the threshold, of the last {@code span}, that fire
 * @param span the windows looked back over, this one included
 * @param minRows training rows a prefix needs for a threshold of its own
 * @param keys how many prefixes have one
 */
@JsonPropertyOrder({"file", "quantile", "sustain", "span", "min_rows", "keys"})
public record KeyHistory(
    @JsonProperty("file") String file,
    @JsonProperty("quantile") double quantile,
    @JsonProperty("sustain") int sustain,
    @JsonProperty("span") int span,
    @JsonProperty("min_rows") long minRows,
    @JsonProperty("keys") long keys) {

  public static final String FILE_NAME = "key-history.json";
  public static final double QUANTILE = 0.99;
  public static final int SUSTAIN = 3;
  public static final int SPAN = 5;
  public static final long MIN_ROWS = 100;
  /**
   * The least threshold of a prefix: far below any score a prefix with traffic gets (standardised mean squared errors
   * of 0.01 and more), and large enough that a score over it is a finite ratio.
   */
  public static final double MIN_THRESHOLD = 1e-6;

  public KeyHistory {
    ModelManifest.checkRelativePath(file);
    if (!(quantile > 0 && quantile <= 1)) {
      throw new IllegalArgumentException("key_history.quantile must be in (0, 1], got " + quantile);
    }
    if (keys < 1) {
      throw new IllegalArgumentException("key_history needs at least one prefix (a version without any has none), got "
          + keys);
    }
    if (sustain < 1 || span < sustain) {
      throw new IllegalArgumentException("key_history needs 1 <= sustain <= span, got " + sustain + " of " + span);
    }
  }

  /** The rule as trained today, for {@code keys} prefixes. */
  static KeyHistory of(long keys) {
    return new KeyHistory(FILE_NAME, QUANTILE, SUSTAIN, SPAN, MIN_ROWS, keys);
  }

  /**
   * The stored per-prefix history ({@value #FILE_NAME}): each prefix's own autoencoder threshold; since format
   * {@value #FORMAT_BEFORE_PACKETS} the flow records of the {@link PrefixRate} rule, each prefix's own most in one
   * training window and each traffic group's (the most of any of its keys); and since format {@value #FORMAT} each
   * traffic group's most packets in one training window, which bounds the {@link SingleConversation} exception. An
   * older file reads without what came after it, and its version scores without the rules that need it.
   *
   * @param maxFlows per prefix of {@code byKey}, its most flow records in one training window
   * @param groupMaxFlows per traffic group, the most flow records any of its keys had in one training window
   * @param groupMaxPackets per traffic group, the most packets any of its keys had in one training window
   */
  @JsonPropertyOrder({"format", "thresholds", "max_flows", "group_max_flows", "group_max_packets"})
  public record Thresholds(@JsonProperty("format") int format, @JsonProperty("thresholds") Map<String, Double> byKey,
      @JsonProperty("max_flows") Map<String, Long> maxFlows,
      @JsonProperty("group_max_flows") java.util.List<Long> groupMaxFlows,
      @JsonProperty("group_max_packets") java.util.List<Long> groupMaxPackets) {
    public static final int FORMAT = 3;
    /** The format before the single-conversation exception: thresholds and flow records. */
    public static final int FORMAT_BEFORE_PACKETS = 2;
    /** The format before the prefix rate: thresholds only. */
    public static final int FORMAT_BEFORE_RATES = 1;

    public Thresholds {
      if (format < FORMAT_BEFORE_RATES || format > FORMAT) {
        throw new IllegalArgumentException(FILE_NAME + " has format " + format + ", this reader knows "
            + FORMAT_BEFORE_RATES + " to " + FORMAT);
      }
      byKey = Collections.unmodifiableMap(new TreeMap<>(byKey == null ? Map.of() : byKey));
      maxFlows = Collections.unmodifiableMap(new TreeMap<>(maxFlows == null ? Map.of() : maxFlows));
      groupMaxFlows = groupMaxFlows == null ? java.util.List.of() : java.util.List.copyOf(groupMaxFlows);
      groupMaxPackets = groupMaxPackets == null ? java.util.List.of() : java.util.List.copyOf(groupMaxPackets);
      byKey.forEach((k, t) -> {
        if (!(t > 0 && Double.isFinite(t))) {
          throw new IllegalArgumentException(FILE_NAME + ": the threshold of " + k + " must be finite and > 0, got "
              + t);
        }
      });
      if (format >= FORMAT_BEFORE_PACKETS && (!maxFlows.keySet().equals(byKey.keySet()) || groupMaxFlows.isEmpty())) {
        throw new IllegalArgumentException(FILE_NAME + " (format " + format + ") needs max_flows for exactly the"
            + " prefixes of thresholds (" + maxFlows.size() + " for " + byKey.size() + ") and group_max_flows for"
            + " every traffic group (" + groupMaxFlows.size() + ")");
      }
      if (format == FORMAT && groupMaxPackets.size() != groupMaxFlows.size()) {
        throw new IllegalArgumentException(FILE_NAME + " (format " + FORMAT + ") needs group_max_packets for every"
            + " traffic group (" + groupMaxPackets.size() + " for " + groupMaxFlows.size() + ")");
      }
      for (long n : maxFlows.values()) checkCount(n);
      for (long n : groupMaxFlows) checkCount(n);
      for (long n : groupMaxPackets) checkCount(n);
    }

    private static void checkCount(long n) {
      if (n < 0) throw new IllegalArgumentException(FILE_NAME + ": counts must be >= 0, got " + n);
    }

    public void write(Path dir) {
      try {
        Files.writeString(dir.resolve(FILE_NAME), StrictJson.write(this, "key history"), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + dir.resolve(FILE_NAME), e);
      }
    }

    public static Thresholds read(Path dir) {
      return StrictJson.read(dir.resolve(FILE_NAME), Thresholds.class, "key history");
    }
  }

  /**
   * The {@link #QUANTILE} of each key's scores, for keys with at least {@link #MIN_ROWS} of them: {@code scores[i]} is
   * the score of the row whose key {@code keys} yields i-th; {@code counts} each key's rows (from a first pass over the
   * same keys). A threshold below {@link #MIN_THRESHOLD} (a prefix reconstructed almost exactly) is raised to it, so
   * the ratio of a score to it stays finite. Holds, per key, only its scores above the quantile.
   */
  static Map<String, Double> quantiles(double[] scores, Iterator<String> keys, Map<String, Long> counts) {
    Map<String, PriorityQueue<Double>> top = new HashMap<>();
    for (double s : scores) {
      String key = keys.next();
      long n = counts.get(key);
      if (n < MIN_ROWS) continue;
      // The value at rank ceil(q n) (1-based, ascending) is the smallest of the n - ceil(q n) + 1 largest.
      int keep = (int) (n - (long) Math.ceil(QUANTILE * n) + 1);
      PriorityQueue<Double> heap = top.computeIfAbsent(key, k -> new PriorityQueue<>());
      if (heap.size() < keep) {
        heap.add(s);
      } else if (s > heap.peek()) {
        heap.poll();
        heap.add(s);
      }
    }
    Map<String, Double> out = new TreeMap<>();
    top.forEach((k, heap) -> out.put(k, Math.max(MIN_THRESHOLD, heap.peek())));
    return out;
  }

  /**
   * One prefix's recent windows while scoring: the ratios of its last {@code span} windows with their starts. Fed in
   * time order; not thread-safe.
   */
  static final class State {
    private final long[] starts;
    private final double[] ratios;
    private int next;

    State(int span) {
      starts = new long[span];
      ratios = new double[span];
      java.util.Arrays.fill(starts, Long.MIN_VALUE);
    }

    /**
     * Records the window starting at {@code startMicros} with {@code ratio} and returns the sustained score: the
     * smaller of {@code ratio} and the {@code sustain}-th largest ratio among the windows of the last {@code span}
     * window lengths (absent ones count as 0).
     *
     * @throws IllegalArgumentException if the window is not after the previous one of the prefix
     */
    double update(long startMicros, double ratio, long windowMicros, int sustain) {
      int last = (next + starts.length - 1) % starts.length;
      if (starts[last] != Long.MIN_VALUE && startMicros <= starts[last]) {
        throw new IllegalArgumentException("window " + startMicros + " is not after the prefix's previous window "
            + starts[last]);
      }
      starts[next] = startMicros;
      ratios[next] = ratio;
      next = (next + 1) % starts.length;
      long from = startMicros - (starts.length - 1) * windowMicros;
      double[] recent = new double[starts.length];
      for (int i = 0; i < starts.length; i++) {
        recent[i] = starts[i] != Long.MIN_VALUE && starts[i] >= from ? ratios[i] : 0;
      }
      java.util.Arrays.sort(recent);
      return Math.min(ratio, recent[recent.length - sustain]);
    }
  }
}
