package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentEvent.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentScoresTest {
  static final Instant T = Instant.parse("2024-05-02T03:00:00Z");

  static IncidentEvent state(String id, Kind kind, int seq) {
    return new IncidentEvent(kind, seq, id, "flow-ae", 1, "global", "203.0.113.0/24", T, T.plusSeconds(60),
        kind == Kind.RESOLVE ? T.plusSeconds(120) : null, 1, 60, 5.0, 100, 10, List.of("dst_port 80 pps (90%)"),
        T, 5.0, null);
  }

  @Test
  void keepsTheLatestStateOfEachIncidentMostRecentlyChangedFirst() {
    RecentScores recent = new RecentScores(10);
    recent.addIncidents(List.of(state("a", Kind.START, 1), state("b", Kind.START, 1)));
    recent.addIncidents(List.of(state("a", Kind.RESOLVE, 2)));
    assertThat(recent.incidents()).extracting(IncidentEvent::id, IncidentEvent::kind)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", Kind.RESOLVE),
            org.assertj.core.groups.Tuple.tuple("b", Kind.START));
  }

  @Test
  void forgetsTheLeastRecentlyChangedBeyondItsCapacity() {
    RecentScores recent = new RecentScores(10);
    List<IncidentEvent> many = new ArrayList<>();
    for (int i = 0; i <= RecentScores.INCIDENTS; i++) many.add(state("i" + i, Kind.START, 1));
    recent.addIncidents(many);
    assertThat(recent.incidents()).hasSize(RecentScores.INCIDENTS);
    assertThat(recent.incidents().get(0).id()).isEqualTo("i" + RecentScores.INCIDENTS);
    assertThat(recent.incidents()).extracting(IncidentEvent::id).doesNotContain("i0");
  }
}
