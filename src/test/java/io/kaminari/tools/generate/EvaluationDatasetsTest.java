package io.kaminari.tools.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.features.Scope;
import io.kaminari.flow.Flow;
import io.kaminari.tools.evaluate.Baseline;
import io.kaminari.tools.evaluate.Labels;
import io.kaminari.tools.evaluate.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationDatasetsTest {
  private static final Instant DAY2 = EvaluationDatasets.DAY2;

  /** Counts what it is given and keeps nothing. */
  private static final class Discard implements FlowSink {
    long messages;

    @Override
    public void accept(long arrivalEpochMillis, byte[] message) {
      messages++;
    }

    @Override
    public void close() {}
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }

  /** The labelled events of {@code labels} as the harness counts them: runs of consecutive labelled test windows. */
  private static List<Metrics.Event> events(EvaluationDataset d, List<Label> labels) {
    TreeMap<Instant, Long> perWindow = new TreeMap<>();
    for (Label l : labels) {
      long w = d.window().getSeconds();
      perWindow.merge(Instant.ofEpochSecond(Math.floorDiv(l.windowStart().getEpochSecond(), w) * w), l.attackFlows(),
          Long::sum);
    }
    List<Instant> windows = new ArrayList<>();
    for (Instant t = d.testFrom(); t.isBefore(d.testTo()); t = t.plus(d.window())) windows.add(t);
    return Metrics.of(windows, d.window(), Set.of(), Labels.attackWindows(perWindow, d.testFrom(), d.testTo()))
        .events();
  }

  private static Set<String> benignServers(GeneratorConfig g) {
    Set<String> out = new HashSet<>();
    for (int j = 0; j < BenignTraffic.serverCount(g.benignHosts()); j++) out.add(BenignTraffic.serverAddress(j));
    return out;
  }

  @Test
  void theSuiteHoldsEveryDatasetOnceAndEachHasItsWindowScopesAndRanges() {
    List<EvaluationDataset> suite = EvaluationDatasets.suite();
    assertThat(suite).extracting(EvaluationDataset::name).containsExactly("generator-2d", "contaminated-training",
        "demo-seed-7", "demo-seed-42", "demo-seed-123", "capture-ddosgrid", "capture-stopddos",
        "capture-lucid-cicddos2019", "capture-savio", "low-rate-distributed", "port-mix-shift");
    assertThat(EvaluationDatasets.small()).extracting(EvaluationDataset::name).containsExactly(
        "contaminated-training-small", "demo-seed-7-small", "demo-seed-42-small", "demo-seed-123-small");
    for (EvaluationDataset d : Stream.concat(suite.stream(), EvaluationDatasets.small().stream()).toList()) {
      assertThat(d.window()).as(d.name()).isEqualTo(Duration.ofMinutes(d.name().startsWith("demo-") ? 5 : 1));
      assertThat(d.scopes()).as(d.name()).contains(Scope.GLOBAL);
      assertThat(EvaluationDatasets.named(d.name())).isEqualTo(d);
      assertThat(d.labelledAttacks().size() + d.captures().size()).as(d.name() + " has labelled attacks").isPositive();
    }
    // Every full-suite set trains on a whole day, as production does: the autoencoder has no time-of-day input, so a
    // half-day training range makes every test hour it did not see score high (the suite run of 2026-12-04).
    for (EvaluationDataset d : suite) {
      assertThat(Duration.between(d.trainFrom(), d.trainTo())).as(d.name()).isGreaterThanOrEqualTo(Duration.ofDays(1));
      assertThat(d.generator().start()).as(d.name()).isEqualTo(d.trainFrom());
    }
    // (a) is exactly what `kaminari generate --duration 2d --flows 600000 --demo-attacks` generates (seed 42).
    assertThat(EvaluationDatasets.generatorTwoDays().generator()).isEqualTo(GeneratorConfig.of(42,
        Instant.parse("2024-05-01T00:00:00Z"), Duration.ofDays(2), 600_000).withAttacks(Scenarios.demoAttacks()));
    assertThat(EvaluationDatasets.demo(123).generator()).isEqualTo(Scenarios.demo(123, 150_000));
    assertThat(EvaluationDatasets.lowRateDistributed().scopes()).containsExactly(Scope.GLOBAL, Scope.DST_PREFIX);
    assertThatThrownBy(() -> EvaluationDatasets.named("nope")).hasMessageContaining("generator-2d");
  }

  @Test
  void evaluateArgsAreTheHarnessCommandLine() {
    EvaluationDataset d = EvaluationDatasets.lowRateDistributed();
    assertThat(d.evaluateArgs(Path.of("/d"), Scope.DST_PREFIX, Path.of("/o"))).containsExactly(
        "--flows", "/d/flows", "--labels", "/d/labels.csv", "--window", "1m", "--scope", "dst-prefix",
        "--train-from", "2024-05-01T00:00:00Z", "--train-to", "2024-05-02T00:00:00Z",
        "--test-from", "2024-05-02T00:00:00Z", "--test-to", "2024-05-03T00:00:00Z", "--out", "/o");
    assertThatThrownBy(() -> EvaluationDatasets.demo(7).evaluateArgs(Path.of("/d"), Scope.DST_PREFIX, Path.of("/o")))
        .hasMessageContaining("not at DST_PREFIX");
  }

  @Test
  void aDatasetRejectsAttacksAcrossItsRangesAndCopiesOutsideItsTestRange() {
    GeneratorConfig g = Scenarios.demo(42, 1_000).withAttacks(AttackSpec.synFlood(DAY2.minusSeconds(60),
        Duration.ofMinutes(2), "203.0.113.10", 5));
    assertThatThrownBy(() -> new EvaluationDataset("x", "", EvaluationDatasets.DAY1, DAY2, DAY2,
        EvaluationDatasets.DAY3, Duration.ofMinutes(1), List.of(Scope.GLOBAL), g, List.of()))
        .hasMessageContaining("lies neither inside the training range nor inside the test range");
    assertThatThrownBy(() -> new EvaluationDataset("x", "", EvaluationDatasets.DAY1, DAY2, DAY2,
        EvaluationDatasets.DAY3, Duration.ofMinutes(1), List.of(Scope.GLOBAL), Scenarios.demo(42, 1_000),
        List.of(new CaptureMix.Insertion(Capture.SAVIO_HULK, DAY2.minusSeconds(60), null))))
        .hasMessageContaining("outside the test range");
    assertThatThrownBy(() -> new EvaluationDataset("x", "", EvaluationDatasets.DAY1, DAY2.plusSeconds(60), DAY2,
        EvaluationDatasets.DAY3, Duration.ofMinutes(1), List.of(Scope.GLOBAL), Scenarios.demo(42, 1_000), List.of()))
        .hasMessageContaining("overlap");
  }

  @Test
  void contaminatedTrainingHidesFloodsAndAScanOnTheTrainingDayThatNoLabelMentions() {
    EvaluationDataset d = EvaluationDatasets.contaminatedTraining();
    List<AttackSpec> hidden = d.unlabelledAttacks();

    assertThat(d.labelledAttacks()).isEqualTo(Scenarios.demoAttacks());
    assertThat(hidden).extracting(AttackSpec::kind).containsOnly(AttackKind.SYN_FLOOD, AttackKind.UDP_REFLECTION,
        AttackKind.PORT_SCAN);
    assertThat(hidden.stream().filter(a -> a.kind() == AttackKind.PORT_SCAN)).hasSize(1);
    assertThat(hidden).hasSize(5);
    Set<String> servers = benignServers(d.generator());
    for (int i = 0; i < hidden.size(); i++) {
      AttackSpec a = hidden.get(i);
      assertThat(a.start()).isAfterOrEqualTo(d.trainFrom());
      assertThat(a.end()).isBeforeOrEqualTo(d.trainTo());
      assertThat(a.duration()).isBetween(Duration.ofMinutes(2), Duration.ofMinutes(5));
      assertThat(a.victim()).isIn(servers);
      if (a.kind() != AttackKind.PORT_SCAN) assertThat(a.flowsPerSecond()).isBetween(5.0, 40.0);
      if (i > 0) assertThat(a.start()).isAfter(hidden.get(i - 1).end().plus(Duration.ofMinutes(20)));
    }
    // A pure function of the seed.
    assertThat(EvaluationDatasets.unlabelledAttacks(42, d.trainFrom(), d.trainTo(), 4, 10_000)).isEqualTo(hidden);
    assertThat(EvaluationDatasets.unlabelledAttacks(43, d.trainFrom(), d.trainTo(), 4, 10_000)).isNotEqualTo(hidden);
  }

  @Test
  void theTrainingRangesAttacksAreInTheFlowsAndInNoLabel(@TempDir Path dir) throws Exception {
    EvaluationDataset d = EvaluationDatasets.contaminatedTrainingSmall();
    EvaluationDataset.Materialised m = d.materialise(dir);

    TreeMap<Instant, Long> labels = Labels.read(m.labels(), d.window());
    assertThat(labels.keySet()).allSatisfy(w -> assertThat(w).isBetween(d.testFrom(), d.testTo().minusSeconds(60)));
    long labelled = d.labelledAttacks().stream().mapToLong(AttackSpec::totalFlows).sum();
    long hidden = d.unlabelledAttacks().stream().mapToLong(AttackSpec::totalFlows).sum();
    assertThat(labels.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(labelled)
        .isEqualTo(m.labelledRecords());
    assertThat(m.unlabelledRecords()).isEqualTo(hidden).isPositive();
    assertThat(m.labelledWindows()).isEqualTo(20);
    assertThat(events(d, LabelWriter.labels(List.of(), d.window()))).isEmpty();

    List<Flow> flows = FlowStats.parseDir(m.flows());
    assertThat(flows).hasSize((int) m.flowRecords());
    assertThat(m.flowRecords()).isEqualTo(d.generator().benignFlows() + labelled + hidden);
    for (AttackSpec a : d.unlabelledAttacks()) {
      long inFlows = flows.stream().filter(f -> f.ipDst().equals(a.victim()))
          .filter(f -> f.timestampStart() >= micros(a.start()) && f.timestampStart() < micros(a.end()))
          .filter(f -> switch (a.kind()) {
            case SYN_FLOOD -> f.tcpFlags() == 2 && f.portDst() == a.port();
            case UDP_REFLECTION -> f.ipProto() == 17 && f.portSrc() == a.port();
            default -> f.tcpFlags() == 2 && f.packets() == 1;
          }).count();
      assertThat(inFlows).as("%s on %s", a.kind(), a.victim()).isGreaterThanOrEqualTo(a.totalFlows());
    }
    assertThat(Files.readString(dir.resolve(EvaluationDataset.DESCRIPTION))).contains("\"labelled\" : false")
        .contains("\"unlabelled_attack_records\" : " + hidden);
  }

  @Test
  void materialisingTwiceGivesTheSameBytes(@TempDir Path dir) throws Exception {
    EvaluationDataset d = EvaluationDatasets.contaminatedTrainingSmall();
    d.materialise(dir.resolve("a"));
    d.materialise(dir.resolve("b"));
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir.resolve("a"))) {
      files = s.filter(Files::isRegularFile).map(p -> dir.resolve("a").relativize(p)).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(20).contains(Path.of("labels.csv"), Path.of("dataset.json"));
    for (Path f : files) {
      assertThat(Files.readAllBytes(dir.resolve("b").resolve(f))).as(f.toString())
          .isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(f)));
    }
    assertThatThrownBy(() -> d.materialise(dir.resolve("a"))).isInstanceOf(IOException.class)
        .hasMessageContaining("fresh directory");
  }

  @Test
  void everyCaptureCopyIsALabelledEventInTheTestRangeOnABenignServer() throws Exception {
    // Events per dataset: one per copy, but the web flood of CIC-DDoS2019, in which no record starts in the fifth
    // minute, is two.
    Map<String, Integer> events = Map.of("capture-ddosgrid", 3, "capture-stopddos", 6, "capture-lucid-cicddos2019", 3,
        "capture-savio", 5);
    for (EvaluationDataset d : EvaluationDatasets.suite()) {
      if (d.captures().isEmpty()) continue;
      CaptureMix.Result r = new CaptureMix(d.generator(), d.captures()).run(new Discard(), d.window());
      assertThat(r.labels()).as(d.name()).allSatisfy(l -> assertThat(l.windowStart())
          .isBetween(d.testFrom(), d.testTo().minus(d.window())));
      assertThat(r.labels().stream().mapToLong(Label::attackFlows).sum()).as(d.name())
          .isEqualTo(d.captures().stream().mapToLong(c -> c.capture().records()).sum());
      assertThat(events(d, r.labels())).as(d.name()).hasSize(events.get(d.name()));
      assertThat(d.captures()).allSatisfy(c -> assertThat(c.victim()).isIn(benignServers(d.generator())));
    }
  }

  @Test
  void lowRateDistributedKeepsEveryVictimBelowTheBusiestBenignDestinationOfTheTrainingDay() {
    EvaluationDataset d = EvaluationDatasets.lowRateDistributed();
    int w = 60;
    TreeMap<Baseline.Key, Baseline.DestinationWindow> stats =
        FlowStats.perDestination(TrafficGenerator.parsedFlows(d.generator()), w);
    // Margin 1: the training day's maxima themselves, which the docs quote (17 flows, 17 sources, 467 pps a minute).
    Baseline.Thresholds max = FlowStats.calibrate(stats, d.trainFrom(), d.trainTo(), w, 1.0);
    assertThat(max.flowsPerSecond() * w).isEqualTo(17);
    assertThat(max.distinctSources()).isEqualTo(17);
    assertThat(max.pps()).isGreaterThan(400);

    // The attacks alone (no benign traffic; each attack draws from its own stream, so its flows are the same):
    // at most 2 flows and 2 sources per host and minute, and in aggregate exactly the rate.
    GeneratorConfig attacksOnly = GeneratorConfig.of(d.generator().seed(), d.generator().start(),
        d.generator().duration(), 0).withAttacks(d.generator().attacks());
    List<Flow> attackFlows = TrafficGenerator.parsedFlows(attacksOnly);
    assertThat(FlowStats.perDestination(attackFlows, w).values()).allSatisfy(x -> {
      assertThat(x.flows()).isLessThanOrEqualTo(2);
      assertThat(x.sources()).isLessThanOrEqualTo(2);
    });
    Set<String> victims = new HashSet<>();
    for (AttackSpec a : d.generator().attacks()) {
      victims.addAll(a.destinations());
      long minute = micros(a.start().plus(Duration.ofMinutes(5)));
      assertThat(attackFlows.stream().filter(f -> f.timestampStart() >= minute && f.timestampStart() < minute + 60_000_000L)
          .count()).as("%s flows in a minute", a.kind()).isBetween(Math.round(a.flowsPerSecond() * 60) - 1,
          Math.round(a.flowsPerSecond() * 60) + 1);
    }
    assertThat(victims).hasSize(128 + 200 + 64);

    // With the benign traffic they also carry, every victim stays below the training day's busiest destination.
    List<Baseline.DestinationWindow> hit = stats.values().stream().filter(x -> victims.contains(x.ipDst()))
        .filter(x -> d.generator().attacks().stream().anyMatch(a -> !x.windowStart().isBefore(a.start())
            && x.windowStart().isBefore(a.end()))).toList();
    assertThat(hit).hasSizeGreaterThan(3 * 15 * 50);
    assertThat(hit).allSatisfy(x -> assertThat(Baseline.judge(x, max, w).score()).as(x.toString()).isLessThan(1.0));
    Baseline.Verdict worst = hit.stream().map(x -> Baseline.judge(x, max, w))
        .max(java.util.Comparator.comparingDouble(Baseline.Verdict::score)).orElseThrow();
    System.out.printf("low-rate-distributed: %d victim-windows, the worst at %.2f of the training maximum (%s)%n",
        hit.size(), worst.score(), worst.explanation());
  }

  @Test
  void portMixShiftChangesPortsOnlySoEveryVolumeIsThatOfTheUnshiftedTraffic() throws Exception {
    EvaluationDataset d = EvaluationDatasets.portMixShift();
    List<AttackSpec> attacks = d.generator().attacks();
    CollectingSink shiftedSink = CollectingSink.run(d.generator());
    List<String> shiftedLines = shiftedSink.lines();
    List<String> benignLines = CollectingSink.run(d.generator().withAttacks(List.of())).lines();
    List<Flow> shifted = FlowStats.parse(shiftedSink.messages);

    assertThat(shiftedLines).hasSameSizeAs(benignLines);
    Pattern quietFamily = Pattern.compile("\"port_(src|dst)\": 84(4[3-9]|5[0-8]),");
    assertThat(benignLines).noneMatch(l -> quietFamily.matcher(l).find());
    long[] moved = new long[attacks.size()];
    long[] web = new long[attacks.size()];
    for (int i = 0; i < benignLines.size(); i++) {
      Flow s = shifted.get(i);
      int attack = -1;
      for (int k = 0; k < attacks.size(); k++) {
        if (s.timestampStart() >= micros(attacks.get(k).start()) && s.timestampStart() < micros(attacks.get(k).end())) {
          attack = k;
        }
      }
      if (shiftedLines.get(i).equals(benignLines.get(i))) {
        if (attack >= 0 && s.ipProto() == 6 && !s.ipDst().contains(":") && (s.portDst() == 80 || s.portDst() == 443
            || s.portSrc() == 80 || s.portSrc() == 443)) {
          web[attack]++;
        }
        continue;
      }
      Flow b = FlowStats.parse(List.of(benignLines.get(i).getBytes())).get(0);
      assertThat(attack).as("a moved record lies in an attack").isNotNegative();
      assertThat(b.ipProto()).isEqualTo(6);
      assertThat(b.ipDst()).doesNotContain(":");
      assertThat(List.of(b.portSrc(), b.portDst())).containsAnyOf(80, 443);
      moved[attack]++;
      web[attack]++;
      Flow restored = new Flow(s.eventType(), s.peerIpSrc(), s.ipSrc(), s.ipDst(), b.portSrc(), b.portDst(), s.ipProto(),
          s.tcpFlags(), s.tos(), s.packets(), s.bytes(), s.flows(), s.timestampStart(), s.timestampEnd(),
          s.timestampArrival(), s.timestampExport(), s.ifaceIn(), s.ifaceOut(), s.asSrc(), s.asDst(), s.samplingRate(),
          s.writerId(), s.exportProtoVersion(), s.exportProtoSeqno(), s.label(), s.eventTimeMicros(), s.extra());
      assertThat(restored).as("all but the ports unchanged").isEqualTo(b);
    }
    // Each attack moves its rate over the 899 s in which a session may start, about a third of the web records.
    for (int k = 0; k < attacks.size(); k++) {
      long expected = Math.round(attacks.get(k).flowsPerSecond() * 899);
      assertThat(moved[k]).isBetween(expected - 2, expected + 2);
      assertThat((double) moved[k] / web[k]).as("share of web records moved by attack %d", k).isBetween(0.2, 0.5);
      System.out.printf("port-mix-shift at %s: %d of %d web records moved (%.2f)%n", attacks.get(k).start(), moved[k],
          web[k], (double) moved[k] / web[k]);
    }
    // Constant volume: every record's addresses, packets and times are the unshifted one's, so the totals per window
    // and per destination are exactly the unshifted traffic's (0 % difference), and no destination of an attack
    // window exceeds the training day's busiest one.
    TreeMap<Baseline.Key, Baseline.DestinationWindow> perDst = FlowStats.perDestination(shifted, 60);
    Baseline.Thresholds max = FlowStats.calibrate(perDst, d.trainFrom(), d.trainTo(), 60, 1.0);
    assertThat(perDst.values()).filteredOn(x -> attacks.stream().anyMatch(a ->
        !x.windowStart().isBefore(a.start()) && x.windowStart().isBefore(a.end())))
        .hasSizeGreaterThan(3 * 15 * 20)
        .allSatisfy(x -> assertThat(Baseline.judge(x, max, 60).score()).as(x.toString()).isLessThan(1.0));
    System.out.printf("port-mix-shift: the worst destination of an attack window is at %.2f of the training maximum%n",
        perDst.values().stream().filter(x -> attacks.stream().anyMatch(a -> !x.windowStart().isBefore(a.start())
            && x.windowStart().isBefore(a.end()))).mapToDouble(x -> Baseline.judge(x, max, 60).score()).max()
            .orElseThrow());
  }
}
