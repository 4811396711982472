package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The held-out rows a version keeps: which rows, in what order, how many at most, and refused inputs. */
class HeldOutTest {
  @TempDir Path dir;

  /** {@code n} rows of one value each (the row's index plus {@code base}), one window apart from {@code start}. */
  private static InMemoryVectorSource rows(int n, long start, float base) {
    long[] starts = new long[n];
    float[][] v = new float[n][];
    for (int i = 0; i < n; i++) {
      starts[i] = start + i * 60_000_000L;
      v[i] = new float[] {base + i};
    }
    return new InMemoryVectorSource(starts, v);
  }

  private static List<String> keys(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
  }

  @Test
  void keepsTheTailOfEverySourceMergedInTimeOrderWithItsKeys() throws Exception {
    // Group a: 20 rows from minute 0 (tail: the last 2); group b: 10 rows from minute 5 (tail: the last 1).
    InMemoryVectorSource a = rows(20, 0, 0);
    InMemoryVectorSource b = rows(10, 5 * 60_000_000L, 100);
    long written = HeldOut.write(dir, List.of(a, b), List.of(keys("a", 20).iterator(), keys("b", 10).iterator()),
        0.1);
    assertThat(written).isEqualTo(3);
    assertThat(Files.readAllLines(dir.resolve(HeldOut.KEYS))).containsExactly("b9", "a18", "a19");
    try (VectorFile f = VectorFile.open(dir.resolve(HeldOut.VECTORS))) {
      float[] v = new float[1];
      List<Float> values = new ArrayList<>();
      for (long i = 0; i < f.size(); i++) {
        f.read(i, v, 0);
        values.add(v[0]);
      }
      assertThat(values).containsExactly(109f, 18f, 19f);
      assertThat(f.windowStartMicros(0)).isEqualTo(14 * 60_000_000L);
    }
  }

  @Test
  void keepsAtMostMaxRowsEvenlySpaced() throws Exception {
    int n = 250_000; // half held out: 125,000 rows, every second one kept
    long written = HeldOut.write(dir, List.of(rows(n, 0, 0)), List.of(keys("k", n).iterator()), 0.5);
    assertThat(written).isEqualTo(62_500).isLessThanOrEqualTo(HeldOut.MAX_ROWS);
    List<String> kept = Files.readAllLines(dir.resolve(HeldOut.KEYS));
    assertThat(kept.get(0)).isEqualTo("k125000");
    assertThat(kept.get(1)).isEqualTo("k125002");
    assertThat(kept.get(kept.size() - 1)).isEqualTo("k249998");
  }

  /**
   * The executor path: each group's tail chosen alone at the stride of the total, copied out of its source (as a Spark
   * task hands it to the driver) and merged, gives the very files of {@link HeldOut#write}.
   */
  @Test
  void tailsCopiedOutOfTheirSourcesMergeToTheFilesWriteGives() throws Exception {
    InMemoryVectorSource a = rows(150_000, 0, 0);
    InMemoryVectorSource b = rows(90_000, 7 * 60_000_000L, 1_000_000);
    Path direct = Files.createDirectories(dir.resolve("direct"));
    long written = HeldOut.write(direct, List.of(a, b), List.of(keys("a", 150_000).iterator(),
        keys("b", 90_000).iterator()), 0.5);

    long stride = HeldOut.stride(List.of(150_000L, 90_000L), 0.5); // 75,000 + 45,000 held out
    assertThat(stride).isEqualTo(2);
    HeldOut.Tail ta = HeldOut.tail(a, keys("a", 150_000).iterator(), 0.5, stride);
    HeldOut.Tail tb = HeldOut.tail(b, keys("b", 90_000).iterator(), 0.5, stride);
    ta.writeTo(dir.resolve("a.kvec"));
    tb.writeTo(dir.resolve("b.kvec"));
    Path merged = Files.createDirectories(dir.resolve("merged"));
    try (VectorFile fa = VectorFile.open(dir.resolve("a.kvec"));
        VectorFile fb = VectorFile.open(dir.resolve("b.kvec"))) {
      assertThat(HeldOut.merge(merged, List.of(new HeldOut.Tail(fa, 0, 1, ta.keys()),
          new HeldOut.Tail(fb, 0, 1, tb.keys())))).isEqualTo(written).isEqualTo(37_500 + 22_500);
    }
    assertThat(Files.readAllBytes(merged.resolve(HeldOut.VECTORS)))
        .isEqualTo(Files.readAllBytes(direct.resolve(HeldOut.VECTORS)));
    assertThat(Files.readAllLines(merged.resolve(HeldOut.KEYS)))
        .isEqualTo(Files.readAllLines(direct.resolve(HeldOut.KEYS)));
  }

  @Test
  void refusesMissingKeysAndKeysThatWouldBreakTheFile() {
    assertThatThrownBy(() -> HeldOut.write(dir, List.of(rows(10, 0, 0)), List.of(keys("k", 9).iterator()), 0.1))
        .hasMessage("a source has 10 rows but only 9 keys");
    List<String> bad = new ArrayList<>(keys("k", 9));
    bad.add("10.0.0.0/24\nx");
    assertThatThrownBy(() -> HeldOut.write(dir, List.of(rows(10, 0, 0)), List.of(bad.iterator()), 0.1))
        .hasMessageContaining("a scope key with a line break");
    assertThatThrownBy(() -> HeldOut.write(dir, List.of(rows(10, 0, 0)), List.of(), 0.1))
        .hasMessageContaining("1 sources with 0 key lists");
  }
}
