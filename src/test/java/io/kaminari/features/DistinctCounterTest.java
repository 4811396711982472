package io.kaminari.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The distinct counter: exact to the cap, a HyperLogLog of documented accuracy above, and order-independent. */
class DistinctCounterTest {

  /** IPv4 addresses in dotted text, consecutive from a seeded base: the adversarial case for a weak string hash. */
  private static List<String> addresses(int n, long seed) {
    Random random = new Random(seed);
    int base = random.nextInt();
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int a = base + i;
      out.add((a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255));
    }
    return out;
  }

  @Test
  void exactUpToTheCapRepeatsIgnored() {
    DistinctCounter c = new DistinctCounter();
    List<String> values = addresses(DistinctCounter.EXACT_CAP, 1);
    for (int round = 0; round < 3; round++) values.forEach(c::add);
    assertThat(c.count()).isEqualTo(DistinctCounter.EXACT_CAP);
    assertThat(c.isEstimate()).isFalse();
    c.add(values.get(0));
    assertThat(c.isEstimate()).isFalse();
    c.add("2001:db8::1");
    assertThat(c.isEstimate()).isTrue();
    assertThat(new DistinctCounter().count()).isZero();
  }

  @Test
  void aboveTheCapEveryEstimateIsWithinFourStandardErrorsAndTheRmsWithinOneAndAHalf() {
    int[] sizes = {1025, 1500, 3000, 6000, 10_000, 20_000, 50_000, 100_000, 300_000, 1_000_000};
    double squares = 0;
    int runs = 0;
    double worst = 0;
    for (int n : sizes) {
      int seeds = n >= 300_000 ? 2 : 6;
      for (int seed = 0; seed < seeds; seed++) {
        DistinctCounter c = new DistinctCounter();
        for (String a : addresses(n, 100L * n + seed)) c.add(a);
        double relative = (c.count() - n) / (double) n;
        worst = Math.max(worst, Math.abs(relative));
        assertThat(Math.abs(relative)).as("n=%d seed %d estimate %d", n, seed, c.count())
            .isLessThanOrEqualTo(4 * DistinctCounter.RELATIVE_STANDARD_ERROR);
        squares += relative * relative;
        runs++;
      }
    }
    double rms = Math.sqrt(squares / runs);
    System.out.printf("DistinctCounter: rms relative error %.4f, worst %.4f over %d runs%n", rms, worst, runs);
    assertThat(rms).isLessThanOrEqualTo(1.5 * DistinctCounter.RELATIVE_STANDARD_ERROR);
  }

  @Test
  void theCountDependsOnTheSetNotOnTheOrderOfAddsAndMerges() {
    for (int n : new int[] {700, 5_000}) {
      List<String> values = addresses(n, n);
      DistinctCounter sequential = new DistinctCounter();
      values.forEach(sequential::add);
      List<String> shuffled = new ArrayList<>(values);
      shuffled.addAll(values.subList(0, n / 3)); // repeats across partials
      Collections.shuffle(shuffled, new Random(7));
      DistinctCounter[] parts = new DistinctCounter[4];
      for (int p = 0; p < parts.length; p++) parts[p] = new DistinctCounter();
      for (int i = 0; i < shuffled.size(); i++) parts[i % 4 == 0 ? 0 : i % 3 + 1].add(shuffled.get(i));
      DistinctCounter merged = new DistinctCounter();
      merged.merge(parts[2]);
      parts[0].merge(parts[3]);
      merged.merge(parts[0]);
      merged.merge(parts[1]);
      assertThat(merged.count()).as("n=%d", n).isEqualTo(sequential.count());
      assertThat(merged.isEstimate()).isEqualTo(n > DistinctCounter.EXACT_CAP);
    }
    assertThat(new DistinctCounter().count()).isZero();
  }

  @Test
  void twoExactPartialsWhoseUnionPassesTheCapBecomeASketch() {
    List<String> values = addresses(1500, 3);
    DistinctCounter a = new DistinctCounter();
    DistinctCounter b = new DistinctCounter();
    values.subList(0, 800).forEach(a::add);
    values.subList(700, 1500).forEach(b::add);
    a.merge(b);
    assertThat(a.isEstimate()).isTrue();
    assertThat((double) a.count()).isCloseTo(1500, org.assertj.core.data.Offset.offset(1500 * 0.065));
    assertThat(b.count()).as("the merged partial is unchanged").isEqualTo(800);
  }

  @Test
  void theHashIsFixed() {
    // Partials merged across JVMs must hash alike: pin the function.
    assertThat(DistinctCounter.hash("192.0.2.1")).isEqualTo(DistinctCounter.hash(new String("192.0.2.1")));
    assertThat(Long.toHexString(DistinctCounter.hash(""))).isEqualTo(Long.toHexString(fmix(0xCBF29CE484222325L)));
  }

  private static long fmix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
