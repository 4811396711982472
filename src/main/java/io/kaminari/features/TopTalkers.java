package io.kaminari.features;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

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

  /** Slots of a new table; it doubles whenever it would be more than half full, so that probes stay short. */
  private static final int INITIAL_CAPACITY = 8;

  /*
   * The counts, in an open-addressing table (linear probing) rather than a HashMap<String, long[]>: every flow of a
   * window passes here three times, and a prune every ~65 new keys removed and re-created map nodes and boxes. It
   * holds at most EXACT_CAP + 1 keys (2 × EXACT_CAP during a merge), so it never exceeds 512 slots, and starts small
   * because a dst-prefix window has an accumulator per prefix. The result is the same as with a map: nothing below
   * depends on the order of the slots (top() ranks by count, then key; a prune's cut is an order statistic).
   */
  private String[] keys = new String[INITIAL_CAPACITY];
  private long[] counts = new long[INITIAL_CAPACITY];
  /** The key's hash (spread), so that probes skip unequal keys and a rebuild does not hash the strings again. */
  private int[] hashes = new int[INITIAL_CAPACITY];
  private int size;
  private long total;
  private long error;
  private boolean pruned;

  /** One key and its packets, as {@link #top} ranks them. */
  public record Entry(String key, long packets) {}

  /** Adds {@code packets} (≥ 0) to {@code key} (non-null). */
  public void add(String key, long packets) {
    total += packets;
    if (insert(key, spread(key.hashCode()), packets) && size > EXACT_CAP) prune();
  }

  /** {@code key}'s count: its packets (a lower bound once pruned), 0 if it is not kept. */
  public long count(String key) {
    int hash = spread(key.hashCode());
    int mask = keys.length - 1;
    for (int i = hash & mask; keys[i] != null; i = (i + 1) & mask) {
      if (hashes[i] == hash && keys[i].equals(key)) return counts[i];
    }
    return 0;
  }

  /** Folds {@code other} into this summary: afterwards it summarises the union; {@code other} is unchanged. */
  public void merge(TopTalkers other) {
    total += other.total;
    error += other.error;
    pruned |= other.pruned;
    for (int i = 0; i < other.keys.length; i++) {
      if (other.keys[i] != null) {
        // No prune until every key is in: a merge prunes the union once, not after each key.
        insert(other.keys[i], other.hashes[i], other.counts[i]);
      }
    }
    if (size > EXACT_CAP) prune();
  }

  /** Adds {@code packets} to {@code key}'s count, creating it (and growing the table); returns whether it is new. */
  private boolean insert(String key, int hash, long packets) {
    int mask = keys.length - 1;
    for (int i = hash & mask; ; i = (i + 1) & mask) {
      String k = keys[i];
      if (k == null) {
        keys[i] = key;
        hashes[i] = hash;
        counts[i] = packets;
        if (2 * ++size > keys.length) rebuild(2 * keys.length, 0, false);
        return true;
      }
      if (hashes[i] == hash && (k == key || k.equals(key))) {
        counts[i] += packets;
        return false;
      }
    }
  }

  /**
   * Re-inserts the keys into a table of {@code capacity} slots; with {@code prune}, only those whose count is above
   * {@code cut}, less {@code cut}.
   */
  private void rebuild(int capacity, long cut, boolean prune) {
    String[] oldKeys = keys;
    long[] oldCounts = counts;
    int[] oldHashes = hashes;
    keys = new String[capacity];
    counts = new long[capacity];
    hashes = new int[capacity];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] == null || (prune && oldCounts[i] <= cut)) continue;
      int slot = oldHashes[i] & (capacity - 1);
      while (keys[slot] != null) slot = (slot + 1) & (capacity - 1);
      keys[slot] = oldKeys[i];
      hashes[slot] = oldHashes[i];
      counts[slot] = prune ? oldCounts[i] - cut : oldCounts[i];
      size++;
    }
  }

  /** The {@code n} heaviest keys, by count then key text. */
  public List<Entry> top(int n) {
    // An insertion into the n best slots so far rather than a sort of every key: each window's summary asks for
    // the top 3 of up to 129 keys, three times per window and scope key.
    int[] best = new int[Math.min(n, size)];
    int found = 0;
    for (int slot = 0; slot < keys.length; slot++) {
      if (keys[slot] == null) continue;
      int at = found;
      while (at > 0 && heavier(slot, best[at - 1])) at--;
      if (at == best.length) continue;
      System.arraycopy(best, at, best, at + 1, Math.min(found, best.length - 1) - at);
      best[at] = slot;
      if (found < best.length) found++;
    }
    List<Entry> out = new ArrayList<>(found);
    for (int i = 0; i < found; i++) out.add(new Entry(keys[best[i]], counts[best[i]]));
    return out;
  }

  /** Whether slot {@code a} ranks before slot {@code b}: more packets, or as many and a smaller key. */
  private boolean heavier(int a, int b) {
    return counts[a] != counts[b] ? counts[a] > counts[b] : keys[a].compareTo(keys[b]) < 0;
  }

  /**
   * The {@value #LISTED} heaviest keys as text, each with its share of {@code windowPackets}:
   * {@code 203.0.113.0/24 (91%)}, or {@code 10.1.2.3 (>=4%)} when the summary is an estimate (the count is then a
   * lower bound). Nothing when the window has no packets.
   */
  public List<String> describe(long windowPackets) {
    return describe(LISTED, windowPackets);
  }

  /** {@link #describe(long)} of the {@code n} heaviest keys. */
  public List<String> describe(int n, long windowPackets) {
    List<String> out = new ArrayList<>(n);
    if (windowPackets <= 0) return out;
    for (Entry e : top(n)) {
      // Math.round rounds half up, as %.0f does; String.format cost more than the rest of a window's summary.
      out.add(e.key() + (pruned ? " (>=" : " (") + Math.round(100.0 * e.packets() / windowPackets) + "%)");
    }
    return out;
  }

  /**
   * The share of the window's packets that a line of {@link #describe} gives its key, as a fraction: 0.96 for
   * {@code 10.1.2.3 (96%)}, and for {@code 10.1.2.3 (>=4%)} 0.04, a lower bound as the line says; -1 for any other
   * text. Rules that read the share read it here, from the text both engines store, so batch and stream judge alike.
   */
  public static double share(String described) {
    int open = described.lastIndexOf(" (");
    if (open < 0 || !described.endsWith("%)")) return -1;
    String percent = described.substring(open + 2, described.length() - 2);
    if (percent.startsWith(">=")) percent = percent.substring(2);
    try {
      int p = Integer.parseInt(percent);
      return p < 0 ? -1 : p / 100.0;
    } catch (NumberFormatException e) {
      return -1;
    }
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

  /**
   * The Misra-Gries step: subtracts the ({@value #KEPT} + 1)-th largest count from every count and drops the keys left
   * with nothing. The cut is found by selection rather than a sort.
   */
  private void prune() {
    long[] values = new long[size];
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != null) values[n++] = counts[i];
    }
    long cut = select(values, n - 1 - KEPT);
    rebuild(keys.length, cut, true);
    error += cut;
    pruned = true;
  }

  /**
   * The value that would be at index {@code k} of {@code values} sorted ascending (Hoare's quickselect; {@code values}
   * is reordered). Same value as {@code Arrays.sort(values); values[k]}, in linear expected time.
   */
  static long select(long[] values, int k) {
    int lo = 0;
    int hi = values.length - 1;
    while (lo < hi) {
      long pivot = values[(lo + hi) >>> 1];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (values[i] < pivot) i++;
        while (values[j] > pivot) j--;
        if (i <= j) {
          long t = values[i];
          values[i++] = values[j];
          values[j--] = t;
        }
      }
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return values[k];
      }
    }
    return values[k];
  }

  /** Spreads a String hash's entropy into the low bits the table indexes by (as HashMap does, plus a multiply). */
  private static int spread(int h) {
    h *= 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
