package io.kaminari.tools.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.kaminari.flow.Flow;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptureMixTest {
  private static final Instant T0 = Instant.parse("2024-05-02T00:00:00Z");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private static GeneratorConfig background() {
    return GeneratorConfig.of(7, T0, Duration.ofHours(2), 6_000).withBenignHosts(1_000);
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }

  @Test
  void everyCommittedCaptureLoadsWithItsRecordCountAndParsesAsThePipelineParsesIt() {
    for (Capture c : Capture.ALL) {
      List<String> lines = c.lines();
      List<Flow> flows = FlowStats.parse(lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList());
      assertThat(flows).as(c.name()).hasSize(c.records());
      assertThat(flows).as(c.name()).allSatisfy(f -> {
        assertThat(f.timestampStart()).isNotNull();
        assertThat(f.timestampExport()).isNotNull();
      });
      // The victim receives the attack: all of it, or with answers in the capture about half (the lab HTTP POST
      // flood's attacker also talks to a database, so 40 of 92 there).
      assertThat(flows.stream().filter(f -> f.ipDst().equals(c.victim())).count()).as(c.name() + " victim")
          .isGreaterThanOrEqualTo(c.records() * 2 / 5);
    }
    assertThat(Capture.ALL.stream().map(Capture::name)).doesNotHaveDuplicates().hasSize(14);
  }

  @Test
  void aResourceWithAnotherRecordCountFailsRatherThanShrinkingTheAttack() {
    Capture wrong = new Capture("ddosgrid/synflood", "miscounted", "10.0.1.12", 7_000);
    assertThatThrownBy(wrong::lines).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("holds 7665 records, expected 7000");
    assertThatThrownBy(() -> new Capture("nope/missing", "absent", "10.0.0.1", 1).lines())
        .hasMessageContaining("/evaluate/captures/nope/missing.jsonl.gz is missing");
  }

  @Test
  void aCopyShiftsEveryTimestampByOneOffsetAndReaddressesTheVictimBothWays() {
    Instant at = T0.plusSeconds(3_610).plusMillis(250);
    CaptureMix.Insertion insertion = new CaptureMix.Insertion(Capture.LUCID_SYN_FLOOD, at, "192.0.2.28");
    List<String> original = Capture.LUCID_SYN_FLOOD.lines();
    List<CaptureMix.Copied> copy = CaptureMix.copy(insertion);
    List<Flow> before = FlowStats.parse(original.stream().map(String::getBytes).toList());
    List<Flow> after = FlowStats.parse(copy.stream().map(c -> c.json().getBytes()).toList());

    assertThat(after.stream().mapToLong(Flow::timestampStart).min().getAsLong()).isEqualTo(micros(at));
    long shift = micros(at) - before.stream().mapToLong(Flow::timestampStart).min().getAsLong();
    for (int i = 0; i < before.size(); i++) {
      Flow b = before.get(i);
      Flow a = after.get(i);
      assertThat(a.timestampStart()).isEqualTo(b.timestampStart() + shift).isEqualTo(copy.get(i).startMicros());
      assertThat(a.timestampEnd()).isEqualTo(b.timestampEnd() + shift);
      assertThat(a.timestampExport()).isEqualTo(b.timestampExport() + shift);
      assertThat(a.timestampArrival()).isEqualTo(a.timestampExport() + 5_000).isEqualTo(copy.get(i).arrivalMicros());
      assertThat(a.ipDst()).isEqualTo(b.ipDst().equals("192.168.50.4") ? "192.0.2.28" : b.ipDst());
      assertThat(a.ipSrc()).isEqualTo(b.ipSrc().equals("192.168.50.4") ? "192.0.2.28" : b.ipSrc());
      assertThat(List.of(a.portSrc(), a.portDst(), a.ipProto(), a.packets(), a.bytes()))
          .isEqualTo(List.of(b.portSrc(), b.portDst(), b.ipProto(), b.packets(), b.bytes()));
    }
    // The attacker keeps its address; the victim's answers now come from the re-addressed victim.
    assertThat(after.stream().filter(f -> f.ipSrc().equals("192.0.2.28")).count()).isEqualTo(3_755);
    assertThat(after.stream().filter(f -> f.ipDst().equals("192.0.2.28")).count()).isEqualTo(9_367);
    assertThat(after).allSatisfy(f -> assertThat(f.ipSrc() + f.ipDst()).contains("172.16.0.5"));
    // Byte for byte the nfacctd line but for the rewritten values.
    assertThat(copy.get(0).json().replaceAll("\"(timestamp_\\w+|ip_\\w+)\": \"[^\"]*\"", "X"))
        .isEqualTo(original.get(0).replaceAll("\"(timestamp_\\w+|ip_\\w+)\": \"[^\"]*\"", "X"));
  }

  @Test
  void aMixMergesTheCopiesByArrivalAndLabelsTheWindowsTheirRecordsStartIn() throws Exception {
    Instant first = T0.plus(Duration.ofMinutes(30)).plusSeconds(10);
    Instant straddling = T0.plus(Duration.ofMinutes(90)).minusSeconds(5);
    CaptureMix mix = new CaptureMix(background(), List.of(
        new CaptureMix.Insertion(Capture.DDOSGRID_SYN_FLOOD, first, null),
        new CaptureMix.Insertion(Capture.DDOSGRID_SYN_FLOOD, straddling, null)));
    CollectingSink sink = new CollectingSink();
    CaptureMix.Result result = mix.run(sink, MINUTE);
    List<Flow> flows = FlowStats.parse(sink.messages);

    assertThat(result.captureRecords()).isEqualTo(2 * 7_665);
    assertThat(flows).hasSize((int) (result.background().flows() + result.captureRecords()));
    assertThat(flows.stream().filter(f -> f.ipDst().equals("10.0.1.12")).count()).isEqualTo(2 * 7_665);
    for (int i = 1; i < sink.millis.size(); i++) {
      assertThat(sink.millis.get(i)).isGreaterThanOrEqualTo(sink.millis.get(i - 1));
    }
    // 7,658 of the capture's records start in its first second, 7 in its last four: the straddling copy is two windows.
    assertThat(result.labels()).extracting(Label::windowStart, Label::attackKind, Label::victim, Label::attackFlows)
        .containsExactly(
            tuple(T0.plus(Duration.ofMinutes(30)), AttackKind.REAL_CAPTURE, "10.0.1.12", 7_665L),
            tuple(T0.plus(Duration.ofMinutes(89)), AttackKind.REAL_CAPTURE, "10.0.1.12", 7_658L),
            tuple(T0.plus(Duration.ofMinutes(90)), AttackKind.REAL_CAPTURE, "10.0.1.12", 7L));
    // The labels agree with the records the pipeline reads: per window of timestamp_start.
    for (Label l : result.labels()) {
      long from = micros(l.windowStart());
      assertThat(flows.stream().filter(f -> f.ipDst().equals("10.0.1.12"))
          .filter(f -> f.eventTimeMicros() >= from && f.eventTimeMicros() < from + 60_000_000L).count())
          .isEqualTo(l.attackFlows());
    }
  }

  @Test
  void theSameMixGivesTheSameBytes() throws Exception {
    CaptureMix mix = new CaptureMix(background(), List.of(
        new CaptureMix.Insertion(Capture.SAVIO_SLOWLORIS, T0.plusSeconds(1_815), "198.51.100.9"),
        new CaptureMix.Insertion(Capture.STOPDDOS_SNMP_AMPLIFICATION, T0.plusSeconds(4_215), null)));
    CollectingSink a = new CollectingSink();
    CollectingSink b = new CollectingSink();
    assertThat(mix.run(a, MINUTE)).isEqualTo(mix.run(b, MINUTE));
    assertThat(a.bytes()).isEqualTo(b.bytes());
    assertThat(a.millis).isEqualTo(b.millis);
  }

  @Test
  void rejectsCopiesOutsideTheBackgroundAndBadVictims() {
    assertThatThrownBy(() -> new CaptureMix(background(), List.of(
        new CaptureMix.Insertion(Capture.SAVIO_HULK, T0.plus(Duration.ofHours(2)), null))))
        .hasMessageContaining("outside the background");
    assertThatThrownBy(() -> new CaptureMix.Insertion(Capture.SAVIO_HULK, T0, "server-1"))
        .hasMessageContaining("victimAs must be an IPv4 address");
    assertThatThrownBy(() -> new CaptureMix.Insertion(Capture.SAVIO_HULK, T0.plusNanos(1), null))
        .hasMessageContaining("whole microseconds");
  }
}
