package io.kaminari.tools.generate;

import static io.kaminari.flow.FlowSchema.EVENT_PURGE;
import static io.kaminari.flow.FlowSchema.EVENT_TYPE;
import static io.kaminari.flow.FlowSchema.IP_DST;
import static io.kaminari.flow.FlowSchema.TIMESTAMP_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter PMACCT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  @Test
  void labelCountsEqualTheAttackFlowsFoundInTheOutput(@TempDir Path dir) throws Exception {
    // Victims outside the benign ranges, so counting flows to them counts exactly the attacks'.
    AttackSpec flood = AttackSpec.synFlood(T0.plusSeconds(200), Duration.ofSeconds(400), "100.64.0.1", 50);
    AttackSpec ntp = AttackSpec.udpReflection(T0.plusSeconds(290), Duration.ofSeconds(20), "100.64.0.2", 123, 33.3);
    AttackSpec scan = AttackSpec.portScan(T0.plus(Duration.ofMillis(899_500)), Duration.ofSeconds(1), "100.64.0.3", 7);
    GeneratorConfig config = GeneratorConfig.of(3, T0, Duration.ofMinutes(20), 30_000).withBenignHosts(1_000)
        .withAttacks(flood, ntp, scan);
    CollectingSink sink = new CollectingSink();
    GenerationResult result = new TrafficGenerator(config).run(sink);

    Map<String, Long> counted = new HashMap<>();
    for (String line : sink.lines()) {
      JsonNode node = JSON.readTree(line);
      String victim = node.get(IP_DST).asText();
      if (EVENT_PURGE.equals(node.get(EVENT_TYPE).asText()) && victim.startsWith("100.64.0.")) {
        Instant start = LocalDateTime.parse(node.get(TIMESTAMP_START).asText(), PMACCT_TIME).toInstant(ZoneOffset.UTC);
        long window = start.getEpochSecond() / 300 * 300;
        counted.merge(Instant.ofEpochSecond(window) + "," + victim, 1L, Long::sum);
      }
    }
    List<Label> labels = LabelWriter.labels(result);
    Map<String, Long> labelled = new HashMap<>();
    for (Label l : labels) {
      if (l.attackFlows() > 0) {
        labelled.put(l.windowStart() + "," + l.victim(), l.attackFlows());
      }
    }

    assertThat(labelled).isEqualTo(counted);
    assertThat(result.attacks()).extracting(AttackTally::flows).containsExactly(20_000L, 666L, 7L);
    // The flood overlaps windows 10:00 (from 10:03:20), 10:05 and 10:10 (to 10:09:59); the NTP attack straddles 10:05.
    assertThat(labels).extracting(Label::windowStart, Label::attackKind).containsExactly(
        tuple(Instant.parse("2024-05-01T10:00:00Z"), AttackKind.SYN_FLOOD),
        tuple(Instant.parse("2024-05-01T10:00:00Z"), AttackKind.UDP_REFLECTION),
        tuple(Instant.parse("2024-05-01T10:05:00Z"), AttackKind.SYN_FLOOD),
        tuple(Instant.parse("2024-05-01T10:05:00Z"), AttackKind.UDP_REFLECTION),
        tuple(Instant.parse("2024-05-01T10:10:00Z"), AttackKind.PORT_SCAN),
        tuple(Instant.parse("2024-05-01T10:15:00Z"), AttackKind.PORT_SCAN));
    assertThat(labels.stream().mapToLong(Label::attackFlows).sum()).isEqualTo(result.attackFlows());

    Path csv = dir.resolve("labels.csv");
    LabelWriter.write(csv, labels);
    List<String> rows = Files.readAllLines(csv);
    assertThat(rows.get(0)).isEqualTo("window_start,attack_kind,victim,attack_flows");
    assertThat(rows).hasSize(labels.size() + 1);
    assertThat(rows.get(1)).isEqualTo("2024-05-01T10:00:00Z,SYN_FLOOD,100.64.0.1," + labels.get(0).attackFlows());
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(csv);
    }
  }

  @Test
  void windowLengthIsConfigurableAndMustBeWholeSeconds() throws Exception {
    AttackSpec scan = AttackSpec.portScan(T0.plusSeconds(30), Duration.ofSeconds(90), "100.64.0.3", 10);
    GenerationResult result = new TrafficGenerator(
        GeneratorConfig.of(1, T0, Duration.ofMinutes(3), 0).withAttacks(scan)).run(new CollectingSink());

    assertThat(LabelWriter.labels(result, Duration.ofMinutes(1))).extracting(Label::attackFlows)
        .containsExactly(300L, 600L);
    assertThatThrownBy(() -> LabelWriter.labels(result, Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("label window must be positive whole seconds");
  }
}
