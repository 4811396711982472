package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grouping scope keys by their training traffic. */
class ScopeGroupsTest {
  @TempDir Path dir;

  /** {@code n} keys {@code prefix-i} present in {@code rows} windows each, the i-th sending {@code (i + 1) × step}. */
  private static Map<String, ScopeGroups.KeyTraffic> keys(String prefix, int n, long rows, long step) {
    Map<String, ScopeGroups.KeyTraffic> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) out.put(prefix + i, new ScopeGroups.KeyTraffic(rows, (i + 1) * step, i, 10L * i));
    return out;
  }

  @Test
  void keysAreCutByTrafficIntoGroupsOfAboutEqualRowsQuietestFirst() {
    // 200 quiet keys in 50 windows each and 20 busy keys in all 1,000: 10,000 + 20,000 rows, 4 groups of ~7,500.
    Map<String, ScopeGroups.KeyTraffic> traffic = keys("quiet-", 200, 50, 10);
    traffic.putAll(keys("busy-", 20, 1000, 1_000_000));
    ScopeGroups.Plan plan = ScopeGroups.plan(traffic, 1000, 1000);
    assertThat(plan.groups()).isEqualTo(ScopeGroups.MAX_GROUPS);
    assertThat(plan.rows()).allSatisfy(r -> assertThat(r).isBetween(5_000L, 10_000L));
    assertThat(plan.rows().stream().mapToLong(Long::longValue).sum()).isEqualTo(30_000);
    assertThat(plan.keysPerWindow()).isEqualTo(30.0);
    // Quietest first: every quiet key in a lower group than every busy one, and each group's bounds in order.
    int highestQuiet = traffic.keySet().stream().filter(k -> k.startsWith("quiet"))
        .mapToInt(k -> plan.assignments().get(k)).max().orElseThrow();
    int lowestBusy = traffic.keySet().stream().filter(k -> k.startsWith("busy"))
        .mapToInt(k -> plan.assignments().get(k)).min().orElseThrow();
    assertThat(highestQuiet).isLessThanOrEqualTo(lowestBusy);
    assertThat(plan.assignments().get("quiet-0")).isZero();
    assertThat(plan.assignments().get("busy-19")).isEqualTo(3);
    for (int g = 1; g < plan.groups(); g++) {
      assertThat(plan.bounds().get(g)[0]).isGreaterThanOrEqualTo(plan.bounds().get(g - 1)[1]);
    }
    assertThat(plan.bounds().get(0)[0]).isCloseTo(10 / 1000.0, within(1e-12));
  }

  @Test
  void fewRowsMakeOneGroupAndAShortLastGroupJoinsTheOneBefore() {
    ScopeGroups.Plan one = ScopeGroups.plan(keys("k", 30, 60, 5), 60, 60);
    assertThat(one.groups()).isEqualTo(1);
    assertThat(one.assignments().values()).containsOnly(0);
    assertThat(one.keysPerWindow()).isEqualTo(30.0);
    // 2,400 rows make 2 groups of 1,200; keys are whole, so a cut cannot leave a group under 1,000 rows.
    Map<String, ScopeGroups.KeyTraffic> lumpy = keys("k", 3, 100, 1);
    lumpy.put("big", new ScopeGroups.KeyTraffic(2100, 1_000, 9, 90));
    ScopeGroups.Plan plan = ScopeGroups.plan(lumpy, 2100, 2100);
    assertThat(plan.rows()).allSatisfy(r -> assertThat(r).isGreaterThanOrEqualTo(ScopeGroups.MIN_GROUP_ROWS));
    assertThat(plan.groups()).isEqualTo(1);
    assertThatThrownBy(() -> ScopeGroups.plan(Map.of(), 10, 10)).hasMessageContaining("no training keys");
  }

  @Test
  void assignmentsRoundTripAndTheManifestFieldValidates() {
    ScopeGroups.Assignments a = new ScopeGroups.Assignments(1, Map.of("192.0.2.0/24", 1, "198.51.100.0/24", 0));
    a.write(dir);
    assertThat(ScopeGroups.Assignments.read(dir)).isEqualTo(a);
    assertThatThrownBy(() -> new ScopeGroups.Assignments(2, Map.of())).hasMessageContaining("format 2");
    ScopeGroups.Group g0 = new ScopeGroups.Group(0, "group-0", 0, 1, 3, 1000, 1.5, "q", null);
    assertThatThrownBy(() -> new ScopeGroups(ScopeGroups.RULE, 100, 0.5, 0, ScopeGroups.FILE_NAME, java.util.List.of(g0), null))
        .hasMessageContaining("keys_per_window");
    assertThatThrownBy(() -> new ScopeGroups(ScopeGroups.RULE, 100, 2, 0, ScopeGroups.FILE_NAME,
        java.util.List.of(new ScopeGroups.Group(1, "group-1", 0, 1, 3, 1000, 1.5, "q", null)), null))
        .hasMessageContaining("numbered 1");
    assertThatThrownBy(() -> new ScopeGroups.Group(0, "../x", 0, 1, 3, 1000, 1.5, "q", null))
        .hasMessageContaining("'..'");
  }
}
