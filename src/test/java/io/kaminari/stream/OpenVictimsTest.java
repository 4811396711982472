package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentEvent.Kind;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The open incidents' victims, from the states of the incidents topic. */
class OpenVictimsTest {
  static final Instant START = Instant.parse("2024-05-02T03:00:00Z");

  private static IncidentEvent state(Kind kind, String id, String victim) {
    return new IncidentEvent(kind, 1, id, "flow-ae", 3, "dst-prefix", victim, START, START.plusSeconds(60),
        kind == Kind.RESOLVE ? START.plusSeconds(60) : null, 1, 60, 4.2, 9000, 300, List.of(), START.plusSeconds(60),
        4.2, null);
  }

  @Test
  void aVictimIsFollowedFromItsIncidentsFirstStateUntilEveryIncidentOnItIsResolved() {
    OpenVictims v = new OpenVictims();
    assertThat(v.test("198.18.4.0/24")).isFalse();
    v.handle(state(Kind.START, "aaaaaaaaaaaaaaaa", "198.18.4.0/24"));
    v.handle(state(Kind.PROGRESS, "aaaaaaaaaaaaaaaa", "198.18.4.0/24"));
    // A state seen first as progress (its start was older than incidents.max-age) opens it as well.
    v.handle(state(Kind.UPDATE, "bbbbbbbbbbbbbbbb", "10.4.8.0/24"));
    v.handle(state(Kind.START, "cccccccccccccccc", "198.18.4.0/24")); // a second incident, later, on the same victim
    assertThat(v.test("198.18.4.0/24")).isTrue();
    assertThat(v.test("10.4.8.0/24")).isTrue();
    assertThat(v.test("203.0.113.0/24")).isFalse();
    v.handle(state(Kind.RESOLVE, "aaaaaaaaaaaaaaaa", "198.18.4.0/24"));
    assertThat(v.test("198.18.4.0/24")).as("its other incident is open").isTrue();
    v.handle(state(Kind.RESOLVE, "cccccccccccccccc", "198.18.4.0/24"));
    v.handle(state(Kind.RESOLVE, "bbbbbbbbbbbbbbbb", "10.4.8.0/24"));
    v.handle(state(Kind.RESOLVE, "dddddddddddddddd", "192.0.2.0/24")); // resolved before it was seen: nothing to do
    assertThat(v.test("198.18.4.0/24")).isFalse();
    assertThat(v.test("10.4.8.0/24")).isFalse();
    assertThat(v.test("192.0.2.0/24")).isFalse();
  }
}
