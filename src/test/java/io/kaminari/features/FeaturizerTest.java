package io.kaminari.features;

import static io.kaminari.features.Flows.flow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
}
