package io.kaminari.tools.generate;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * A growable byte buffer that appends ASCII numbers, IPv4 addresses and pmacct timestamps without allocating.
 *
 * <p>Timestamps use nfacctd's default form with {@code timestamps_utc}: {@code 2024-05-01 10:00:01.123000}. The 19-byte
 * date-and-time part is cached per epoch second in a small direct-mapped table, because the timestamps of one record
 * (and of records near each other) fall in the same few seconds.
 */
final class AsciiBuffer {
  private static final int CACHE = 256;
  private static final byte[][] OCTETS = new byte[256][];

  static {
    for (int i = 0; i < 256; i++) {
      OCTETS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }
  }

  private byte[] buf = new byte[1 << 12];
  private int length;
  private final long[] cachedSecond = new long[CACHE];
  private final byte[][] cachedText = new byte[CACHE][19];

  AsciiBuffer() {
    Arrays.fill(cachedSecond, Long.MIN_VALUE);
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  int length() {
    return length;
  }

  void clear() {
    length = 0;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, length);
  }

  private void ensure(int extra) {
    if (length + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + extra));
    }
  }

  void put(byte b) {
    ensure(1);
    buf[length++] = b;
  }

  void put(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, length, bytes.length);
    length += bytes.length;
  }

  /** Appends a non-negative number; every number in a flow record is one. */
  void putLong(long value) {
    ensure(19);
    int digits = 1;
    for (long v = value; v >= 10; v /= 10) {
      digits++;
    }
    for (int i = length + digits - 1; i >= length; i--) {
      buf[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    length += digits;
  }

  void putIpv4(int address) {
    put(OCTETS[address >>> 24]);
    put((byte) '.');
    put(OCTETS[address >>> 16 & 255]);
    put((byte) '.');
    put(OCTETS[address >>> 8 & 255]);
    put((byte) '.');
    put(OCTETS[address & 255]);
  }

  /** Appends {@code yyyy-MM-dd HH:mm:ss.SSSSSS} in UTC. */
  void putTimestamp(long epochMicros) {
    long second = Math.floorDiv(epochMicros, 1_000_000L);
    int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
    int slot = (int) (second & (CACHE - 1));
    byte[] text = cachedText[slot];
    if (cachedSecond[slot] != second) {
      formatSecond(second, text);
      cachedSecond[slot] = second;
    }
    ensure(26);
    System.arraycopy(text, 0, buf, length, 19);
    length += 19;
    buf[length++] = '.';
    for (int i = length + 5; i >= length; i--) {
      buf[i] = (byte) ('0' + micros % 10);
      micros /= 10;
    }
    length += 6;
  }

  private static void formatSecond(long epochSecond, byte[] out) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
    if (t.getYear() < 0 || t.getYear() > 9999) {
      throw new IllegalArgumentException("timestamp outside years 0000-9999: " + epochSecond);
    }
    digits(out, 0, t.getYear(), 4);
    out[4] = '-';
    digits(out, 5, t.getMonthValue(), 2);
    out[7] = '-';
    digits(out, 8, t.getDayOfMonth(), 2);
    out[10] = ' ';
    digits(out, 11, t.getHour(), 2);
    out[13] = ':';
    digits(out, 14, t.getMinute(), 2);
    out[16] = ':';
    digits(out, 17, t.getSecond(), 2);
  }

  private static void digits(byte[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
  }
}
