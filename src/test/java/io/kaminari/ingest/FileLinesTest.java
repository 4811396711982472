package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileLinesTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1); // one byte per char, whatever its value
  }

  private static List<String> lines(byte[] text) {
    return FileLines.split(text).stream()
        .map(l -> l.number() + ":" + new String(l.bytes(), StandardCharsets.ISO_8859_1)).toList();
  }

  @Test
  void splitsAtNewlineOnlyKeepingEveryOtherByte() {
    assertThat(lines(bytes("{\"a\":\"\u00ff\u00c3(\"}\r\n{\"b\":1}\n")))
        .containsExactly("0:{\"a\":\"\u00ff\u00c3(\"}\r", "1:{\"b\":1}");
  }

  @Test
  void numbersBlankLinesButDoesNotReturnThem() {
    assertThat(lines(bytes("\n{}\n \t\r\n\n{\"x\":2}"))).containsExactly("1:{}", "4:{\"x\":2}");
  }

  @Test
  void emptyOrNullHasNoLines() {
    assertThat(FileLines.split(new byte[0])).isEmpty();
    assertThat(FileLines.split(null)).isEmpty();
    assertThat(lines(bytes("\n"))).isEmpty();
  }
}
