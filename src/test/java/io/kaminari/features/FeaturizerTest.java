package io.kaminari.features;

import static io.kaminari.features.Flows.flow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The featurizer: window and scope key per flow and their edge rules, the grouping loop (its last-window shortcut,
 * the key cap, empty global windows) and the in-memory driver.
 */
class FeaturizerTest {
  private static final FeatureSpec GLOBAL = FeatureSpec.seed(Scope.GLOBAL);
  private static final FeatureSpec PREFIX = FeatureSpec.seed(Scope.DST_PREFIX);
  private static final long W = GLOBAL.windowMicros();

  private static long micros(String instant) {
    Instant t = Instant.parse(instant);
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  @Test
  void aFlowExactlyOnAnEdgeGoesToTheLaterWindow() {
    assertThat(Featurizer.windowStartMicros(W, GLOBAL)).isEqualTo(W);
    assertThat(Featurizer.windowStartMicros(W - 1, GLOBAL)).isEqualTo(0);
    assertThat(Featurizer.windowStartMicros(0, GLOBAL)).isEqualTo(0);
    assertThat(Featurizer.windowStartMicros(-1, GLOBAL)).isEqualTo(-W);
  }

  @Test
  void windowsSplitAtTheHour() {
    assertThat(Featurizer.windowStartMicros(micros("2024-03-01T10:59:59.999999Z"), GLOBAL))
        .isEqualTo(micros("2024-03-01T10:55:00Z"));
    assertThat(Featurizer.windowStartMicros(micros("2024-03-01T11:00:00Z"), GLOBAL))
        .isEqualTo(micros("2024-03-01T11:00:00Z"));
    FeatureSpec hourly = new FeatureSpec("h", null, 3600, Scope.GLOBAL, 24, 64, List.of(80), List.of(),
        List.of(PortFeature.PPS), true);
    assertThat(Featurizer.windowStartMicros(micros("2024-03-01T23:59:59Z"), hourly))
        .isEqualTo(micros("2024-03-01T23:00:00Z"));
  }

  @ParameterizedTest
  @CsvSource({
      "192.0.2.77, 24, 64, 192.0.2.0/24",
      "10.1.2.3, 8, 64, 10.0.0.0/8",
      "255.255.255.255, 32, 64, 255.255.255.255/32",
      "0.0.0.0, 24, 64, 0.0.0.0/24",
      "2001:db8:1:2:3:4:5:6, 24, 64, 2001:db8:1:2::/64",
      "2001:DB8:0:0:1::1, 24, 64, 2001:db8::/64",
      "2001:0db8:00ab:cdef::, 24, 48, 2001:db8:ab::/48",
      "2001:db8:1:2:3:4:5:6, 24, 60, 2001:db8:1::/60",
      "::ffff:198.51.100.7, 24, 64, 198.51.100.0/24",
      "fe80::1, 24, 64, fe80::/64",
      "::, 24, 64, ::/64",
      "::1, 24, 128, ::1/128",
      "1:0:0:2:0:0:0:3, 24, 128, 1:0:0:2::3/128",
      "1:0:0:2:0:0:3:4, 24, 128, 1::2:0:0:3:4/128",
      "1:2:3:4:5:6:7:0, 24, 128, 1:2:3:4:5:6:7:0/128",
      "64:ff9b::192.0.2.33, 24, 128, 64:ff9b::c000:221/128",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 24, 1, 8000::/1",
  })
  void dstPrefixKeys(String ip, int v4, int v6, String expected) {
    FeatureSpec spec = new FeatureSpec("p", null, 300, Scope.DST_PREFIX, v4, v6, List.of(80), List.of(),
        List.of(PortFeature.PPS), true);
    assertThat(Featurizer.scopeKey(ip, spec)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "host.example", "1:2:3", "1::2::3",
      "12345::", ":::", "1:2:3:4:5:6:7:8:9", "::1.2.3", "1:2:3:4:5:6:7::8", "g::1", "1:", ":1",
      "fe80::1%eth0", "010.0.0.1"})
  void badAddressesAreRejectedNotResolved(String ip) {
    assertThatThrownBy(() -> Featurizer.scopeKey(ip, PREFIX))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP address literal");
  }

  @Test
  void globalScopeIgnoresTheAddress() {
    assertThat(Featurizer.scopeKey("2001:db8::1", GLOBAL)).isEqualTo(Featurizer.GLOBAL_KEY);
  }

  @Test
  void portsAreCountedOnlyForPortProtocols() {
    assertThat(List.of(6, 17, 33, 132, 136)).allMatch(Featurizer::carriesPorts);
    assertThat(List.of(0, 1, 47, 50, 58)).noneMatch(Featurizer::carriesPorts);
  }

  @Test
  void globalVectorsIncludeEmptyWindowsAsZeros() {
    List<FeatureVector> vectors = Featurizer.vectors(Stream.of(
        flow(10, "192.0.2.1", 80, 443, 300),
        flow(2 * W + 5, "192.0.2.1", 80, 443, 600),
        flow(4 * W, "192.0.2.1", 80, 443, 1),   // at `to`: outside the range
        flow(-1, "192.0.2.1", 80, 443, 1)),     // before `from`
        GLOBAL, 0, 4 * W);
    assertThat(vectors).extracting(FeatureVector::windowStartMicros).containsExactly(0L, W, 2 * W, 3 * W);
    assertThat(vectors).extracting(FeatureVector::scopeKey).containsOnly("global");
    assertThat(vectors).extracting(FeatureVector::specId).containsOnly(GLOBAL.id());
    assertThat(vectors).extracting(FeatureVector::flowCount).containsExactly(1L, 0L, 1L, 0L);
    assertThat(vectors.get(0).values()[GLOBAL.featureNames().indexOf("src_port 80 pps")]).isEqualTo(1f);
    assertThat(vectors.get(2).values()[GLOBAL.featureNames().indexOf("dst_port 443 pps")]).isEqualTo(2f);
    assertThat(vectors.get(1).values()).hasSize(64).containsOnly(0f);
    assertThat(vectors.get(3).values()).hasSize(64).containsOnly(0f);
  }

  @Test
  void dstPrefixVectorsOnlyForPrefixesWithTraffic() {
    List<FeatureVector> vectors = Featurizer.vectors(Stream.of(
        flow(W + 1, "192.0.2.200", 53, 53, 300),
        flow(W + 2, "192.0.2.7", 53, 123, 300),
        flow(5, "2001:db8:1:2::99", 443, 50000, 300),
        flow(W + 3, "198.51.100.1", 80, 80, 300)),
        PREFIX, 0, 3 * W);
    assertThat(vectors).extracting(v -> v.windowStartMicros() / W + " " + v.scopeKey()).containsExactly(
        "0 2001:db8:1:2::/64", "1 192.0.2.0/24", "1 198.51.100.0/24");
    FeatureVector dns = vectors.get(1);
    assertThat(dns.flowCount()).isEqualTo(2);
    assertThat(dns.values()[PREFIX.featureNames().indexOf("src_port 53 pps")]).isEqualTo(2f);
    assertThat(dns.values()[PREFIX.featureNames().indexOf("src_port 53 dst_ports")]).isEqualTo(2f);
  }

  @Test
  void vectorsNeedAlignedBounds() {
    assertThatThrownBy(() -> Featurizer.vectors(Stream.empty(), GLOBAL, 1, W))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window-aligned");
    assertThatThrownBy(() -> Featurizer.vectors(Stream.empty(), GLOBAL, W, W))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void groupsByWindowThenScopeKeyWhateverTheOrderOfTheFlows() {
    // Interleaved windows and keys, so the kept last window is wrong for most flows.
    Random r = new Random(3);
    List<String> prefixes = List.of("192.0.2.9", "198.51.100.4", "2001:db8::1");
    Featurizer<WindowGroup> groups = Featurizer.of(PREFIX);
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
    Featurizer<WindowGroup> global = Featurizer.of(GLOBAL);
    assertThat(global.lastDstPrefix()).isNull();
    global.add(flow(1, "192.0.2.9", 80, 443, 1));
    assertThat(global.lastDstPrefix()).isEqualTo("192.0.2.0/24");
    global.add(flow(2, "2001:db8::1", 80, 443, 1));
    assertThat(global.lastDstPrefix()).isEqualTo("2001:db8::/64");

    // Under dst-prefix the scope key; a flow sent to the overflow key (a cap of one key per window) has none.
    Featurizer<WindowGroup> prefix = new Featurizer<>(PREFIX, WindowGroup::new, 1);
    prefix.add(flow(1, "198.51.100.4", 80, 443, 1));
    assertThat(prefix.lastDstPrefix()).isEqualTo("198.51.100.0/24");
    prefix.add(flow(2, "192.0.2.9", 80, 443, 1));
    assertThat(prefix.get(0).byKey()).containsKey(Featurizer.OVERFLOW_KEY);
    assertThat(prefix.lastDstPrefix()).isNull();
  }

  @Test
  void aRemovedWindowIsCreatedAfreshByItsNextFlow() {
    Featurizer<WindowGroup> groups = Featurizer.of(GLOBAL);
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
    Featurizer<WindowGroup> global = Featurizer.of(GLOBAL);
    global.add(flow(W + 1, "192.0.2.1", 80, 443, 1));
    global.fillGlobal(0, 3 * W);
    assertThat(global.windows()).extracting(WindowGroup::startMicros).containsExactly(0L, W, 2 * W);
    assertThat(global.windows()).extracting(w -> w.byKey().get(Featurizer.GLOBAL_KEY).flowCount())
        .containsExactly(0L, 1L, 0L);
    Featurizer<WindowGroup> prefix = Featurizer.of(PREFIX);
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
    Featurizer<Tagged> groups = new Featurizer<>(GLOBAL, Tagged::new);
    groups.add(flow(1, "192.0.2.1", 80, 443, 1)).seen.add(1);
    groups.add(flow(W, "192.0.2.1", 80, 443, 1)).seen.add(2);
    groups.add(flow(2, "192.0.2.1", 80, 443, 1)).seen.add(3);
    assertThat(groups.get(0).seen).containsExactly(1, 3);
    assertThat(groups.get(W).seen).containsExactly(2);
  }

  @Test
  void aRefusedDestinationAddsNothing() {
    Featurizer<WindowGroup> groups = Featurizer.of(PREFIX);
    assertThatThrownBy(() -> groups.add(flow(1, "not-an-ip", 80, 443, 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(groups.windows()).allMatch(w -> w.byKey().isEmpty());
  }
}
