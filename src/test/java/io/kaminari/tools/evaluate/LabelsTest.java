package io.kaminari.tools.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void sumsRowsPerWindowAndFloorsToTheEvaluationWindow() {
    List<String> csv = List.of("window_start,attack_kind,victim,attack_flows",
        "2024-05-02T03:00:00Z,SYN_FLOOD,203.0.113.10,1200",
        "2024-05-02T03:00:00Z,PORT_SCAN,203.0.113.40,5",
        "2024-05-02T03:04:00Z,SYN_FLOOD,203.0.113.10,0",
        "2024-05-02T03:06:00Z,SYN_FLOOD,203.0.113.10,7");
    TreeMap<Instant, Long> oneMinute = Labels.parse(csv, Duration.ofMinutes(1), "t");
    assertThat(oneMinute).containsEntry(Instant.parse("2024-05-02T03:00:00Z"), 1205L)
        .containsEntry(Instant.parse("2024-05-02T03:04:00Z"), 0L).hasSize(3);
    TreeMap<Instant, Long> fiveMinutes = Labels.parse(csv, Duration.ofMinutes(5), "t");
    assertThat(fiveMinutes).containsEntry(Instant.parse("2024-05-02T03:00:00Z"), 1205L)
        .containsEntry(Instant.parse("2024-05-02T03:05:00Z"), 7L).hasSize(2);
    assertThat(Labels.attackWindows(oneMinute, Instant.parse("2024-05-02T00:00:00Z"),
        Instant.parse("2024-05-02T03:05:00Z"))).containsExactly(Instant.parse("2024-05-02T03:00:00Z"));
  }

  @Test
  void anyColumnOrderWithQuotedFields() {
    List<String> csv = List.of("attack_flows,note,window_start", "3,\"a, b\",2024-05-02T03:00:00Z");
    assertThat(Labels.parse(csv, Duration.ofMinutes(1), "t")).containsEntry(Instant.parse("2024-05-02T03:00:00Z"), 3L);
  }

  @Test
  void missingColumnsAreAnError() {
    assertThatThrownBy(() -> Labels.parse(List.of("window_start,victim"), Duration.ofMinutes(1), "t"))
        .hasMessageContaining("attack_flows");
  }
}
