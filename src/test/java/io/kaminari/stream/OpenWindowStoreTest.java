package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Featurizer;
import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The victim profiles of a source task's open windows (the store's accumulators are covered by the scale-out ITs). */
class OpenWindowStoreTest {
  static final FeatureSpec SPEC = FeatureSpec.seed(Scope.GLOBAL);
  static final Instant W = Instant.EPOCH;
  static final String QUIET = "10.4.8.0/24";

  private static Flow flow(String src, String dst, int srcPort, int dstPort, int proto, long packets) {
    return new Flow("purge", "192.0.2.1", src, dst, srcPort, dstPort, proto, null, 0, packets, packets * 100, 1L, null,
        null, null, null, null, null, null, null, null, null, null, null, null, 0L, null);
  }

  private static OpenWindowStore store(String name) {
    return new OpenWindowStore(Stores.inMemoryKeyValueStore(name).get(), SPEC, true);
  }

  /** A round of the window's flows: one to each of 20 busy /24s, then one DNS reply to the quiet one. */
  private static void round(OpenWindowStore store, int r) {
    for (int i = 0; i < 20; i++) {
      store.add(0, Featurizer.GLOBAL_KEY, flow("192.0.2." + r, "10.0." + i + ".5", 443, 40_000 + r, 6, 10));
    }
    store.add(0, Featurizer.GLOBAL_KEY, flow("192.0.2.53", "10.4.8." + (10 + r), 53, 30_000 + r, 17, 1));
  }

  @Test
  void itsWindowsProfileTheFollowedVictimsBesideTheHeaviestOpenOnesIncluded() {
    OpenWindowStore unfollowed = store("unfollowed");
    for (int r = 0; r < 10; r++) round(unfollowed, r);
    assertThat(unfollowed.removeFirst().victims().traffic(QUIET, W)).as("never among the 8 heaviest").isNull();

    OpenWindowStore store = store("followed");
    Set<String> open = new HashSet<>();
    for (int r = 0; r < 10; r++) round(store, r); // the window is open before the store follows anything
    store.follow(open::contains);
    open.add(QUIET); // the victims' live view: consulted at the prefix's next flow
    for (int r = 10; r < 15; r++) round(store, r);
    OpenWindowStore.Window w = store.removeFirst();
    assertThat(w.victims().traffic(QUIET, W)).isNotNull()
        .satisfies(t -> assertThat(t.packets()).as("from its first flow after it was followed").isEqualTo(5));
    for (int r = 0; r < 3; r++) round(store, r); // a window opened after: followed from its first flow
    assertThat(store.removeFirst().victims().traffic(QUIET, W).packets()).isEqualTo(3);
  }
}
