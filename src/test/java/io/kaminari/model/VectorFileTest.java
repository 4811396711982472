package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorFileTest {
  @TempDir Path dir;

  private static float[][] rows(int n, int dim) {
    float[][] out = new float[n][dim];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < dim; j++) {
        out[i][j] = i * 1000 + j + 0.5f;
      }
    }
    return out;
  }

  @Test
  void roundTripsEveryRowAndTimestamp() throws IOException {
    float[][] data = rows(5000, 7); // more than one 1 MiB write buffer
    Path file = dir.resolve("v.kvec");
    try (VectorFile.Writer w = VectorFile.create(file, 7)) {
      for (int i = 0; i < data.length; i++) {
        w.append(i * 300_000_000L, data[i]);
      }
      assertThat(w.count()).isEqualTo(5000);
    }
    try (VectorFile f = VectorFile.open(file)) {
      assertThat(f.dimension()).isEqualTo(7);
      assertThat(f.size()).isEqualTo(5000);
      float[] row = new float[7];
      for (int i : new int[] {0, 1, 2499, 4999}) {
        f.read(i, row, 0);
        assertThat(row).containsExactly(data[i]);
        assertThat(f.windowStartMicros(i)).isEqualTo(i * 300_000_000L);
      }
      assertThat(Files.size(file)).isEqualTo(32 + 5000L * (8 + 7 * 4));
    }
  }

  @Test
  void iteratesSeveralTimesAndReadsIntoBatches() {
    float[][] data = rows(100, 3);
    try (VectorFile f = VectorFile.copyOf(InMemoryVectorSource.evenlySpaced(data, 60_000_000L), dir.resolve("v.kvec"))) {
      for (int pass = 0; pass < 3; pass++) {
        List<float[]> seen = new ArrayList<>();
        long last = -1;
        for (VectorSource.Row r : f) {
          assertThat(r.windowStartMicros()).isGreaterThan(last);
          last = r.windowStartMicros();
          seen.add(r.values());
        }
        assertThat(seen).hasSize(100);
        assertThat(seen.get(42)).containsExactly(data[42]);
      }
      // a batch of rows 10..13 packed into one flat array, as the trainer does
      float[] batch = new float[4 * 3];
      for (int k = 0; k < 4; k++) {
        f.read(10 + k, batch, k * 3);
      }
      assertThat(batch).startsWith(data[10]).endsWith(data[13]);
      VectorSource tail = f.slice(90, 100);
      assertThat(tail.size()).isEqualTo(10);
      assertThat(tail.iterator().next().values()).containsExactly(data[90]);
      assertThat(tail.windowStartMicros(0)).isEqualTo(90 * 60_000_000L);
      assertThatThrownBy(() -> tail.read(10, batch, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void writerEnforcesTimeOrderAndDimension() {
    try (VectorFile.Writer w = VectorFile.create(dir.resolve("v.kvec"), 2)) {
      w.append(100, new float[2]);
      w.append(100, new float[2]); // ties are fine: several prefixes share a window
      assertThatThrownBy(() -> w.append(99, new float[2])).hasMessageContaining("time order");
      assertThatThrownBy(() -> w.append(200, new float[3])).hasMessageContaining("length 3");
    }
  }

  @Test
  void refusesUnfinishedAndForeignFiles() throws IOException {
    Path unfinished = dir.resolve("unfinished.kvec");
    VectorFile.Writer w = VectorFile.create(unfinished, 2);
    w.append(1, new float[2]);
    // not closed: the count in the header is still -1
    assertThatThrownBy(() -> VectorFile.open(unfinished)).hasMessageContaining("incomplete");
    w.close();
    assertThat(VectorFile.open(unfinished).size()).isEqualTo(1);
    Files.write(unfinished, new byte[] {1}, StandardOpenOption.APPEND);
    assertThatThrownBy(() -> VectorFile.open(unfinished)).hasMessageContaining("truncated");
    Path foreign = Files.writeString(dir.resolve("x.kvec"), "hello, this is not a vector file at all");
    assertThatThrownBy(() -> VectorFile.open(foreign)).hasMessageContaining("not a Kaminari vector file");
  }
}
