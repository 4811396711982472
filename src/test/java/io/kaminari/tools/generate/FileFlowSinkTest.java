package io.kaminari.tools.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFlowSinkTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final GeneratorConfig THREE_HOURS =
      GeneratorConfig.of(21, T0, Duration.ofHours(3), 30_000).withBenignHosts(500).withMarkers(true);

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<String> readLines(Path file, boolean gzip) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = gzip ? new GZIPInputStream(raw) : raw;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      return reader.lines().toList();
    }
  }

  @Test
  void rollsOneFilePerArrivalHourAndLeavesNoTmpFiles(@TempDir Path dir) throws Exception {
    GenerationResult result;
    try (FileFlowSink sink = new FileFlowSink(dir, false)) {
      result = new TrafficGenerator(THREE_HOURS).run(sink);
    }

    // The last flows of 12:59 arrive after 13:00, so a fourth hour holds the tail.
    assertThat(names(dir)).containsExactly("flows-2024-05-01T10.jsonl", "flows-2024-05-01T11.jsonl",
        "flows-2024-05-01T12.jsonl", "flows-2024-05-01T13.jsonl");
    List<String> all = new ArrayList<>();
    for (String name : names(dir)) {
      List<String> lines = readLines(dir.resolve(name), false);
      String hour = name.substring("flows-".length(), "flows-2024-05-01T10".length()).replace('T', ' ');
      assertThat(lines).allSatisfy(l -> assertThat(l).satisfiesAnyOf(
          x -> assertThat(x).contains("\"timestamp_arrival\": \"" + hour + ":"),
          x -> assertThat(x).contains("\"event_type\": \"purge_")));
      all.addAll(lines);
    }
    assertThat(all).hasSize((int) result.messages());
    assertThat(all).isEqualTo(CollectingSink.run(THREE_HOURS).lines());
  }

  @Test
  void gzipFilesDecompressToTheSameLines(@TempDir Path dir) throws Exception {
    try (FileFlowSink sink = new FileFlowSink(dir, true)) {
      new TrafficGenerator(THREE_HOURS).run(sink);
    }

    List<String> names = names(dir);
    assertThat(names).hasSize(4).allSatisfy(n -> assertThat(n).matches("flows-2024-05-01T1[0-3]\\.jsonl\\.gz"));
    List<String> all = new ArrayList<>();
    for (String name : names) {
      all.addAll(readLines(dir.resolve(name), true));
    }
    assertThat(all).isEqualTo(CollectingSink.run(THREE_HOURS).lines());
  }

  @Test
  void anUnfinishedHourIsOnlyATmpFile(@TempDir Path dir) throws Exception {
    FileFlowSink sink = new FileFlowSink(dir, false);
    sink.accept(T0.toEpochMilli(), "{}".getBytes(StandardCharsets.US_ASCII));
    assertThat(names(dir)).containsExactly(".flows-2024-05-01T10.jsonl.tmp");

    sink.accept(T0.plusSeconds(3600).toEpochMilli(), "{}".getBytes(StandardCharsets.US_ASCII));
    assertThat(names(dir)).containsExactly(".flows-2024-05-01T11.jsonl.tmp", "flows-2024-05-01T10.jsonl");

    sink.close();
    assertThat(names(dir)).containsExactly("flows-2024-05-01T10.jsonl", "flows-2024-05-01T11.jsonl");
  }

  @Test
  void refusesToOverwriteOrGoBackInTime(@TempDir Path dir) throws Exception {
    byte[] message = "{}".getBytes(StandardCharsets.US_ASCII);
    try (FileFlowSink sink = new FileFlowSink(dir, false)) {
      sink.accept(T0.plusSeconds(3600).toEpochMilli(), message);
      assertThatThrownBy(() -> sink.accept(T0.toEpochMilli(), message))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("arrival times must not decrease");
    }
    try (FileFlowSink again = new FileFlowSink(dir, false)) {
      assertThatThrownBy(() -> again.accept(T0.plusSeconds(3600).toEpochMilli(), message))
          .isInstanceOf(FileAlreadyExistsException.class)
          .hasMessageContaining("refusing to overwrite");
    }
  }
}
