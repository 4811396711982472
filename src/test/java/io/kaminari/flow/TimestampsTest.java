package io.kaminari.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.Year;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-made calendar of {@link Timestamps} against {@code java.time}, edge by edge. */
class TimestampsTest {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

  private final Timestamps utc = new Timestamps(ZoneOffset.UTC);

  private static long micros(Timestamps t, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    return t.micros(b, 0, b.length);
  }

  private static long micros(Instant i) {
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }

  @Test
  void daysFromCivilIsTheEpochDayOfEveryDateFromYear1To9999() {
    for (LocalDate d = LocalDate.of(1, 1, 1); d.getYear() < 10_000; d = d.plusDays(1)) {
      if (Timestamps.daysFromCivil(d.getYear(), d.getMonthValue(), d.getDayOfMonth()) != d.toEpochDay()) {
        assertThat(Timestamps.daysFromCivil(d.getYear(), d.getMonthValue(), d.getDayOfMonth())).as("%s", d)
            .isEqualTo(d.toEpochDay());
      }
    }
  }

  @Test
  void monthLengthsFollowTheGregorianLeapYears() {
    for (int year = 1; year < 10_000; year++) {
      for (int month = 1; month <= 12; month++) {
        int expected = Year.of(year).atMonth(month).lengthOfMonth();
        if (Timestamps.daysInMonth(year, month) != expected) {
          assertThat(Timestamps.daysInMonth(year, month)).as("%d-%d", year, month).isEqualTo(expected);
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"2024-02-29, true", "2000-02-29, true", "2400-02-29, true", "2023-02-29, false", "1900-02-29, false",
      "2100-02-29, false", "2024-02-30, false", "2024-04-31, false", "2024-12-31, true", "2024-13-01, false",
      "2024-00-10, false", "2024-01-00, false", "0001-01-01, true", "9999-12-31, true"})
  void leapDaysAndMonthEndsAreChecked(String date, boolean valid) {
    long got = micros(utc, date + " 12:34:56");
    if (valid) {
      assertThat(got).isEqualTo(micros(LocalDate.parse(date).atTime(12, 34, 56).toInstant(ZoneOffset.UTC)));
    } else {
      assertThat(got).isEqualTo(Timestamps.INVALID);
    }
  }

  @ParameterizedTest
  @CsvSource({"2024-05-01T10:11:12+05:30, 19800", "2024-05-01T10:11:12-08:00, -28800",
      "2024-05-01 10:11:12+00:00, 0", "2024-05-01T10:11:12-00:00, 0", "2024-05-01T10:11:12+23:59, 86340",
      "2024-05-01T10:11:12-23:59, -86340", "2024-05-01T10:11:12Z, 0", "2024-05-01t10:11:12z, 0",
      "1970-01-01T00:00:00+01:00, 3600", "2024-12-31T23:59:59.999999-12:00, -43200"})
  void rfc3339OffsetsAreApplied(String text, int offsetSeconds) {
    // The local date-time is java.time's; the offset (up to ±23:59 in RFC 3339, java.time stops at ±18:00) is ours.
    LocalDateTime local = LocalDateTime.parse(text.substring(0, text.length() - (text.toUpperCase().endsWith("Z") ? 1 : 6))
        .replace(' ', 'T').replace('t', 'T'));
    long expected = micros(local.toInstant(ZoneOffset.UTC)) - offsetSeconds * 1_000_000L;
    // Whatever zone the collector is in: an explicit offset wins.
    assertThat(micros(utc, text)).isEqualTo(expected);
    assertThat(micros(new Timestamps(ZoneId.of("Asia/Kolkata")), text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2024-05-01T10:11:12+24:00", "2024-05-01T10:11:12+05:60", "2024-05-01T10:11:12+0530",
      "2024-05-01T10:11:12+05", "2024-05-01T10:11:12+5:30", "2024-05-01T10:11:12 +05:30", "2024-05-01T10:11:12ZZ",
      "2024-05-01T10:11:12UTC", "2024-05-01T10:11:12.Z", "2024-05-01/10:11:12", "2024-05-01T10:11:60",
      "2024-05-01T24:00:00", "2024-05-01T10:60:00", "2024-05-01T10:11", "2024-5-01 10:11:12", "0000-01-01 00:00:00",
      "2024-05-01 10:11:1x", "2024-05-01 10:11:12.1234567890", "2024-05-01 10:11:12."})
  void malformedDateTimesAreInvalid(String text) {
    assertThat(micros(utc, text)).isEqualTo(Timestamps.INVALID);
  }

  @ParameterizedTest
  @CsvSource({".5, 500000", ".05, 50000", ".000001, 1", ".0000009, 0", ".123456, 123456", ".123456789, 123456",
      ".999999999, 999999", "'', 0"})
  void fractionsOf1To9DigitsAreTruncatedToMicroseconds(String fraction, long expected) {
    long base = micros(Instant.parse("2024-05-01T10:11:12Z"));
    assertThat(micros(utc, "2024-05-01 10:11:12" + fraction)).isEqualTo(base + expected);
    assertThat(micros(utc, "2024-05-01T10:11:12" + fraction + "Z")).isEqualTo(base + expected);
    assertThat(micros(utc, "1714558272" + fraction)).isEqualTo(base + expected);
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "1, 1000000", "1700000000, 1700000000000000", "1700000000.25, 1700000000250000",
      "9223372036854, 9223372036854000000", "9223372036854.775807, 9223372036854775807"})
  void epochSecondsAreRead(String text, long expected) {
    assertThat(micros(utc, text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-1", "+1", "1e9", "1.", ".5", "1.1234567890", "9223372036855", "99999999999999999999",
      " 1", "1 ", "0x10", "17000000000000000000000000"})
  void malformedEpochsAreInvalid(String text) {
    assertThat(micros(utc, text)).isEqualTo(Timestamps.INVALID);
  }

  @Test
  void theAllZeroDateIsAbsentNotInvalid() {
    assertThat(micros(utc, "0000-00-00 00:00:00")).isEqualTo(Timestamps.ZERO_DATE);
    assertThat(micros(utc, "0000-00-00 00:00:00.000000")).isEqualTo(Timestamps.ZERO_DATE);
    assertThat(micros(utc, "0000-00-00T00:00:00Z")).isEqualTo(Timestamps.ZERO_DATE);
    assertThat(micros(utc, "0000-00-00 00:00:0x")).isEqualTo(Timestamps.INVALID);
    assertThat(micros(utc, "0000-00-01 00:00:00")).isEqualTo(Timestamps.INVALID);
  }

  /**
   * Without an offset the collector zone applies, and in a DST gap or overlap the offset before the transition, as
   * {@code LocalDateTime.atZone} picks it: checked minute by minute around each transition of a few odd zones.
   */
  @ParameterizedTest
  @ValueSource(strings = {"Europe/Berlin", "America/St_Johns", "Australia/Lord_Howe", "America/Sao_Paulo",
      "Asia/Kolkata", "Pacific/Apia"})
  void collectorZoneOffsetsMatchJavaTimeAcrossTransitions(String zone) {
    ZoneId id = ZoneId.of(zone);
    Timestamps t = new Timestamps(id);
    var rules = id.getRules();
    Instant from = Instant.parse("2010-01-01T00:00:00Z");
    for (var transition = rules.nextTransition(from); transition != null
        && transition.getInstant().isBefore(Instant.parse("2026-01-01T00:00:00Z"));
        transition = rules.nextTransition(transition.getInstant())) {
      LocalDateTime local = transition.getDateTimeBefore().minusHours(2);
      for (int minute = 0; minute < 6 * 60; minute += 7) {
        LocalDateTime at = local.plusMinutes(minute).withSecond(minute % 60);
        assertThat(micros(t, LOCAL.format(at))).as("%s in %s", at, zone)
            .isEqualTo(micros(at.atZone(id).toInstant()));
      }
    }
    // A zone without transitions (Kolkata) still gets its fixed offset.
    LocalDateTime noon = LocalDateTime.of(2024, 5, 1, 12, 0, 0);
    assertThat(micros(t, LOCAL.format(noon))).isEqualTo(micros(noon.atZone(id).toInstant()));
  }

  @Test
  void theMinuteCacheNeverServesAnotherMinute() {
    Timestamps t = new Timestamps(ZoneOffset.UTC);
    String[] texts = {"2024-05-01 10:11:12", "2024-05-01 10:11:59", "2024-05-01 10:12:00", "2024-05-01 10:11:00",
        "2024-02-30 10:11:12", "2024-02-30 10:11:13", "2024-05-01 10:11:12", "0000-00-00 00:00:00",
        "2024-05-01 10:11:12", "2024-05-01T10:11:12Z", "2024-05-01t10:11:12"};
    for (String text : texts) {
      long expected = micros(new Timestamps(ZoneOffset.UTC), text); // a fresh instance: nothing cached
      assertThat(micros(t, text)).as(text).isEqualTo(expected);
    }
    assertThat(micros(t, "2024-02-30 10:11:12")).isEqualTo(Timestamps.INVALID);
  }
}
