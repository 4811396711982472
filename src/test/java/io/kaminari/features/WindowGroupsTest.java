package io.kaminari.features;

import static io.kaminari.features.Flows.flow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shared grouping loop: window and scope key per flow, its last-window shortcut, empty global windows. */
class WindowGroupsTest {
  private static final FeatureSpec GLOBAL = FeatureSpec.seed(Scope.GLOBAL);
  private static final FeatureSpec PREFIX = FeatureSpec.seed(Scope.DST_PREFIX);
  private static final long W = GLOBAL.windowMicros();

  @Test
  void groupsByWindowThenScopeKeyWhateverTheOrderOfTheFlows() {
    // Interleaved windows and keys, so the kept last window is wrong for most flows.
    Random r = new Random(3);
    List<String> prefixes = List.of("192.0.2.9", "198.51.100.4", "2001:db8::1");
    WindowGroups<WindowGroup> groups = WindowGroups.of(PREFIX);
    long[][] expected = new long[5][prefixes.size()];
    for (int i = 0; i < 2000; i++) {
      int window = r.nextInt(5);
      int key = r.nextInt(prefixes.size());
      WindowGroup w = groups.add(flow(window * W + r.nextInt((int) W), prefixes.get(key), 1000, 80, 1));
      assertThat(w.startMicros()).isEqualTo(window * W);
      expected[window][key]++;
    }
    assertThat(groups.windows()).extracting(WindowGroup::startMicros).containsExactly(0L, W, 2 * W, 3 * W, 4 * W);
    for (WindowGroup w : groups.windows()) {
      int window = (int) (w.startMicros() / W);
      assertThat(w.byKeySorted().keySet()).containsExactly("192.0.2.0/24", "198.51.100.0/24", "2001:db8::/64");
      assertThat(w.byKey().get("192.0.2.0/24").flowCount()).isEqualTo(expected[window][0]);
      assertThat(w.byKey().get("198.51.100.0/24").flowCount()).isEqualTo(expected[window][1]);
      assertThat(w.byKey().get("2001:db8::/64").flowCount()).isEqualTo(expected[window][2]);
    }
  }

  @Test
  void theLastFlowsDestinationPrefixIsTheKeyOrWhatTheGlobalAccumulatorComputed() {
    WindowGroups<WindowGroup> global = WindowGroups.of(GLOBAL);
    assertThat(global.lastDstPrefix()).isNull();
    global.add(flow(1, "192.0.2.9", 80, 443, 1));
    assertThat(global.lastDstPrefix()).isEqualTo("192.0.2.0/24");
    global.add(flow(2, "2001:db8::1", 80, 443, 1));
    assertThat(global.lastDstPrefix()).isEqualTo("2001:db8::/64");

    // Under dst-prefix the scope key; a flow sent to the overflow key (a cap of one key per window) has none.
    WindowGroups<WindowGroup> prefix = new WindowGroups<>(PREFIX, WindowGroup::new, 1);
    prefix.add(flow(1, "198.51.100.4", 80, 443, 1));
    assertThat(prefix.lastDstPrefix()).isEqualTo("198.51.100.0/24");
    prefix.add(flow(2, "192.0.2.9", 80, 443, 1));
    assertThat(prefix.get(0).byKey()).containsKey(WindowGroups.OVERFLOW_KEY);
    assertThat(prefix.lastDstPrefix()).isNull();
  }

  @Test
  void aRemovedWindowIsCreatedAfreshByItsNextFlow() {
    WindowGroups<WindowGroup> groups = WindowGroups.of(GLOBAL);
    WindowGroup first = groups.add(flow(5, "192.0.2.1", 80, 443, 1));
    assertThat(groups.remove(0)).isSameAs(first);
    assertThat(groups.isEmpty()).isTrue();
    WindowGroup second = groups.add(flow(6, "192.0.2.1", 80, 443, 1));
    assertThat(second).isNotSameAs(first);
    assertThat(second.byKey().get(Featurizer.GLOBAL_KEY).flowCount()).isEqualTo(1);
    assertThat(groups.get(0)).isSameAs(second);
  }

  @Test
  void fillGlobalGivesEveryGlobalWindowAnAccumulatorAndLeavesDstPrefixAlone() {
    WindowGroups<WindowGroup> global = WindowGroups.of(GLOBAL);
    global.add(flow(W + 1, "192.0.2.1", 80, 443, 1));
    global.fillGlobal(0, 3 * W);
    assertThat(global.windows()).extracting(WindowGroup::startMicros).containsExactly(0L, W, 2 * W);
    assertThat(global.windows()).extracting(w -> w.byKey().get(Featurizer.GLOBAL_KEY).flowCount())
        .containsExactly(0L, 1L, 0L);
    WindowGroups<WindowGroup> prefix = WindowGroups.of(PREFIX);
    prefix.fillGlobal(0, 3 * W);
    assertThat(prefix.isEmpty()).isTrue();
  }

  @Test
  void aSubclassKeepsItsOwnStatePerWindow() {
    final class Tagged extends WindowGroup {
      final List<Integer> seen = new ArrayList<>();

      Tagged(long start) {
        super(start);
      }
    }
    WindowGroups<Tagged> groups = new WindowGroups<>(GLOBAL, Tagged::new);
    groups.add(flow(1, "192.0.2.1", 80, 443, 1)).seen.add(1);
    groups.add(flow(W, "192.0.2.1", 80, 443, 1)).seen.add(2);
    groups.add(flow(2, "192.0.2.1", 80, 443, 1)).seen.add(3);
    assertThat(groups.get(0).seen).containsExactly(1, 3);
    assertThat(groups.get(W).seen).containsExactly(2);
  }

  @Test
  void aRefusedDestinationAddsNothing() {
    WindowGroups<WindowGroup> groups = WindowGroups.of(PREFIX);
    assertThatThrownBy(() -> groups.add(flow(1, "not-an-ip", 80, 443, 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(groups.windows()).allMatch(w -> w.byKey().isEmpty());
  }
}
