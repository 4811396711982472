package io.kaminari.flow;

import static io.kaminari.flow.Bytes.isDigit;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;

/**
 * Reads pmacct's timestamp text as epoch microseconds, with the calendar done by hand on the bytes (no
 * {@code java.time} parse, no String) because every flow carries up to four of them.
 *
 * <p>Forms: {@code YYYY-MM-DD HH:MM:SS[.f]} in the collector zone; the same with a {@code T} (or {@code t}) and/or a
 * {@code Z} / {@code z} / {@code ±HH:MM} suffix (RFC 3339); or epoch seconds {@code S[.f]}. Fractions of 1 to 9
 * digits are truncated to microseconds. Dates are proleptic Gregorian from year 1; second 60 (a leap second) is
 * refused, as pmacct never writes it. The all-zero date softflowd's IPFIX sends is {@link #ZERO_DATE}, i.e. absent.
 *
 * <p>Not thread-safe: it remembers the last {@code YYYY-MM-DD HH:MM} read and its local epoch seconds, because the
 * timestamps of a stream share minutes; one instance per parser.
 */
final class Timestamps {
  /** Sentinels of the scanners; real values stay far from them (year 1 is about -6.2e16 µs). */
  static final long INVALID = Long.MIN_VALUE;
  static final long ZERO_DATE = Long.MIN_VALUE + 1;
  private static final long MAX_EPOCH_SECONDS = Long.MAX_VALUE / 1_000_000;
  private static final int MINUTE_LENGTH = 16;

  private final ZoneRules collectorRules;
  /** The collector zone's offset when it never changes (UTC, fixed offsets), else null: then a lookup per record. */
  private final Integer collectorFixedOffset;
  /** The last timestamp's {@code YYYY-MM-DD HH:MM} and its local epoch seconds: a stream's timestamps share minutes. */
  private final byte[] minute = new byte[MINUTE_LENGTH];
  private long minuteSeconds = INVALID;

  /** @param collectorZone the zone of the form without an offset (see {@code PmacctParser}'s constructor) */
  Timestamps(ZoneId collectorZone) {
    collectorRules = collectorZone.getRules();
    collectorFixedOffset = collectorRules.isFixedOffset()
        ? collectorRules.getOffset(Instant.EPOCH).getTotalSeconds() : null;
  }

  /**
   * Epoch microseconds of the timestamp text in {@code b[off, end)} (a JSON string's content or a JSON number as
   * written), {@link #ZERO_DATE} for the all-zero date, or {@link #INVALID}.
   */
  long micros(byte[] b, int off, int end) {
    return end - off > 4 && b[off + 4] == '-' ? dateTimeMicros(b, off, end) : epochMicros(b, off, end);
  }

