package io.kaminari.model;

import java.util.ArrayList;
import java.util.List;

/** A {@link VectorSource} over arrays on the heap, for tests and ranges small enough to hold; copies its input. */
public final class InMemoryVectorSource implements VectorSource {
  private final int dimension;
  private final long[] windowStarts;
  private final float[][] vectors;

  /** Rows with these window starts (non-decreasing) and vectors (all of one length). */
  public InMemoryVectorSource(long[] windowStartMicros, float[][] vectors) {
    if (windowStartMicros.length != vectors.length || vectors.length == 0) {
      throw new IllegalArgumentException("need the same non-zero number of window starts and vectors, got "
          + windowStartMicros.length + " and " + vectors.length);
    }
    this.dimension = vectors[0].length;
    this.windowStarts = windowStartMicros.clone();
    this.vectors = new float[vectors.length][];
    for (int i = 0; i < vectors.length; i++) {
      if (vectors[i].length != dimension) {
        throw new IllegalArgumentException("row " + i + " has " + vectors[i].length + " values, row 0 has " + dimension);
      }
      if (i > 0 && windowStartMicros[i] < windowStartMicros[i - 1]) {
        throw new IllegalArgumentException("rows must be in time order; row " + i + " starts before row " + (i - 1));
      }
      this.vectors[i] = vectors[i].clone();
    }
  }

  /** Rows whose window starts are their index times {@code stepMicros}, for synthetic data. */
  public static InMemoryVectorSource evenlySpaced(float[][] vectors, long stepMicros) {
    long[] starts = new long[vectors.length];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = i * stepMicros;
    }
    return new InMemoryVectorSource(starts, vectors);
  }

  /** Copies any source onto the heap. */
  public static InMemoryVectorSource copyOf(VectorSource source) {
    List<Row> rows = new ArrayList<>();
    source.forEach(rows::add);
    return new InMemoryVectorSource(rows.stream().mapToLong(Row::windowStartMicros).toArray(),
        rows.stream().map(Row::values).toArray(float[][]::new));
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public long size() {
    return vectors.length;
  }

  @Override
  public long windowStartMicros(long index) {
    return windowStarts[(int) VectorSource.checkIndex(index, vectors.length)];
  }

  @Override
  public void read(long index, float[] dst, int offset) {
    System.arraycopy(vectors[(int) VectorSource.checkIndex(index, vectors.length)], 0, dst, offset, dimension);
  }
}
