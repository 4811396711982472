package io.kaminari.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link VectorSource} backed by a compact binary file of rows (window start + float32 vector), written once in time
 * order by a {@link Writer} and read back through memory-mapped buffers.
 *
 * <p>Format (little-endian): a 32-byte header — magic {@code KVEC}, int version 1, int dimension, int 0, long row
 * count, long 0 — then per row a long window start (epoch µs) and {@code dimension} float32 values. The count is
 * written last, on {@link Writer#close()}, so a file whose writer died is refused rather than read short.
 *
 * <p>Limit: the rows live on disk and in the OS page cache, never on the Java heap; a reader copies out only what it
 * asks for (the trainer: one batch). Size is bounded by disk: 64 features cost 264 bytes a row, so 10 M windows are
 * 2.6 GB. Training reads rows in shuffled order, which is fast while the file fits in the page cache (free RAM); beyond
 * that each epoch becomes random disk reads. The mapping is split into segments under 2 GiB, so any size works.
 */
public final class VectorFile implements VectorSource, AutoCloseable {
  private static final int MAGIC = 0x4345564B; // "KVEC" read as a little-endian int
  private static final int VERSION = 1;
  private static final int HEADER_BYTES = 32;
  private static final int COUNT_OFFSET = 16;

  private final Path path;
  private final int dimension;
  private final long size;
  private final int rowBytes;
  private final int rowsPerSegment;
  private ByteBuffer[] segments;
  private FloatBuffer[] floatViews;

  private VectorFile(Path path, int dimension, long size, ByteBuffer[] segments, int rowsPerSegment) {
    this.path = path;
    this.dimension = dimension;
    this.size = size;
    this.rowBytes = rowBytes(dimension);
    this.rowsPerSegment = rowsPerSegment;
    this.segments = segments;
    this.floatViews = new FloatBuffer[segments.length];
    for (int i = 0; i < segments.length; i++) {
      floatViews[i] = segments[i].asFloatBuffer();
    }
  }

  /** Starts a new file (replacing any existing one) for vectors of {@code dimension} values. */
  public static Writer create(Path file, int dimension) {
    return new Writer(file, dimension);
  }

  /** Writes every row of {@code source} to a new file and opens it. */
  public static VectorFile copyOf(VectorSource source, Path file) {
    try (Writer w = create(file, source.dimension())) {
      float[] row = new float[source.dimension()];
      for (long i = 0; i < source.size(); i++) {
        source.read(i, row, 0);
        w.append(source.windowStartMicros(i), row);
      }
    }
    return open(file);
  }

  /** Opens a finished file; an unfinished or foreign file throws {@link IllegalArgumentException} naming it. */
  public static VectorFile open(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      while (header.hasRemaining() && ch.read(header) >= 0) {
        // read until the header is full or the file ends
      }
      if (header.hasRemaining() || header.getInt(0) != MAGIC) {
        throw new IllegalArgumentException(file + " is not a Kaminari vector file");
      }
      if (header.getInt(4) != VERSION) {
        throw new IllegalArgumentException(file + ": unsupported vector file version " + header.getInt(4));
      }
      int dimension = header.getInt(8);
      long count = header.getLong(COUNT_OFFSET);
      int rowBytes = rowBytes(dimension);
      if (count < 0 || ch.size() != HEADER_BYTES + count * rowBytes) {
        throw new IllegalArgumentException(file + " is incomplete (its writer was not closed) or truncated");
      }
      int rowsPerSegment = Integer.MAX_VALUE / rowBytes;
      int segmentCount = (int) ((count + rowsPerSegment - 1) / rowsPerSegment);
      ByteBuffer[] segments = new ByteBuffer[segmentCount];
      for (int s = 0; s < segmentCount; s++) {
        long first = (long) s * rowsPerSegment;
        long rows = Math.min(rowsPerSegment, count - first);
        MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES + first * rowBytes, rows * rowBytes);
        segments[s] = mapped.order(ByteOrder.LITTLE_ENDIAN);
      }
      // The mapping outlives the channel, so the channel can close now.
      return new VectorFile(file, dimension, count, segments, rowsPerSegment);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open vector file " + file, e);
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public long windowStartMicros(long index) {
    VectorSource.checkIndex(index, size);
    return segment(index).getLong((int) (index % rowsPerSegment) * rowBytes);
  }

  @Override
  public void read(long index, float[] dst, int offset) {
    VectorSource.checkIndex(index, size);
    int s = (int) (index / rowsPerSegment);
    if (floatViews == null) {
      throw new IllegalStateException("vector file " + path + " is closed");
    }
    // rowBytes and the 8-byte timestamp are multiples of 4, so a row's floats start on a float index of the view.
    int first = ((int) (index % rowsPerSegment) * rowBytes + Long.BYTES) / Float.BYTES;
    floatViews[s].get(first, dst, offset, dimension);
  }

  /**
   * Drops the mappings; the JVM unmaps them when they are collected (Java offers no earlier unmap), so deleting the
   * file right after closing works on Linux but may not on Windows.
   */
  @Override
  public void close() {
    segments = null;
    floatViews = null;
  }

  private ByteBuffer segment(long index) {
    if (segments == null) {
      throw new IllegalStateException("vector file " + path + " is closed");
    }
    return segments[(int) (index / rowsPerSegment)];
  }

  private static int rowBytes(int dimension) {
    if (dimension < 1 || dimension > (Integer.MAX_VALUE - Long.BYTES) / Float.BYTES / 2) {
      throw new IllegalArgumentException("vector dimension must be >= 1 and reasonable, got " + dimension);
    }
    return Long.BYTES + dimension * Float.BYTES;
  }

  /**
   * Appends rows in time order through a 1 MiB buffer; {@link #close()} writes the row count, which is what makes the
   * file readable. Not thread-safe (one writer, e.g. the driver draining {@code toLocalIterator}).
   */
  public static final class Writer implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path file;
    private final int dimension;
    private final FileChannel channel;
    private final ByteBuffer buffer;
    private long count;
    private long lastWindowStart = Long.MIN_VALUE;
    private boolean closed;

    private Writer(Path file, int dimension) {
      this.file = file;
      this.dimension = dimension;
      int rowBytes = rowBytes(dimension);
      this.buffer = ByteBuffer.allocate(Math.max(BUFFER_BYTES, rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
      try {
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putInt(VERSION).putInt(dimension).putInt(0).putLong(-1L).putLong(0L).flip();
        writeFully(header);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create vector file " + file, e);
      }
    }

    /** Appends one row; window starts must not decrease, because readers rely on time order. */
    public void append(long windowStartMicros, float[] vector) {
      if (closed) {
        throw new IllegalStateException("vector file writer for " + file + " is closed");
      }
      if (vector.length != dimension) {
        throw new IllegalArgumentException("vector of length " + vector.length + " for a file of dimension " + dimension);
      }
      if (windowStartMicros < lastWindowStart) {
        throw new IllegalArgumentException("rows must be appended in time order: window " + windowStartMicros
            + " after " + lastWindowStart);
      }
      lastWindowStart = windowStartMicros;
      if (buffer.remaining() < Long.BYTES + dimension * Float.BYTES) {
        flush();
      }
      buffer.putLong(windowStartMicros);
      for (float v : vector) {
        buffer.putFloat(v);
      }
      count++;
    }

    /** Rows appended so far. */
    public long count() {
      return count;
    }

    /** Writes the buffered rows and the row count; the file is readable afterwards. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try (channel) {
        flush();
        ByteBuffer countBytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(count).flip();
        while (countBytes.hasRemaining()) {
          channel.write(countBytes, COUNT_OFFSET + countBytes.position());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot finish vector file " + file, e);
      }
    }

    private void flush() {
      buffer.flip();
      try {
        writeFully(buffer);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write vector file " + file, e);
      }
      buffer.clear();
    }

    private void writeFully(ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    }
  }
}
