package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ExabgpPipe} on a real named pipe ({@code mkfifo}), read as ExaBGP reads its API pipe. */
class ExabgpPipeTest {
  @TempDir Path dir;

  private Path fifo() throws Exception {
    Path p = dir.resolve("exabgp.in");
    Process mkfifo = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    return p;
  }

  @Test
  void writesEveryCommandAsOneLineToTheReader() throws Exception {
    Path pipe = fifo();
    CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
      try {
        return Files.readString(pipe, StandardCharsets.UTF_8); // until the writer closes, as ExaBGP's loop reads
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    List<String> commands = List.of("announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666]",
        "announce flow route { match { destination 203.0.113.10/32; protocol =tcp; } then { discard; } }");
    ExabgpPipe.write(pipe, commands, Duration.ofSeconds(10));
    assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(String.join("\n", commands) + "\n");
  }

  @Test
  void aPipeNobodyReadsFailsAfterTheTimeoutWithNothingWritten() throws Exception {
    Path pipe = fifo();
    long start = System.nanoTime();
    assertThatThrownBy(() -> ExabgpPipe.write(pipe, List.of("announce route 192.0.2.7/32 next-hop 192.0.2.1"),
        Duration.ofSeconds(1))).hasMessageContaining("nobody read ExaBGP's pipe")
        .hasMessageContaining("nothing written");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void refusesARegularFileAndAMissingPath() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-pipe"), "");
    assertThatThrownBy(() -> ExabgpPipe.write(file, List.of("x"), Duration.ofSeconds(1)))
        .hasMessageContaining("is not a named pipe");
    assertThat(Files.readString(file)).isEmpty();
    assertThatThrownBy(() -> ExabgpPipe.write(dir.resolve("absent"), List.of("x"), Duration.ofSeconds(1)))
        .hasMessageContaining("no ExaBGP pipe at");
  }
}
