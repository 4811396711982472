package io.kaminari.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Scans of a message's raw bytes that the parser makes before or instead of decoding them: line ends, ASCII, blank
 * lines, UTF-8 well-formedness, equality of slices. Static and branch-light so that they inline into the readers'
 * loops; the long ones read eight bytes per step.
 */
final class Bytes {
  /** Little-endian, so that the lowest flagged byte of a word is the first in the array. */
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Bytes() {}

  /**
   * Index of the first '\n' in [from, end), or {@code end}. Scans eight bytes per step (the SWAR zero-byte
   * test): the byte-by-byte loop was a tenth of the parse time.
   */
  static int lineEnd(byte[] b, int from, int end) {
    int i = from;
    for (; i + 8 <= end; i += 8) {
      long x = (long) LONGS.get(b, i) ^ 0x0A0A_0A0A_0A0A_0A0AL;
      long newlines = (x - 0x0101_0101_0101_0101L) & ~x & 0x8080_8080_8080_8080L;
      if (newlines != 0) {
        return i + (Long.numberOfTrailingZeros(newlines) >>> 3);
      }
    }
    while (i < end && b[i] != '\n') {
      i++;
    }
    return i;
  }

  /** Whether every byte of [from, to) is ASCII (below 0x80). */
  static boolean isAscii(byte[] b, int from, int to) {
    long highBits = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      highBits |= (long) LONGS.get(b, i);
    }
    for (; i < to; i++) {
      highBits |= b[i];
    }
    return (highBits & 0x8080_8080_8080_8080L) == 0;
  }

  /** Whether [from, to) holds only spaces, tabs and carriage returns (the JSON whitespace of one line). */
  static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
        return false;
      }
    }
    return true;
  }

  /**
   * Offset in [off, off+len) of the first byte that is not well-formed UTF-8 (RFC 3629: no overlongs, surrogates or
   * code points above U+10FFFF), or -1. Checked here because Jackson decodes lazily and does not catch all of them.
   */
  static int invalidUtf8At(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int trailing = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
      if (trailing < 0 || end - i <= trailing) {
        return i - off;
      }
      int lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
      int hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
      int second = b[i + 1] & 0xFF;
      if (second < lo || second > hi) {
        return i - off;
      }
      for (int k = 2; k <= trailing; k++) {
        if ((b[i + k] & 0xC0) != 0x80) {
          return i - off;
        }
      }
      i += trailing + 1;
    }
    return -1;
  }

  /**
   * Whether {@code b[from..from+n)} equals {@code known}, eight bytes per step (Arrays.equals' set-up costs more). The
   * last step re-reads up to seven bytes rather than finishing byte by byte: the key leads it compares (a key, its
   * colon and the value's quote, 10 to 25 bytes) are rarely a multiple of eight, so a tail of up to seven bytes ran on
   * nearly every call (this method was 8% of the scorer's thread, called per key of every record).
   */
  static boolean sameBytes(byte[] known, byte[] b, int from, int n) {
    if (known.length != n) {
      return false;
    }
    if (n < 8) {
      for (int k = 0; k < n; k++) {
        if (known[k] != b[from + k]) {
          return false;
        }
      }
      return true;
    }
    int last = n - 8;
    for (int k = 0; k < last; k += 8) {
      if ((long) LONGS.get(known, k) != (long) LONGS.get(b, from + k)) {
        return false;
      }
    }
    return (long) LONGS.get(known, last) == (long) LONGS.get(b, from + last);
  }

  /** Whether {@code c} is an ASCII decimal digit. */
  static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }
}
