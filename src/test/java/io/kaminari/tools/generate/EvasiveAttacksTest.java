package io.kaminari.tools.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The attacks built to stay under per-destination thresholds: carpet bombing and the port-mix shift. */
class EvasiveAttacksTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  /** Outside every benign address range, so flows into it are exactly the attack's. */
  private static final String PREFIX = "100.64.8.0/22";

  private static GeneratorConfig small(long seed) {
    return GeneratorConfig.of(seed, T0, Duration.ofMinutes(5), 20_000).withBenignHosts(2_000);
  }

  private static boolean inPrefix(String address) {
    return address.startsWith("100.64.8.") || address.startsWith("100.64.9.") || address.startsWith("100.64.10.")
        || address.startsWith("100.64.11.");
  }

  @Test
  void carpetDestinationsAreSpreadEvenlyOverThePrefixHosts() {
    List<String> d = AttackSpec.carpetReflection(T0, Duration.ofMinutes(1), PREFIX, 128, 53, 10).destinations();

    assertThat(d).hasSize(128).doesNotHaveDuplicates().allMatch(EvasiveAttacksTest::inPrefix)
        .noneMatch(a -> a.endsWith(".0") || a.endsWith(".255"));
    assertThat(d.get(0)).isEqualTo("100.64.8.1");
    // 1,016 hosts for 128 victims: every 7.9th host, so each /24 of the /22 holds a quarter of them.
    assertThat(d.stream().collect(Collectors.groupingBy(a -> a.substring(0, a.lastIndexOf('.')), Collectors.counting())))
        .containsOnlyKeys("100.64.8", "100.64.9", "100.64.10", "100.64.11").allSatisfy((k, n) -> assertThat(n)
            .isEqualTo(32));
    assertThat(AttackSpec.synFlood(T0, Duration.ofMinutes(1), "100.64.0.1", 1).destinations())
        .containsExactly("100.64.0.1");
  }

  @Test
  void carpetReflectionDealsItsFlowsInTurnSoEveryHostGetsAnEvenSmallShare() throws Exception {
    AttackSpec carpet = AttackSpec.carpetReflection(T0.plusSeconds(20), Duration.ofSeconds(200), PREFIX, 100, 53, 10);
    CollectingSink sink = CollectingSink.run(small(3).withAttacks(carpet));
    List<Flow> attack = FlowStats.parse(sink.messages).stream().filter(f -> inPrefix(f.ipDst())).toList();

    assertThat(attack).hasSize(2_000);
    assertThat(attack).allSatisfy(f -> {
      assertThat(f.portSrc()).isEqualTo(53);
      assertThat(f.ipProto()).isEqualTo(17);
      assertThat(f.bytes() / f.packets()).isGreaterThan(1_000);
    });
    Map<String, List<Flow>> perHost = attack.stream().collect(Collectors.groupingBy(Flow::ipDst));
    assertThat(perHost).hasSize(100).allSatisfy((host, flows) -> assertThat(flows).hasSize(20));
    // One flow in 100 slots of 0.1 s: a host's flows are about 10 s apart, never two within one slot.
    for (List<Flow> flows : perHost.values()) {
      List<Long> starts = flows.stream().map(Flow::timestampStart).sorted().toList();
      for (int i = 1; i < starts.size(); i++) {
        assertThat(starts.get(i) - starts.get(i - 1)).isBetween(9_800_000L, 10_200_000L);
      }
    }
  }

  @Test
  void carpetSynFloodHasTheSynFloodShapeOnEveryHost() throws Exception {
    AttackSpec carpet = AttackSpec.carpetSynFlood(T0.plusSeconds(20), Duration.ofSeconds(100), PREFIX, 200, 443, 20);
    List<Flow> attack = FlowStats.parse(CollectingSink.run(small(4).withAttacks(carpet)).messages).stream()
        .filter(f -> inPrefix(f.ipDst())).toList();

    assertThat(attack).hasSize(2_000);
    assertThat(attack).allSatisfy(f -> {
      assertThat(f.portDst()).isEqualTo(443);
      assertThat(f.tcpFlags()).isEqualTo(2);
      assertThat(f.packets()).isBetween(1L, 3L);
    });
    assertThat(attack.stream().map(Flow::ipDst).distinct()).hasSize(200);
    assertThat(attack.stream().map(Flow::ipSrc).distinct().count()).isGreaterThan(1_900);
  }

  @Test
  void portShiftMovesWebRecordsToTheQuietFamilyAndChangesNothingElse() throws Exception {
    AttackSpec shift = AttackSpec.portShift(T0.plusSeconds(60), Duration.ofSeconds(120), "0.0.0.0/0", 8443, 2);
    CollectingSink plain = CollectingSink.run(small(5));
    CollectingSink shifted = new CollectingSink();
    GenerationResult result = new TrafficGenerator(small(5).withAttacks(shift)).run(shifted);
    List<String> a = plain.lines();
    List<String> b = shifted.lines();

    assertThat(b).hasSameSizeAs(a);
    assertThat(shifted.millis).isEqualTo(plain.millis);
    int moved = 0;
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).equals(b.get(i))) continue;
      moved++;
      Flow before = FlowStats.parse(List.of(a.get(i).getBytes())).get(0);
      Flow after = FlowStats.parse(List.of(b.get(i).getBytes())).get(0);
      boolean request = after.portDst() >= 8443 && after.portDst() < 8459;
      assertThat(request ? before.portDst() : before.portSrc()).isIn(80, 443);
      assertThat(request ? after.portDst() : after.portSrc()).isBetween(8443, 8458);
      assertThat(after.ipProto()).isEqualTo(6);
      assertThat(after.ipDst()).doesNotContain(":");
      assertThat(after.timestampStart()).isBetween(micros(shift.start()), micros(shift.end()) - 1);
      // Everything but the moved port is the benign record's.
      String restored = b.get(i).replace("\"port_src\": " + after.portSrc() + ",", "\"port_src\": " + before.portSrc()
          + ",").replace("\"port_dst\": " + after.portDst() + ",", "\"port_dst\": " + before.portDst() + ",");
      assertThat(restored).isEqualTo(a.get(i));
    }
    // 2 records/s over the 119 s in which a session may start; a session's request and reply move together.
    assertThat(result.attacks().get(0).flows()).isEqualTo(moved).isBetween(236L, 240L);
    Pattern quietFamily = Pattern.compile("\"port_(src|dst)\": 84(4[3-9]|5[0-8]),");
    assertThat(a).noneMatch(l -> quietFamily.matcher(l).find());
  }

  @Test
  void portShiftOnlyTouchesServersOfItsPrefix() throws Exception {
    AttackSpec shift = AttackSpec.portShift(T0, Duration.ofSeconds(300), "203.0.113.0/24", 8443, 50);
    List<Flow> flows = FlowStats.parse(CollectingSink.run(small(6).withAttacks(shift)).messages);
    List<Flow> moved = flows.stream().filter(f -> f.portDst() >= 8443 && f.portDst() <= 8458
        || f.portSrc() >= 8443 && f.portSrc() <= 8458).toList();

    assertThat(moved).isNotEmpty().allSatisfy(f -> assertThat(f.portDst() >= 8443 && f.portDst() <= 8458
        ? f.ipDst() : f.ipSrc()).startsWith("203.0.113."));
    // Far more asked than the prefix's web sessions hold: once the first second has let the allowance grow past the
    // first sessions' records, every web session of the prefix moves (until the last second, kept for the replies).
    List<String> stayed = flows.stream().filter(f -> f.portDst() == 443 || f.portDst() == 80)
        .filter(f -> f.ipDst().startsWith("203.0.113."))
        .filter(f -> f.timestampStart() >= micros(shift.start()) + 1_000_000)
        .filter(f -> f.timestampStart() < micros(shift.end()) - 1_000_000)
        .map(f -> f.ipDst() + " at " + f.timestampStart()).toList();
    assertThat(stayed).isEmpty();
  }

  @Test
  void rejectsMalformedSpreadAttacks() {
    Duration d = Duration.ofSeconds(10);
    assertThatThrownBy(() -> AttackSpec.carpetReflection(T0, d, "100.64.8.1", 10, 53, 5))
        .hasMessageContaining("must be an IPv4 prefix like 198.51.100.0/24");
    assertThatThrownBy(() -> AttackSpec.carpetReflection(T0, d, "100.64.8.1/22", 10, 53, 5))
        .hasMessageContaining("host bits set: did you mean 100.64.8.0/22?");
    assertThatThrownBy(() -> AttackSpec.carpetReflection(T0, d, "100.64.8.0/24", 255, 53, 5))
        .hasMessageContaining("victims must be 2..254");
    assertThatThrownBy(() -> AttackSpec.carpetSynFlood(T0, d, "100.64.0.0/10", 200, 443, 5))
        .hasMessageContaining("a /16 or narrower");
    assertThatThrownBy(() -> AttackSpec.carpetReflection(T0, d, "100.64.8.0/22", 10, 80, 5))
        .hasMessageContaining("reflector service port");
    assertThatThrownBy(() -> AttackSpec.portShift(T0, d, "0.0.0.0/0", 65_530, 1))
        .hasMessageContaining("PORT_SHIFT port");
    assertThatThrownBy(() -> AttackSpec.portShift(T0, d, "0.0.0.0/0", 8443, 1).withSources(3))
        .hasMessageContaining("sources and victims must be 1");
    assertThatThrownBy(() -> new AttackSpec(AttackKind.SYN_FLOOD, T0, d, "100.64.0.1", 1, 1, 80, 5))
        .hasMessageContaining("SYN_FLOOD has one victim");
    assertThatThrownBy(() -> new AttackSpec(AttackKind.REAL_CAPTURE, T0, d, "100.64.0.1", 1, 1, 80))
        .hasMessageContaining("CaptureMix");
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }
}
