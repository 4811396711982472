package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileLinesTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1); // one byte per char, whatever its value
  }

  private static List<String> lines(InputStream in) throws IOException {
    List<String> out = new ArrayList<>();
    try (FileLines lines = new FileLines(in)) {
      lines.forEachRemaining(l -> out.add(l.number() + ":" + new String(l.bytes(), StandardCharsets.ISO_8859_1)));
    }
    return out;
  }

  private static List<String> lines(String text) throws IOException {
    return lines(new ByteArrayInputStream(bytes(text)));
  }

  @Test
  void splitsAtNewlineOnlyKeepingEveryOtherByte() throws IOException {
    assertThat(lines("{\"a\":\"\u00ff\u00c3(\"}\r\n{\"b\":1}\n"))
        .containsExactly("0:{\"a\":\"\u00ff\u00c3(\"}\r", "1:{\"b\":1}");
  }

  @Test
  void numbersBlankLinesButDoesNotReturnThem() throws IOException {
    assertThat(lines("\n{}\n \t\r\n\n{\"x\":2}")).containsExactly("1:{}", "4:{\"x\":2}");
  }

  /** Once the lines have run out the reader does not touch its stream again: the caller may already have closed it. */
  @Test
  void askingAgainAfterTheEndDoesNotReadAClosedStream() throws IOException {
    FileLines lines = new FileLines(new java.io.BufferedInputStream(new ByteArrayInputStream(bytes("{}\n"))));
    assertThat(lines.next().number()).isZero();
    assertThat(lines.hasNext()).isFalse();
    lines.close();
    assertThat(lines.hasNext()).isFalse();
  }

  @Test
  void emptyOrBlankHasNoLines() throws IOException {
    assertThat(lines("")).isEmpty();
    assertThat(lines("\n")).isEmpty();
    assertThat(lines(" \r\n\t")).isEmpty();
  }

  /** Lines split across reads (a stream handing out one byte at a time) come out whole and in order. */
  @Test
  void joinsLinesAcrossReads() throws IOException {
    String text = "{\"a\":1}\n\n" + "x".repeat(200_000) + "\n{\"b\":2}";
    InputStream trickle = new ByteArrayInputStream(bytes(text)) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1));
      }
    };
    assertThat(lines(trickle)).containsExactly("0:{\"a\":1}", "2:" + "x".repeat(200_000), "3:{\"b\":2}");
  }

  /**
   * A file larger than any Java array (2.25 GB here, generated as it is read) streams through: the reader never holds
   * the file, which one Spark row per file (the wholetext source) could not exceed.
   */
  @Test
  void streamsAFileLargerThanAnyArray() throws IOException {
    byte[] line = bytes("{\"stamp_inserted\":\"2024-05-02 08:00:00\",\"packets\":1}" + " ".repeat(969) + "\n");
    long count = (9L << 28) / line.length; // 2.25 GiB of 1 KiB lines
    InputStream generated = new InputStream() {
      private long at;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        long total = count * line.length;
        if (at >= total) return -1;
        int from = (int) (at % line.length);
        int n = (int) Math.min(Math.min(len, line.length - from), total - at);
        System.arraycopy(line, from, b, off, n);
        at += n;
        return n;
      }
    };
    long seen = 0;
    long last = -1;
    try (FileLines lines = new FileLines(generated)) {
      while (lines.hasNext()) {
        FileLines.Line l = lines.next();
        assertThat(l.bytes()).hasSize(line.length - 1);
        last = l.number();
        seen++;
      }
    }
    assertThat(count * line.length).isGreaterThan(Integer.MAX_VALUE);
    assertThat(seen).isEqualTo(count);
    assertThat(last).isEqualTo(count - 1);
  }
}
