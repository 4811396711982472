package io.kaminari.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.time.EventHours;
import io.kaminari.common.time.Hour;
import io.kaminari.common.time.HourRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@link ScoreJob} splits its event hours into Spark passes. */
class ScoreJobTest {
  @Test
  void chunksAreRunsOfConsecutiveHoursOfAtMostChunkHours() {
    Hour h = Hour.parse("2024-05-01T00");
    EventHours hours = EventHours.of(List.of(h, h.plus(1), h.plus(2), h.plus(3), h.plus(4), h.plus(9)));
    assertThat(ScoreJob.chunks(hours, 2)).containsExactly(new HourRange(h, h.plus(2)),
        new HourRange(h.plus(2), h.plus(4)), HourRange.of(h.plus(4)), HourRange.of(h.plus(9)));
    assertThat(ScoreJob.chunks(hours, 24)).containsExactly(new HourRange(h, h.plus(5)), HourRange.of(h.plus(9)));
  }
}
