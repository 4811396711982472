package io.kaminari.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Reads a file's JSON lines, byte for byte and one at a time: the records of {@code land --from-files}.
 *
 * <p>Lines end at {@code '\n'} only, as nfacctd writes them; every other byte, a {@code '\r'} or bytes that are not
 * UTF-8 included, stays in its line, so a file line lands exactly as the same bytes from Kafka do. (Splitting the
 * file's text with Spark's string functions decoded it, turning invalid UTF-8 into U+FFFD.) A line's number counts
 * every line from 0, blank ones too; a blank line (only spaces, tabs and {@code '\r'}) is not a record. The last line
 * needs no final {@code '\n'}.
 *
 * <p>The file is streamed: memory holds one read buffer and the longest line, never the file (a file read whole into
 * one row could not exceed 2 GB, and took an executor's memory long before that).
 */
final class FileLines implements Iterator<FileLines.Line>, Closeable {
  private static final int BUFFER = 64 * 1024;

  /** One non-blank line of a file: its 0-based number and its bytes without the {@code '\n'}. */
  record Line(long number, byte[] bytes) {}

  private final InputStream in;
  private final byte[] buf = new byte[BUFFER];
  private int pos;
  private int limit;
  private byte[] line = new byte[1024];
  private int length;
  /** The number the next line read will have. */
  private long number;
  private Line next;
  private boolean ended;

  /** Reads the lines of {@code in}, which the reader closes. */
  FileLines(InputStream in) {
    this.in = in;
  }

  /**
   * Opens a file by its URL (as Spark's {@code _metadata.file_path} gives it), decompressing it by its extension as
   * Hadoop's text input does ({@code .gz}, {@code .bz2}, ...).
   *
   * @param hadoop the Hadoop settings that reach the file system (credentials included)
   */
  static FileLines open(String fileUrl, Map<String, String> hadoop) throws IOException {
    Configuration conf = new Configuration();
    hadoop.forEach(conf::set);
    Path path = new Path(URI.create(fileUrl));
    InputStream in = path.getFileSystem(conf).open(path);
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    return new FileLines(codec == null ? in : codec.createInputStream(in));
  }

  @Override
  public boolean hasNext() {
    try {
      while (next == null && !ended) {
        if (!readLine()) {
          ended = true; // and the stream is never read again, so a caller may close it now
        } else if (!blank()) {
          next = new Line(number - 1, Arrays.copyOf(line, length));
        }
      }
      return next != null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Line next() {
    if (!hasNext()) throw new NoSuchElementException();
    Line l = next;
    next = null;
    return l;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Reads the next line into {@link #line}; false at the end of the file with no byte left. */
  private boolean readLine() throws IOException {
    length = 0;
    boolean any = false;
    while (true) {
      if (pos == limit) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          if (any) number++;
          return any;
        }
        pos = 0;
        limit = n;
        continue;
      }
      any = true;
      int end = pos;
      while (end < limit && buf[end] != '\n') end++;
      append(pos, end);
      if (end < limit) {
        pos = end + 1;
        number++;
        return true;
      }
      pos = limit;
    }
  }

  private void append(int from, int to) {
    int n = to - from;
    if (length + n > line.length) {
      line = Arrays.copyOf(line, Math.max(length + n, (int) Math.min(Integer.MAX_VALUE - 8, 2L * line.length)));
    }
    System.arraycopy(buf, from, line, length, n);
    length += n;
  }

  private boolean blank() {
    for (int i = 0; i < length; i++) {
      if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') return false;
    }
    return true;
  }
}
