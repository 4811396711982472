package io.kaminari.common.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.EventHours;
import io.kaminari.common.time.Hour.HourRange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hours, ranges of hours and sets of event hours: the CLI's forms, partition values and partition filters. */
class HourTest {
  private static final Hour H10 = Hour.parse("2024-05-01T10");

  @Test
  void anHourReadsAndWritesTheCliFormAndItsPartition() {
    assertThat(H10.start()).isEqualTo(Instant.parse("2024-05-01T10:00:00Z"));
    assertThat(H10.end()).isEqualTo(Instant.parse("2024-05-01T11:00:00Z"));
    assertThat(H10).hasToString("2024-05-01T10");
    assertThat(Hour.parse("2024-05-01T09")).hasToString("2024-05-01T09");
    assertThat(H10.dt()).isEqualTo("2024-05-01");
    assertThat(H10.hourOfDay()).isEqualTo(10);
    assertThat(H10.partitionSpec()).isEqualTo("dt=2024-05-01/hour=10");
    assertThat(H10.partitionValues()).isEqualTo("dt='2024-05-01', hour=10");
    assertThat(Hour.ofPartition("dt=2024-05-01/hour=10")).isEqualTo(H10);
    assertThat(Hour.ofPartition("dt=2024-05-01/hour=10/spec_id=ab12")).isEqualTo(H10);
    assertThat(Hour.of("2024-05-01", 10)).isEqualTo(H10);
    assertThat(H10.plus(14)).hasToString("2024-05-02T00");
    assertThat(H10.index()).isEqualTo(Instant.parse("2024-05-01T10:00:00Z").getEpochSecond() / 3600);
  }

  @Test
  void instantsAndMicrosFallInTheHourThatHoldsThem() {
    assertThat(Hour.of(Instant.parse("2024-05-01T10:59:59.999999Z"))).isEqualTo(H10);
    assertThat(Hour.ofMicros(Micros.of(Instant.parse("2024-05-01T11:00:00Z")))).isEqualTo(H10.plus(1));
    Hour beforeEpoch = Hour.of(Instant.parse("1969-12-31T23:30:00Z"));
    assertThat(beforeEpoch.index()).isEqualTo(-1);
    assertThat(beforeEpoch.dt()).isEqualTo("1969-12-31");
    assertThat(beforeEpoch.hourOfDay()).isEqualTo(23);
    assertThat(Hour.ofMicros(-1)).isEqualTo(beforeEpoch);
  }

  @Test
  void microsRoundTripAndTruncateBelowAMicrosecond() {
    Instant t = Instant.parse("2024-05-01T10:04:59.999999Z");
    assertThat(Micros.toInstant(Micros.of(t))).isEqualTo(t);
    assertThat(Micros.of(t.plusNanos(999))).isEqualTo(Micros.of(t));
    assertThat(Micros.toInstant(-1)).isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
    assertThat(Micros.of(Instant.EPOCH.plusSeconds(3600))).isEqualTo(Micros.PER_HOUR);
    assertThatThrownBy(() -> Micros.of(Instant.MAX)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void badArgumentsSayWhatIsExpected() {
    assertThatThrownBy(() -> Hour.parse("yesterday"))
        .hasMessage("'yesterday' is not an hour of the form 2024-05-01T10 (UTC)");
    assertThatThrownBy(() -> Hour.parse("2024-05-01T10:05")).hasMessageContaining("'2024-05-01T10:05'");
    assertThat(List.of(Hour.parseTime("2024-05-01T10"), Hour.parseTime("2024-05-01T10:05")))
        .containsExactly(Instant.parse("2024-05-01T10:00:00Z"), Instant.parse("2024-05-01T10:05:00Z"));
    assertThatThrownBy(() -> Hour.parseTime("soon"))
        .hasMessage("'soon' is not a time of the form 2024-05-01T10 or 2024-05-01T10:05 (UTC)");
    assertThatThrownBy(() -> Hour.ofPartition("dt=2024-05-01")).hasMessageContaining("dt=2024-05-01");
    assertThatThrownBy(() -> Hour.of("2024-05-01", 24)).hasMessageContaining("0..23");
    assertThatThrownBy(() -> HourRange.parse("2024-05-01T10", "2024-05-01T10"))
        .hasMessageContaining("--from must be before --to");
  }

  @Test
  void aRangeCoversWholeHoursAndFiltersItsPartitions() {
    HourRange range = HourRange.covering(Instant.parse("2024-05-01T22:05:00Z"), Instant.parse("2024-05-02T01:00:01Z"));
    assertThat(range).isEqualTo(HourRange.parse("2024-05-01T22", "2024-05-02T02"));
    assertThat(range.size()).isEqualTo(4);
    assertThat(range.hours()).extracting(Hour::toString)
        .containsExactly("2024-05-01T22", "2024-05-01T23", "2024-05-02T00", "2024-05-02T01");
    assertThat(range.contains(Hour.parse("2024-05-02T01"))).isTrue();
    assertThat(range.contains(Hour.parse("2024-05-02T02"))).isFalse();
    assertThat(HourRange.covering(H10.start(), H10.end())).isEqualTo(HourRange.of(H10));
    assertThat(range.where()).isEqualTo("(dt > '2024-05-01' OR (dt = '2024-05-01' AND hour >= 22))"
        + " AND (dt < '2024-05-02' OR (dt = '2024-05-02' AND hour <= 1))");
    assertThat(range).hasToString("[2024-05-01T22, 2024-05-02T02)");
    assertThat(ArrivalHours.of(H10).where()).isEqualTo(HourRange.of(H10).where());
    assertThat(ArrivalHours.covering(H10.start(), H10.end().plusSeconds(1)).hours()).containsExactly(H10, H10.plus(1));
  }

  @Test
  void eventHoursAreASortedSetWithItsRunsAndOneFilterTermPerDate() {
    Hour late = Hour.parse("2024-04-30T23");
    EventHours hours = EventHours.of(List.of(H10.plus(1), H10, late, H10));
    assertThat(hours.hours()).containsExactly(late, H10, H10.plus(1));
    assertThat(hours.ranges()).containsExactly(HourRange.of(late), new HourRange(H10, H10.plus(2)));
    assertThat(hours.span()).isEqualTo(new HourRange(late, H10.plus(2)));
    assertThat(hours.where())
        .isEqualTo("(dt = '2024-04-30' AND hour IN (23)) OR (dt = '2024-05-01' AND hour IN (10, 11))");
    assertThat(hours.strings()).containsExactly("2024-04-30T23", "2024-05-01T10", "2024-05-01T11");
    assertThat(EventHours.ofStrings(hours.strings())).isEqualTo(hours);
    assertThat(hours).hasToString("2024-04-30T23,2024-05-01T10..2024-05-01T11");
    assertThat(EventHours.NONE).hasToString("none");
    assertThat(hours.with(H10.plus(2)).ranges()).containsExactly(HourRange.of(late), new HourRange(H10, H10.plus(3)));
    assertThat(EventHours.parse("2024-05-01T10", "2024-05-01T12")).isEqualTo(EventHours.of(List.of(H10, H10.plus(1))));
    assertThat(EventHours.NONE.where()).isEqualTo("false");
    assertThat(EventHours.NONE.ranges()).isEmpty();
    assertThat(EventHours.ofStrings(null)).isEqualTo(EventHours.NONE);
    assertThatThrownBy(EventHours.NONE::span).isInstanceOf(IllegalStateException.class);
  }
}