  /** {@code YYYY-MM-DD[ T]HH:MM:SS[.f][Z|±HH:MM]}; no suffix means the collector zone. */
  long dateTimeMicros(byte[] b, int off, int end) {
    if (end - off < 19 || b[off + 16] != ':') {
      return INVALID;
    }
    if (!Bytes.sameBytes(minute, b, off, MINUTE_LENGTH)) {
      System.arraycopy(b, off, minute, 0, MINUTE_LENGTH);
      minuteSeconds = localMinute(b, off);
    }
    int second = digits(b, off + 17, 2);
    int i = second < 0 ? -1 : fractionEnd(b, off + 19, end);
    if (minuteSeconds == INVALID || i < 0) {
      return INVALID;
    }
    int fraction = fractionMicros(b, off + 19, i);
    if (minuteSeconds == ZERO_DATE) {
      return ZERO_DATE;
    }
    if (second > 59) {
      return INVALID;
    }
    long localSeconds = minuteSeconds + second;
    int offset;
    if (i == end) {
      offset = collectorOffset(localSeconds);
    } else if ((b[i] == 'Z' || b[i] == 'z') && i + 1 == end) {
      offset = 0;
    } else if ((b[i] == '+' || b[i] == '-') && end - i == 6 && b[i + 3] == ':') {
      int hh = digits(b, i + 1, 2);
      int mm = digits(b, i + 4, 2);
      if (hh < 0 || mm < 0 || hh > 23 || mm > 59) {
        return INVALID;
      }
      offset = (b[i] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    } else {
      return INVALID;
    }
    return (localSeconds - offset) * 1_000_000L + fraction;
  }

  /**
   * Local epoch seconds of the minute {@code YYYY-MM-DD[ T]HH:MM} at {@code off} (16 bytes), {@link #ZERO_DATE} for
   * the all-zero date, or {@link #INVALID}.
   */
  static long localMinute(byte[] b, int off) {
    if (b[off + 4] != '-' || b[off + 7] != '-' || b[off + 13] != ':') {
      return INVALID;
    }
    byte sep = b[off + 10];
    int year = digits(b, off, 4);
    int month = digits(b, off + 5, 2);
    int day = digits(b, off + 8, 2);
    int hour = digits(b, off + 11, 2);
    int minute = digits(b, off + 14, 2);
    if ((sep != ' ' && sep != 'T' && sep != 't') || (year | month | day | hour | minute) < 0) {
      return INVALID;
    }
    if (year == 0 && month == 0 && day == 0) {
      return ZERO_DATE;
    }
    if (year == 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23
        || minute > 59) {
      return INVALID;
    }
    return daysFromCivil(year, month, day) * 86_400L + hour * 3600 + minute * 60;
  }

  /** Epoch seconds {@code S[.f]} in {@code b[off, end)} as microseconds, or {@link #INVALID}. */
  static long epochMicros(byte[] b, int off, int end) {
    long seconds = 0;
    int i = off;
    for (; i < end && isDigit(b[i]); i++) {
      seconds = seconds * 10 + (b[i] - '0');
      if (seconds > MAX_EPOCH_SECONDS) {
        return INVALID;
      }
    }
    if (i == off || fractionEnd(b, i, end) != end) {
      return INVALID;
    }
    return seconds * 1_000_000L + fractionMicros(b, i, end);
  }

  /** End of an optional {@code .digits} (1 to 9 digits) starting at {@code i}, or -1 if malformed. */
  static int fractionEnd(byte[] b, int i, int end) {
    if (i == end || b[i] != '.') {
      return i;
    }
    int start = ++i;
    while (i < end && isDigit(b[i])) {
      i++;
    }
    return i == start || i - start > 9 ? -1 : i;
  }

  /** Microseconds of the fraction {@code .digits} in [from, to), truncated; 0 when there is none. */
  static int fractionMicros(byte[] b, int from, int to) {
    int micros = 0;
    int scale = 100_000;
    for (int i = from + 1; i < to && scale > 0; i++, scale /= 10) {
      micros += (b[i] - '0') * scale;
    }
    return micros;
  }

  /** The collector zone's offset in seconds at the local time {@code localSeconds}. */
  int collectorOffset(long localSeconds) {
    if (collectorFixedOffset != null) {
      return collectorFixedOffset;
    }
    // In a DST gap or overlap this picks the offset before the transition, as LocalDateTime.atZone does.
    return collectorRules.getOffset(LocalDateTime.ofEpochSecond(localSeconds, 0, ZoneOffset.UTC)).getTotalSeconds();
  }

  /** Non-negative value of {@code count} decimal digits, or -1. */
  static int digits(byte[] b, int off, int count) {
    int v = 0;
    for (int i = off; i < off + count; i++) {
      if (!isDigit(b[i])) {
        return -1;
      }
      v = v * 10 + (b[i] - '0');
    }
    return v;
  }

  /** Days in {@code month} (1..12) of {@code year}, Gregorian leap years. */
  static int daysInMonth(int year, int month) {
    if (month == 2) {
      return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  static long daysFromCivil(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    int era = Math.floorDiv(y, 400);
    int yearOfEra = y - era * 400;
    int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097L + dayOfEra - 719_468;
  }
}
