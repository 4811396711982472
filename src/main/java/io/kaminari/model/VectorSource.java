package io.kaminari.model;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Feature vectors of one spec in time order, readable by index and iterable any number of times (one pass per epoch)
 * without the implementation having to hold them as Java objects.
 *
 * <p>{@link VectorFile} keeps the rows on disk (the heap holds only what a caller copies out, e.g. one batch);
 * {@link InMemoryVectorSource} holds them in arrays, for tests and small ranges. Rows are ordered by window start
 * (ties allowed: several prefixes share a window), which is what lets the trainer hold out "the most recent" windows by
 * taking the tail.
 */
public interface VectorSource extends Iterable<VectorSource.Row> {

  /** One window's vector; iteration allocates a fresh one per row, so callers may keep it. */
  record Row(long windowStartMicros, float[] values) {}

  /** Length of every vector. */
  int dimension();

  /** Number of rows. */
  long size();

  /** Window start (epoch microseconds) of row {@code index}. */
  long windowStartMicros(long index);

  /** Copies the vector of row {@code index} into {@code dst[offset .. offset + dimension())}. */
  void read(long index, float[] dst, int offset);

  /** Rows {@code from} (inclusive) to {@code to} (exclusive) as a source of their own, without copying. */
  default VectorSource slice(long from, long to) {
    VectorSource parent = this;
    if (from < 0 || to < from || to > size()) {
      throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + size() + " rows");
    }
    return new VectorSource() {
      @Override
      public int dimension() {
        return parent.dimension();
      }

      @Override
      public long size() {
        return to - from;
      }

      @Override
      public long windowStartMicros(long index) {
        return parent.windowStartMicros(from + checkIndex(index, size()));
      }

      @Override
      public void read(long index, float[] dst, int offset) {
        parent.read(from + checkIndex(index, size()), dst, offset);
      }
    };
  }

  /** Rows in order, each as a fresh {@link Row}. */
  @Override
  default Iterator<Row> iterator() {
    return new Iterator<>() {
      private long next;

      @Override
      public boolean hasNext() {
        return next < size();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        float[] values = new float[dimension()];
        read(next, values, 0);
        return new Row(windowStartMicros(next++), values);
      }
    };
  }

  /** The vectors alone, in order, for one-pass statistics such as {@link Normalizer#fit}. */
  default Iterable<float[]> vectors() {
    return () -> {
      Iterator<Row> rows = iterator();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public float[] next() {
          return rows.next().values();
        }
      };
    };
  }

  /** Returns {@code index} if it is in [0, size), else throws, for implementations' bounds checks. */
  static long checkIndex(long index, long size) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("row " + index + " of " + size);
    }
    return index;
  }
}
