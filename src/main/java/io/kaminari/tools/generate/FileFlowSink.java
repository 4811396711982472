package io.kaminari.tools.generate;

import io.kaminari.common.time.Hour;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/**
 * Writes messages as JSON lines into one file per UTC hour of arrival, {@code flows-2024-05-01T10.jsonl} (or
 * {@code .jsonl.gz}), each appearing under its final name only once complete.
 *
 * <p>An hour is written to {@code .flows-...jsonl.tmp}, synced and renamed atomically when the next hour begins or
 * the sink closes; the leading dot also makes Spark's and Hadoop's file sources skip it. Existing files are never
 * overwritten, and arrival hours must not go back, since either would change a file a reader may already have seen.
 */
public final class FileFlowSink implements FlowSink {
  private static final long HOUR_MILLIS = 3_600_000L;

  private final Path directory;
  private final boolean gzip;
  private long hour = Long.MIN_VALUE;
  private FileOutputStream file;
  private OutputStream out;
  private Path tmp;
  private Path target;

  /** A sink into {@code directory} (created if missing), gzip-compressing each file when {@code gzip} is set. */
  public FileFlowSink(Path directory, boolean gzip) throws IOException {
    this.directory = Files.createDirectories(directory);
    this.gzip = gzip;
  }

  /** The file name holding messages that arrived in the hour starting at {@code hourStart}. */
  public static String fileName(Instant hourStart, boolean gzip) {
    return "flows-" + Hour.of(hourStart) + (gzip ? ".jsonl.gz" : ".jsonl");
  }

  @Override
  public void accept(long arrivalEpochMillis, byte[] message) throws IOException {
    long messageHour = Math.floorDiv(arrivalEpochMillis, HOUR_MILLIS);
    if (messageHour != hour) {
      if (messageHour < hour) {
        throw new IOException("arrival times must not decrease: got " + Instant.ofEpochMilli(arrivalEpochMillis)
            + " after writing the hour of " + Instant.ofEpochMilli(hour * HOUR_MILLIS));
      }
      finishFile();
      open(messageHour);
    }
    out.write(message);
    out.write('\n');
  }

  private void open(long newHour) throws IOException {
    String name = fileName(Instant.ofEpochMilli(newHour * HOUR_MILLIS), gzip);
    target = directory.resolve(name);
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "refusing to overwrite a completed flow file");
    }
    tmp = directory.resolve("." + name + ".tmp");
    file = new FileOutputStream(tmp.toFile());
    OutputStream buffered = new BufferedOutputStream(file, 1 << 20);
    out = gzip ? new GZIPOutputStream(buffered, 1 << 16) : buffered;
    hour = newHour;
  }

  private void finishFile() throws IOException {
    if (out == null) {
      return;
    }
    try (OutputStream closing = out) {
      if (closing instanceof GZIPOutputStream gz) {
        gz.finish();
      }
      closing.flush();
      file.getFD().sync();
    }
    out = null;
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Completes and publishes the current hour's file. */
  @Override
  public void close() throws IOException {
    finishFile();
  }
}
