package io.kaminari.features;

import java.io.Serializable;

/**
 * An exact set of ports (0..65535) that stays small for the common few-ports case and never exceeds 8 KiB.
 *
 * <p>It starts as an open-addressing hash table of {@code port + 1} (so the zero-filled array means empty) and turns
 * into a 65536-bit bitmap once the table would outgrow the bitmap's 8 KiB; a scan touching every port therefore costs
 * at most 8 KiB per slot, while the typical slot with a handful of ports costs a few dozen bytes.
 */
final class PortSet implements Serializable {
  private static final int INITIAL_CAPACITY = 8;
  private static final int BITMAP_WORDS = 65536 / 64;
  /** At this many ports the half-full table (2 × 1024 ints) would be as large as the bitmap. */
  private static final int BITMAP_THRESHOLD = 1024;

  private int[] table = new int[INITIAL_CAPACITY];
  private long[] bitmap;
  private int size;

  int size() {
    return size;
  }

  void add(int port) {
    if (bitmap != null) {
      long bit = 1L << port;
      int word = port >>> 6;
      if ((bitmap[word] & bit) == 0) {
        bitmap[word] |= bit;
        size++;
      }
      return;
    }
    if (insert(table, port + 1)) {
      size++;
      if (size >= BITMAP_THRESHOLD) {
        toBitmap();
      } else if (2 * size > table.length) {
        grow();
      }
    }
  }

  /** The ports, in increasing order. */
  int[] toSortedArray() {
    int[] out = new int[size];
    int n = 0;
    if (bitmap != null) {
      for (int w = 0; w < BITMAP_WORDS; w++) {
        for (long bits = bitmap[w]; bits != 0; bits &= bits - 1) {
          out[n++] = (w << 6) + Long.numberOfTrailingZeros(bits);
        }
      }
      return out;
    }
    for (int entry : table) {
      if (entry != 0) out[n++] = entry - 1;
    }
    java.util.Arrays.sort(out);
    return out;
  }

  /** Adds every port of {@code other}: set union, so distinct counts stay exact across merged partials. */
  void addAll(PortSet other) {
    if (other.bitmap != null) {
      if (bitmap == null) {
        toBitmap();
      }
      int n = 0;
      for (int w = 0; w < BITMAP_WORDS; w++) {
        bitmap[w] |= other.bitmap[w];
        n += Long.bitCount(bitmap[w]);
      }
      size = n;
      return;
    }
    for (int entry : other.table) {
      if (entry != 0) {
        add(entry - 1);
      }
    }
  }

  /** Inserts a non-zero entry; false if it was already present. The table is never full (load ≤ 1/2). */
  private static boolean insert(int[] table, int entry) {
    int mask = table.length - 1;
    int i = (entry * 0x9E3779B9) >>> 16 & mask;
    while (table[i] != 0) {
      if (table[i] == entry) {
        return false;
      }
      i = (i + 1) & mask;
    }
    table[i] = entry;
    return true;
  }

  private void grow() {
    int[] bigger = new int[table.length * 2];
    for (int entry : table) {
      if (entry != 0) {
        insert(bigger, entry);
      }
    }
    table = bigger;
  }

  private void toBitmap() {
    bitmap = new long[BITMAP_WORDS];
    for (int entry : table) {
      if (entry != 0) {
        int port = entry - 1;
        bitmap[port >>> 6] |= 1L << port;
      }
    }
    table = null;
  }
}
