package io.kaminari.tools.generate;

import java.io.IOException;
import java.util.Arrays;

/**
 * Reorders generated flows into nondecreasing arrival order with one bucket per arrival second, sorted only when the
 * second is complete; it also pools the {@link PendingFlow} objects so steady-state generation allocates nothing.
 *
 * <p>A flow arrives at most active timeout + export delay + one generation step after its start second, so a ring of
 * {@value #RING} seconds always suffices. Ties in arrival keep insertion order, which keeps the output deterministic.
 */
final class ArrivalQueue {
  /** Receives flows in arrival order. */
  interface Consumer {
    void accept(PendingFlow flow) throws IOException;
  }

  private static final int RING = 128;

  private final PendingFlow[][] buckets = new PendingFlow[RING][];
  private final int[] sizes = new int[RING];
  private PendingFlow[] free = new PendingFlow[256];
  private int freeCount;
  private long[] sortKeys = new long[256];
  private long nextSecond;
  private long pending;

  ArrivalQueue(long firstSecond) {
    nextSecond = firstSecond;
    Arrays.setAll(buckets, i -> new PendingFlow[64]);
  }

  /** A flow object to fill and then {@link #add}. */
  PendingFlow obtain() {
    return freeCount > 0 ? free[--freeCount] : new PendingFlow();
  }

  void add(PendingFlow flow) {
    long second = Math.floorDiv(flow.arrivalMicros, 1_000_000L);
    if (second < nextSecond || second >= nextSecond + RING) {
      throw new IllegalStateException("arrival second " + second + " outside the open window starting at " + nextSecond);
    }
    int slot = (int) (second & (RING - 1));
    PendingFlow[] bucket = buckets[slot];
    if (sizes[slot] == bucket.length) {
      bucket = buckets[slot] = Arrays.copyOf(bucket, bucket.length * 2);
    }
    bucket[sizes[slot]++] = flow;
    pending++;
  }

  /** Hands every flow arriving up to and including {@code lastSecond} to {@code out}, in arrival order. */
  void drainThrough(long lastSecond, Consumer out) throws IOException {
    for (; nextSecond <= lastSecond; nextSecond++) {
      drainSecond(out);
    }
  }

  /** Hands every remaining flow to {@code out}, in arrival order. */
  void drainAll(Consumer out) throws IOException {
    for (; pending > 0; nextSecond++) {
      drainSecond(out);
    }
  }

  private void drainSecond(Consumer out) throws IOException {
    int slot = (int) (nextSecond & (RING - 1));
    int size = sizes[slot];
    if (size == 0) {
      return;
    }
    PendingFlow[] bucket = buckets[slot];
    if (sortKeys.length < size) {
      sortKeys = new long[Math.max(size, sortKeys.length * 2)];
    }
    // Micros within the second (< 2^20) above the insertion index (< 2^31): one primitive sort, stable by construction.
    long base = nextSecond * 1_000_000L;
    for (int i = 0; i < size; i++) {
      sortKeys[i] = (bucket[i].arrivalMicros - base) << 32 | i;
    }
    Arrays.sort(sortKeys, 0, size);
    for (int i = 0; i < size; i++) {
      out.accept(bucket[(int) sortKeys[i]]);
    }
    if (free.length < freeCount + size) {
      free = Arrays.copyOf(free, Math.max(freeCount + size, free.length * 2));
    }
    System.arraycopy(bucket, 0, free, freeCount, size);
    freeCount += size;
    Arrays.fill(bucket, 0, size, null);
    sizes[slot] = 0;
    pending -= size;
  }
}
