package io.kaminari.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Top talkers: exact sums below the cap whatever the order, the Misra-Gries bounds above it. */
class TopTalkersTest {

  @Test
  void belowTheCapTheCountsAreExactSumsRankedByCountThenKey() {
    TopTalkers t = new TopTalkers();
    t.add("b", 5);
    t.add("a", 5);
    t.add("c", 9);
    t.add("b", 1);
    assertThat(t.top(5)).containsExactly(new TopTalkers.Entry("c", 9), new TopTalkers.Entry("b", 6),
        new TopTalkers.Entry("a", 5));
    assertThat(t.describe(40)).containsExactly("c (23%)", "b (15%)", "a (13%)");
    assertThat(t.isEstimate()).isFalse();
    assertThat(t.error()).isZero();
    assertThat(t.total()).isEqualTo(20);
  }

  @Test
  void aDescribedLineGivesBackItsShareAndAnyOtherTextGivesNone() {
    TopTalkers t = new TopTalkers();
    t.add("2001:db8::1", 96);
    t.add("10.0.0.1", 4);
    assertThat(t.describe(100)).extracting(TopTalkers::share).containsExactly(0.96, 0.04);
    assertThat(TopTalkers.share("10.1.2.3 (>=4%)")).as("an estimate's lower bound").isEqualTo(0.04);
    assertThat(TopTalkers.share("10.1.2.3 (100%)")).isEqualTo(1.0);
    for (String bad : List.of("", "10.1.2.3", "10.1.2.3 (96)", "10.1.2.3 (x%)", "10.1.2.3 (-4%)", "(%)", "a (>=%)")) {
      assertThat(TopTalkers.share(bad)).as(bad).isEqualTo(-1);
    }
  }

  @Test
  void belowTheCapAnyOrderOfAddsAndMergesGivesTheSameSummary() {
    Random random = new Random(1);
    List<String[]> flows = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      flows.add(new String[] {"k" + random.nextInt(TopTalkers.EXACT_CAP), Integer.toString(1 + random.nextInt(50))});
    }
    TopTalkers sequential = new TopTalkers();
    flows.forEach(f -> sequential.add(f[0], Long.parseLong(f[1])));
    Collections.shuffle(flows, new Random(2));
    TopTalkers a = new TopTalkers();
    TopTalkers b = new TopTalkers();
    for (int i = 0; i < flows.size(); i++) (i % 3 == 0 ? a : b).add(flows.get(i)[0], Long.parseLong(flows.get(i)[1]));
    b.merge(a);
    assertThat(b.top(TopTalkers.EXACT_CAP)).isEqualTo(sequential.top(TopTalkers.EXACT_CAP));
    assertThat(b.isEstimate()).isFalse();
  }

  @Test
  void aboveTheCapHeavyKeysSurviveWithCountsWithinTheErrorBound() {
    Random random = new Random(3);
    Map<String, Long> truth = new HashMap<>();
    TopTalkers[] parts = {new TopTalkers(), new TopTalkers(), new TopTalkers()};
    TopTalkers sequential = new TopTalkers();
    long total = 0;
    for (int i = 0; i < 200_000; i++) {
      // Three heavy hitters among 50,000 light keys (a spoofed flood's sources and a few real talkers).
      int r = random.nextInt(100);
      String key = r < 5 ? "heavy-a" : r < 8 ? "heavy-b" : r < 10 ? "heavy-c" : "light-" + random.nextInt(50_000);
      long packets = 1 + random.nextInt(3);
      truth.merge(key, packets, Long::sum);
      total += packets;
      sequential.add(key, packets);
      parts[random.nextInt(3)].add(key, packets);
    }
    TopTalkers merged = new TopTalkers();
    for (TopTalkers p : parts) merged.merge(p);
    for (TopTalkers t : List.of(sequential, merged)) {
      assertThat(t.isEstimate()).isTrue();
      assertThat(t.total()).isEqualTo(total);
      assertThat(t.error()).isPositive().isLessThanOrEqualTo(total / (TopTalkers.KEPT + 1));
      List<TopTalkers.Entry> top = t.top(3);
      assertThat(top).extracting(TopTalkers.Entry::key).containsExactly("heavy-a", "heavy-b", "heavy-c");
      for (TopTalkers.Entry e : t.top(TopTalkers.KEPT)) {
        long trueCount = truth.get(e.key());
        assertThat(e.packets()).as(e.key()).isLessThanOrEqualTo(trueCount)
            .isGreaterThanOrEqualTo(trueCount - t.error());
      }
      assertThat(t.describe(total).get(0)).startsWith("heavy-a (>=");
    }
  }

  @Test
  void selectFindsTheSameOrderStatisticAsASort() {
    Random random = new Random(4);
    for (int round = 0; round < 2_000; round++) {
      // Few distinct values as well as many: ties are the common case of packet counts.
      long[] values = new long[1 + random.nextInt(300)];
      int range = 1 + random.nextInt(round % 2 == 0 ? 5 : 1_000_000);
      for (int i = 0; i < values.length; i++) values[i] = random.nextInt(range);
      long[] sorted = values.clone();
      java.util.Arrays.sort(sorted);
      int k = random.nextInt(values.length);
      assertThat(TopTalkers.select(values, k)).as("round %d", round).isEqualTo(sorted[k]);
    }
  }

  @Test
  void topIsTheHeadOfTheFullRankingForEveryN() {
    Random random = new Random(5);
    TopTalkers t = new TopTalkers();
    Map<String, Long> counts = new HashMap<>();
    for (int i = 0; i < 2_000; i++) {
      String key = "10.0.0." + random.nextInt(TopTalkers.EXACT_CAP);
      long packets = random.nextInt(4); // many ties, broken by key text
      t.add(key, packets);
      counts.merge(key, packets, Long::sum);
    }
    List<TopTalkers.Entry> ranking = new ArrayList<>();
    counts.forEach((k, v) -> ranking.add(new TopTalkers.Entry(k, v)));
    ranking.sort(java.util.Comparator.comparingLong((TopTalkers.Entry e) -> -e.packets())
        .thenComparing(TopTalkers.Entry::key));
    for (int n : new int[] {0, 1, 3, 64, ranking.size(), ranking.size() + 5}) {
      assertThat(t.top(n)).as("n=%d", n).isEqualTo(ranking.subList(0, Math.min(n, ranking.size())));
    }
  }
}
