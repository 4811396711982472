package io.kaminari.features;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The heaviest keys of a window (destination prefixes, source addresses, destination ports) by sampling-scaled
 * packets, in bounded memory: exact while the window has at most {@link #EXACT_CAP} distinct keys, a mergeable
 * Misra-Gries summary above; partial summaries {@link #merge} into the summary of the union.
 *
 * <p><b>The rule.</b> Counts are kept per key. When a new key would make them more than {@link #EXACT_CAP}, the summary
 * is <em>pruned</em>: the ({@value #KEPT} + 1)-th largest count c is subtracted from every count, and the keys left
 * with nothing are dropped (the Misra-Gries step; Agarwal et al., "Mergeable summaries", 2012). {@link #error()} adds
 * up the subtracted amounts. Then:
 * <ul>
 *   <li>a kept key's count is at most {@link #error()} below its true packets, and never above;
 *   <li>a dropped key had at most {@link #error()} packets;
 *   <li>{@link #error()} ≤ total / ({@value #KEPT} + 1), merged summaries included: any key with more than 1/65 of
 *       the window's packets is kept.
 * </ul>
 *
 * <p><b>Order.</b> Below the cap (no pruning in the window, hence in none of its partials) the counts are the exact
 * sums, so the result does not depend on the order of flows or merges, and the Spark job and the streaming scorer
 * agree. Above it, which keys survive a prune and how much was subtracted depend on the order: the bounds hold, the
 * exact figures may differ between two engines. {@link #isEstimate()} says which case a summary is in.
 *
 * <p>{@link #top} ranks by count, then by key text, so ties (a spoofed flood's one packet per source) rank alike
 * everywhere. Not thread-safe.
 */
public final class TopTalkers implements Serializable {
  /** Distinct keys counted exactly; one more prunes the summary. */
  public static final int EXACT_CAP = 128;
  /** Keys a prune keeps. */
  public static final int KEPT = 64;
  /** How many keys the window's rows list. */
  public static final int LISTED = 3;

  private static final Comparator<Map.Entry<String, long[]>> HEAVIEST_FIRST =
      Comparator.<Map.Entry<String, long[]>>comparingLong(e -> -e.getValue()[0]).thenComparing(Map.Entry::getKey);

  private final HashMap<String, long[]> counts = new HashMap<>();
  private long total;
  private long error;
  private boolean pruned;

  /** One key and its packets, as {@link #top} ranks them. */
  public record Entry(String key, long packets) {}

  /** Adds {@code packets} (≥ 0) to {@code key} (non-null). */
  public void add(String key, long packets) {
    total += packets;
    long[] count = counts.get(key);
    if (count != null) {
      count[0] += packets;
      return;
    }
    counts.put(key, new long[] {packets});
    if (counts.size() > EXACT_CAP) prune();
  }

  /** Folds {@code other} into this summary: afterwards it summarises the union; {@code other} is unchanged. */
  public void merge(TopTalkers other) {
    total += other.total;
    error += other.error;
    pruned |= other.pruned;
    other.counts.forEach((k, c) -> counts.computeIfAbsent(k, x -> new long[1])[0] += c[0]);
    if (counts.size() > EXACT_CAP) prune();
  }

  /** The {@code n} heaviest keys, by count then key text. */
  public List<Entry> top(int n) {
    List<Map.Entry<String, long[]>> entries = new ArrayList<>(counts.entrySet());
    entries.sort(HEAVIEST_FIRST);
    List<Entry> out = new ArrayList<>(Math.min(n, entries.size()));
    for (int i = 0; i < n && i < entries.size(); i++) {
      out.add(new Entry(entries.get(i).getKey(), entries.get(i).getValue()[0]));
    }
    return out;
  }

  /**
   * The {@value #LISTED} heaviest keys as text, each with its share of {@code windowPackets}:
   * {@code 203.0.113.0/24 (91%)}, or {@code 10.1.2.3 (>=4%)} when the summary is an estimate (the count is then a
   * lower bound). Nothing when the window has no packets.
   */
  public List<String> describe(long windowPackets) {
    List<String> out = new ArrayList<>(LISTED);
    if (windowPackets <= 0) return out;
    for (Entry e : top(LISTED)) {
      // Math.round rounds half up, as %.0f does; String.format cost more than the rest of a window's summary.
      out.add(e.key() + (pruned ? " (>=" : " (") + Math.round(100.0 * e.packets() / windowPackets) + "%)");
    }
    return out;
  }

  /** Packets added, merged ones included. */
  public long total() {
    return total;
  }

  /** How far below its true packets a kept key's count may be; 0 while exact. */
  public long error() {
    return error;
  }

  /** Whether the summary was ever pruned (here or in a merged partial): its counts are then lower bounds. */
  public boolean isEstimate() {
    return pruned;
  }

  private void prune() {
    long[] values = new long[counts.size()];
    int i = 0;
    for (long[] c : counts.values()) values[i++] = c[0];
    Arrays.sort(values);
    long cut = values[values.length - 1 - KEPT];
    counts.values().removeIf(c -> (c[0] -= cut) <= 0);
    error += cut;
    pruned = true;
  }
}
