package io.kaminari.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** {@link LeaseLock} on the local file system. */
class LeaseLockTest extends AbstractLeaseLockContract {
  @Override
  Path freshDir() {
    try {
      java.nio.file.Path base = Files.createDirectories(java.nio.file.Path.of("target").toAbsolutePath());
      return new Path(Files.createTempDirectory(base, "lease-lock-").toUri().toString(), "lock");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  Configuration conf() {
    return new Configuration();
  }
}
