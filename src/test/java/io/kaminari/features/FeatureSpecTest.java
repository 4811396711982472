package io.kaminari.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class FeatureSpecTest {
  private static final FeatureSpec SEED = FeatureSpec.seed(Scope.GLOBAL);

  private static FeatureSpec spec(String name, int window, List<Integer> src, List<Integer> dst,
      List<PortFeature> features, boolean buckets) {
    return new FeatureSpec(name, null, window, Scope.GLOBAL, 24, 64, src, dst, features, buckets);
  }

  @Test
  void seedHasTheTalksPortTablesInOrder() {
    assertThat(SEED.srcPorts()).containsExactly(
        4010, 0, 80, 53, 443, 4610, 3379, 1024, 15000, 3074, 25, 49186, 7779, 51216, 55362);
    assertThat(SEED.dstPorts()).containsExactly(80, 443, 53, 25, 8888, 8080, 123, 0, 110, 3389, 22, 3306, 1433, 587, 21);
    assertThat(SEED.windowSeconds()).isEqualTo(300);
    assertThat(SEED.features()).containsExactly(PortFeature.PPS, PortFeature.OPPOSITE_PORTS);
    assertThat(SEED.otherBuckets()).isTrue();
    assertThat(SEED.dimension()).isEqualTo(64);
  }

  @Test
  void featureNamesFollowTheLayout() {
    List<String> names = SEED.featureNames();
    assertThat(names).hasSize(SEED.dimension());
    assertThat(names.subList(0, 4)).containsExactly(
        "src_port 4010 pps", "src_port 4010 dst_ports", "src_port 0 pps", "src_port 0 dst_ports");
    assertThat(names.get(30)).isEqualTo("src_port other pps");
    assertThat(names.get(32)).isEqualTo("dst_port 80 pps");
    assertThat(names.get(33)).isEqualTo("dst_port 80 src_ports");
    assertThat(names.subList(62, 64)).containsExactly("dst_port other pps", "dst_port other src_ports");
    assertThat(names).doesNotHaveDuplicates();
  }

  @Test
  void idIsStableAndIgnoresNameAndDescription() {
    assertThat(SEED.id()).isEqualTo("27b702a50ed1a94c").isEqualTo(FeatureSpec.seed(Scope.GLOBAL).id());
    FeatureSpec renamed = new FeatureSpec("other name", "other text", SEED.windowSeconds(), SEED.scope(),
        SEED.ipv4PrefixLength(), SEED.ipv6PrefixLength(), SEED.srcPorts(), SEED.dstPorts(), SEED.features(), true);
    assertThat(renamed.id()).isEqualTo(SEED.id());
    assertThat(renamed).isNotEqualTo(SEED);
  }

  @Test
  void idChangesWithEveryLayoutField() {
    FeatureSpec base = spec("a", 300, List.of(80, 443), List.of(53), List.of(PortFeature.PPS), true);
    List<FeatureSpec> variants = List.of(
        spec("a", 60, List.of(80, 443), List.of(53), List.of(PortFeature.PPS), true),
        spec("a", 300, List.of(443, 80), List.of(53), List.of(PortFeature.PPS), true),
        spec("a", 300, List.of(80, 443), List.of(53, 22), List.of(PortFeature.PPS), true),
        spec("a", 300, List.of(80, 443), List.of(53), List.of(PortFeature.PPS, PortFeature.BPS), true),
        spec("a", 300, List.of(80, 443), List.of(53), List.of(PortFeature.PPS), false),
        new FeatureSpec("a", null, 300, Scope.DST_PREFIX, 24, 64, List.of(80, 443), List.of(53), List.of(PortFeature.PPS), true),
        new FeatureSpec("a", null, 300, Scope.GLOBAL, 16, 64, List.of(80, 443), List.of(53), List.of(PortFeature.PPS), true),
        new FeatureSpec("a", null, 300, Scope.GLOBAL, 24, 48, List.of(80, 443), List.of(53), List.of(PortFeature.PPS), true));
    assertThat(variants).extracting(FeatureSpec::id).doesNotContain(base.id()).doesNotHaveDuplicates();
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void jsonRoundTripKeepsEverything(Scope scope) {
    FeatureSpec spec = new FeatureSpec("custom", "all features", 60, scope, 20, 48, List.of(0, 65535), List.of(),
        List.of(PortFeature.values()), false);
    FeatureSpec back = FeatureSpec.fromJson(spec.toJson());
    assertThat(back).isEqualTo(spec);
    assertThat(back.id()).isEqualTo(spec.id());
  }

  @Test
  void jsonDefaultsApplyToOmittedFields() {
    FeatureSpec spec = FeatureSpec.fromJson("{\"scope\": \"dst-prefix\", \"src_ports\": [80], \"dst_ports\": [443]}");
    assertThat(spec.windowSeconds()).isEqualTo(300);
    assertThat(spec.ipv4PrefixLength()).isEqualTo(24);
    assertThat(spec.ipv6PrefixLength()).isEqualTo(64);
    assertThat(spec.features()).containsExactly(PortFeature.PPS, PortFeature.OPPOSITE_PORTS);
    assertThat(spec.otherBuckets()).isTrue();
    assertThat(spec.name()).isEmpty();
  }

  @Test
  void badJsonIsRejectedWithAClearMessage() {
    String ok = "\"scope\": \"global\", \"src_ports\": [80], \"dst_ports\": [443]";
    assertThatThrownBy(() -> FeatureSpec.fromJson("{" + ok + ", \"window_secs\": 300}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown field \"window_secs\"")
        .hasMessageContaining("window_seconds");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{\"scope\": \"link\", \"src_ports\": [], \"dst_ports\": []}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("link").hasMessageContaining("dst-prefix");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{" + ok + ", \"features\": [\"ppx\"]}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ppx");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{" + ok + ", \"window_seconds\": 420}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window_seconds").hasMessageContaining("420");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{\"scope\": \"global\", \"src_ports\": [80, 80], \"dst_ports\": []}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("src_ports lists port 80 twice");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{\"scope\": \"global\", \"src_ports\": [], \"dst_ports\": [65536]}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dst_ports").hasMessageContaining("65536");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{\"scope\": \"global\", \"src_ports\": [80]}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dst_ports");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{" + ok + ", \"scope\": \"global\"}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scope");
    assertThatThrownBy(() -> FeatureSpec.fromJson("{" + ok))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid feature spec JSON");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 59, 90, 420, 2400, 7200})
  void windowMustBeWholeMinutesDividingAnHour(int seconds) {
    assertThatThrownBy(() -> spec("w", seconds, List.of(80), List.of(), List.of(PortFeature.PPS), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window_seconds");
  }

  @Test
  void otherLayoutRulesAreValidated() {
    assertThatThrownBy(() -> spec("e", 300, List.of(), List.of(), List.of(PortFeature.PPS), false))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> spec("f", 300, List.of(80), List.of(), List.of(), true)).hasMessageContaining("features");
    assertThatThrownBy(() -> spec("f", 300, List.of(80), List.of(), List.of(PortFeature.PPS, PortFeature.PPS), true))
        .hasMessageContaining("repeat");
    assertThatThrownBy(() -> new FeatureSpec("p", null, 300, Scope.DST_PREFIX, 33, 64, List.of(80), List.of(),
        List.of(PortFeature.PPS), true)).hasMessageContaining("ipv4_prefix_length");
  }

  @ParameterizedTest
  @EnumSource(Scope.class)
  void bundledSpecFilesEqualTheFactory(Scope scope) {
    FeatureSpec factory = FeatureSpec.seed(scope);
    FeatureSpec bundled = FeatureSpec.read(Path.of("models/specs/seed-" + scope.jsonName() + ".json"));
    assertThat(bundled).isEqualTo(factory);
    assertThat(bundled.id()).isEqualTo(factory.id());
  }

  @Test
  void readNamesTheFileOnError() {
    assertThatThrownBy(() -> FeatureSpec.read(Path.of("pom.xml")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("pom.xml: ");
  }
}
