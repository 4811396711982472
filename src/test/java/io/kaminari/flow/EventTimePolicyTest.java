package io.kaminari.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.ConfigException;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.common.time.Micros;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The event-time policy as the parser applies it: the bounds are exact to the microsecond, the future skew is measured
 * from the record's arrival (the caller's fallback), a record with no arrival is checked against the lower bound only,
 * and both readers (byte scanner and Jackson) give the same verdict and reason.
 */
class EventTimePolicyTest {
  private static final Instant ARRIVAL = Instant.parse("2024-05-01T10:30:00Z");
  private static final long NO_ARRIVAL = Long.MIN_VALUE;

  /** Flow or reject reason of one record with {@code timestamp_start} {@code start} (epoch seconds text). */
  private static List<String> verdicts(EventTimePolicy policy, String start, long arrival) {
    String json = "{\"ip_src\": \"10.0.0.1\", \"ip_dst\": \"10.0.0.2\", \"packets\": 1, \"bytes\": 60"
        + (start == null ? "" : ", \"timestamp_start\": \"" + start + "\"") + "}";
    List<String> out = new ArrayList<>();
    for (PmacctParser parser : List.of(new PmacctParser(ZoneOffset.UTC, policy),
        new PmacctParser(ZoneOffset.UTC, policy, false))) {
      parser.parse(json.getBytes(StandardCharsets.UTF_8), arrival, new PmacctParser.Sink() {
        @Override
        public void flow(int index, PmacctParser.Fields flow) {
          out.add("flow " + Micros.toInstant(flow.toFlow().eventTimeMicros()));
        }

        @Override
        public void marker(int index, String eventType) {
          out.add("marker");
        }

        @Override
        public void reject(int index, String rawObject, String reason) {
          out.add(reason);
        }
      });
    }
    assertThat(out).hasSize(2);
    assertThat(out.get(0)).as("the byte scanner and Jackson agree").isEqualTo(out.get(1));
    return out;
  }

  private static String verdict(EventTimePolicy policy, String start, long arrival) {
    return verdicts(policy, start, arrival).get(0);
  }

  private static String seconds(Instant t) {
    return t.getEpochSecond() + "." + String.format("%06d", t.getNano() / 1000);
  }

  @Test
  void theBoundsAreExactToTheMicrosecond() {
    EventTimePolicy p = EventTimePolicy.DEFAULT;
    long arrival = Micros.of(ARRIVAL);
    Instant min = Instant.parse("2000-01-01T00:00:00Z");
    assertThat(verdict(p, seconds(min), arrival)).isEqualTo("flow " + min);
    assertThat(verdict(p, seconds(min.minusNanos(1000)), arrival)).isEqualTo(
        "event time before flow.min-event-time: timestamp_start 1999-12-31T23:59:59.999999Z < 2000-01-01T00:00:00Z");
    Instant latest = ARRIVAL.plus(Duration.ofHours(1));
    assertThat(verdict(p, seconds(latest), arrival)).isEqualTo("flow " + latest);
    assertThat(verdict(p, seconds(latest.plusNanos(1000)), arrival)).isEqualTo(
        "event time after arrival + flow.max-future-skew: timestamp_start 2024-05-01T11:30:00.000001Z"
            + " > 2024-05-01T10:30:00Z + PT1H");
  }

  @Test
  void theSkewIsMeasuredFromTheArrivalNotTheWallClock() {
    // A backfill of 2010 records that arrived in 2010 is valid whenever it runs; the same record arriving in 2009 is not.
    assertThat(verdict(EventTimePolicy.DEFAULT, "1262304000", Micros.of(Instant.parse("2010-01-01T00:10:00Z"))))
        .isEqualTo("flow 2010-01-01T00:00:00Z");
    assertThat(verdict(EventTimePolicy.DEFAULT, "1262304000", Micros.of(Instant.parse("2009-12-31T22:00:00Z"))))
        .startsWith("event time after arrival + flow.max-future-skew");
  }

  @Test
  void aRecordWithNoArrivalIsCheckedAgainstTheLowerBoundOnly() {
    assertThat(verdict(EventTimePolicy.DEFAULT, "9000000000000", NO_ARRIVAL)).startsWith("flow +287");
    assertThat(verdict(EventTimePolicy.DEFAULT, "946684799", NO_ARRIVAL)).startsWith("event time before");
  }

  @Test
  void theArrivalItselfIsCheckedWhenItIsTheEventTime() {
    assertThat(verdict(EventTimePolicy.DEFAULT, null, Micros.of(ARRIVAL))).isEqualTo("flow " + ARRIVAL);
    assertThat(verdict(EventTimePolicy.DEFAULT, null, Micros.of(Instant.parse("1999-01-01T00:00:00Z"))))
        .isEqualTo("event time before flow.min-event-time: arrival 1999-01-01T00:00:00Z < 2000-01-01T00:00:00Z");
  }

  @Test
  void extremeTimesAndSkewsDoNotOverflow() {
    EventTimePolicy wide = new EventTimePolicy(Long.MIN_VALUE + 1, Long.MAX_VALUE);
    assertThat(verdict(wide, "9000000000000", Micros.of(ARRIVAL))).startsWith("flow +287");
    assertThat(verdict(EventTimePolicy.DEFAULT, "9223372036854", Long.MAX_VALUE - 1)).startsWith("flow");
    assertThat(verdict(EventTimePolicy.DEFAULT, "9223372036854", Micros.of(ARRIVAL)))
        .startsWith("event time after arrival");
    assertThatThrownBy(() -> new EventTimePolicy(0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theConfigurationBuildsThePolicy() {
    KaminariConfig c = KaminariConfig.load(null, Map.of(Settings.MIN_EVENT_TIME.name(), "2020-01-01T00:00:00Z",
        Settings.MAX_FUTURE_SKEW.name(), "5m"), Map.of());
    EventTimePolicy p = EventTimePolicy.from(c);
    assertThat(p).isEqualTo(EventTimePolicy.of(Instant.parse("2020-01-01T00:00:00Z"), Duration.ofMinutes(5)));
    assertThat(EventTimePolicy.from(KaminariConfig.load(null, Map.of(), Map.of()))).isEqualTo(EventTimePolicy.DEFAULT);
    assertThat(verdict(p, "1577836799", NO_ARRIVAL)).startsWith("event time before flow.min-event-time");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(Settings.MIN_EVENT_TIME.name(), "2020-01-01"), Map.of())
        .get(Settings.MIN_EVENT_TIME)).isInstanceOf(ConfigException.class).hasMessageContaining("flow.min-event-time");
  }
}
