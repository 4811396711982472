package io.kaminari.flow;

import static io.kaminari.flow.Bytes.isDigit;
import static io.kaminari.flow.Bytes.sameBytes;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The parser's fast path: reads an ASCII line holding a non-empty, flat JSON object (strings without escapes,
 * numbers, literals; what pmacct writes) without Jackson, feeding each key to {@link PmacctObject#field}.
 *
 * <p>It gives up (returns -1) as soon as the line is anything else, including any record the object grammar rejects:
 * {@link JacksonReader} then reads it from the start, so every reject reason, and every value of the objects this
 * path does not take, comes from the one Jackson path. (Jackson's per-object set-up and tokenizing were half of the
 * parse; {@code PmacctParserPathsTest} checks both paths agree.)
 *
 * <p>Not thread-safe: it remembers the keys of the objects it read, since a stream's objects repeat them.
 */
final class FlatReader {
  /**
   * Lines longer than this, and numbers longer than {@link #NUMBER_MAX}, go to Jackson, whose read constraints
   * (maximum name, string and number lengths) then decide; pmacct's records are a few hundred bytes.
   */
  static final int LINE_MAX = 1 << 15;
  private static final int NUMBER_MAX = 100;
  private static final int KEY_CACHE = 256;
  private static final int KEY_POSITIONS = 64;

  private final PmacctObject object;
  private final PmacctValue value;
  /** Keys seen so far (bytes, name, slot), by a hash of their bytes: objects repeat the same few keys. */
  private final byte[][] keyBytes = new byte[KEY_CACHE][];
  private final String[] keyNames = new String[KEY_CACHE];
  private final int[] keySlots = new int[KEY_CACHE];
  /**
   * What the previous object held at each key position: its bytes from the key's opening quote to the value (say
   * {@code "port_src": }), the key and its slot. pmacct writes every object of a stream with the same keys in the same
   * order, so a match of these bytes reads the key, the colon and the spaces in one comparison.
   */
  private final byte[][] keyLeads = new byte[KEY_POSITIONS][];
  private final String[] keyLeadNames = new String[KEY_POSITIONS];
  private final int[] keyLeadSlots = new int[KEY_POSITIONS];

  FlatReader(PmacctObject object, PmacctValue value) {
    this.object = object;
    this.value = value;
  }

  /**
   * Reads the object of the line starting at {@code from} and returns the line's end (its newline, or
   * {@code messageEnd}), or -1 to leave the line to Jackson. No byte it accepts is a newline, so it finds that end
   * itself; a line that reaches {@code end} (at most {@link #LINE_MAX} on) before its newline is left to Jackson.
   */
  int read(byte[] b, int from, int end, int messageEnd) throws IOException {
    int i = skipSpace(b, from, end);
    if (i == end || b[i] != '{') {
      return -1;
    }
    i = skipSpace(b, i + 1, end);
    for (int position = 0; ; position++) {
      if (i == end || b[i] != '"') {
        return -1; // includes the empty object
      }
      byte[] lead = position < KEY_POSITIONS ? keyLeads[position] : null;
      String key;
      int slot;
      if (lead != null && lead.length <= end - i && sameBytes(lead, b, i, lead.length)) {
        key = keyLeadNames[position];
        slot = keyLeadSlots[position];
        i += lead.length;
      } else {
        int keyStart = i;
        int keyEnd = plainStringEnd(b, i + 1, end);
        if (keyEnd < 0) {
          return -1;
        }
        int entry = key(b, i + 1, keyEnd);
        key = keyNames[entry];
        slot = keySlots[entry];
        i = skipSpace(b, keyEnd + 1, end);
        if (i == end || b[i] != ':') {
          return -1;
        }
        i = skipSpace(b, i + 1, end);
        if (position < KEY_POSITIONS) {
          keyLeads[position] = Arrays.copyOfRange(b, keyStart, i);
          keyLeadNames[position] = key;
          keyLeadSlots[position] = slot;
        }
      }
      i = skipSpace(b, i, end);
      int valueEnd = value(b, i, end);
      if (valueEnd < 0) {
        return -1;
      }
      i = skipSpace(b, valueEnd, end);
      if (i == end || (b[i] != ',' && b[i] != '}')) {
        return -1; // truncated, or something glued to the value
      }
      try {
        object.field(key, slot);
      } catch (Rejection e) {
        return -1;
      }
      if (b[i] == '}') {
        i = skipSpace(b, i + 1, end);
        return i == messageEnd || (i < end && b[i] == '\n') ? i : -1;
      }
      i = skipSpace(b, i + 1, end);
    }
  }

  /**
   * Makes the scalar at {@code i} the current value and returns the index after it, or -1 if it is not a plain string,
   * a JSON number or a literal.
   */
  private int value(byte[] b, int i, int end) {
    if (i == end) {
      return -1;
    }
    int from = i;
    int to;
    JsonToken token;
    byte c = b[i];
    if (c == '"') {
      from = i + 1;
      to = plainStringEnd(b, from, end);
      if (to < 0) {
        return -1;
      }
      value.slice(JsonToken.VALUE_STRING, b, from, to);
      return to + 1;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      int integerEnd = integerEnd(b, i, end);
      to = integerEnd < 0 ? -1 : fractionExponentEnd(b, integerEnd, end);
      if (to < 0 || to - i > NUMBER_MAX) {
        return -1;
      }
      // A fraction or an exponent makes it a float; known from the scan, not from a second pass over the digits.
      token = to == integerEnd ? JsonToken.VALUE_NUMBER_INT : JsonToken.VALUE_NUMBER_FLOAT;
    } else if (literalAt(b, i, end, "null")) {
      token = JsonToken.VALUE_NULL;
      to = i + 4;
    } else if (literalAt(b, i, end, "true")) {
      token = JsonToken.VALUE_TRUE;
      to = i + 4;
    } else if (literalAt(b, i, end, "false")) {
      token = JsonToken.VALUE_FALSE;
      to = i + 5;
    } else {
      return -1; // arrays, objects, anything else
    }
    value.slice(token, b, from, to);
    return to;
  }

  /** The key cache entry of the key in [from, to) (its name, shared with earlier objects, and its slot). */
  private int key(byte[] b, int from, int to) {
    int n = to - from;
    // Length and three bytes tell pmacct's keys apart (port_src/port_dst, ip_src/ip_dst, ...); a clash only costs a
    // String, since the bytes are compared.
    int h = n == 0 ? 0 : n * 961 + b[from] * 31 + b[from + n / 2] * 7 + b[to - 1];
    int entry = (h ^ (h >>> 8)) & (KEY_CACHE - 1);
    byte[] known = keyBytes[entry];
    if (known == null || !sameBytes(known, b, from, n)) {
      keyBytes[entry] = Arrays.copyOfRange(b, from, to);
      keyNames[entry] = new String(b, from, n, StandardCharsets.US_ASCII);
      keySlots[entry] = PmacctKeys.slot(keyNames[entry]);
    }
    return entry;
  }

  /** Index of the quote closing a string that starts at {@code i}, or -1 if it has escapes or control characters. */
  private static int plainStringEnd(byte[] b, int i, int end) {
    for (; i < end; i++) {
      byte c = b[i];
      if (c == '"') {
        return i;
      }
      if (c == '\\' || c < 0x20) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * End of the integer part of a JSON number ({@code -?(0|[1-9][0-9]*)}) starting at {@code i}, or -1; with
   * {@link #fractionExponentEnd} it reads {@code -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?}.
   */
  private static int integerEnd(byte[] b, int i, int end) {
    if (i < end && b[i] == '-') {
      i++;
    }
    if (i == end || !isDigit(b[i])) {
      return -1;
    }
    return b[i] == '0' ? i + 1 : digitsEnd(b, i, end);
  }

  /**
   * End of a JSON number's optional fraction and exponent ({@code (.[0-9]+)?([eE][+-]?[0-9]+)?}) starting at {@code i},
   * the end of its integer part: {@code i} itself when it has neither, -1 when one is malformed.
   */
  private static int fractionExponentEnd(byte[] b, int i, int end) {
    if (i < end && b[i] == '.') {
      int start = ++i;
      i = digitsEnd(b, i, end);
      if (i == start) {
        return -1;
      }
    }
    if (i < end && (b[i] == 'e' || b[i] == 'E')) {
      if (++i < end && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int start = i;
      i = digitsEnd(b, i, end);
      if (i == start) {
        return -1;
      }
    }
    return i;
  }

  private static int digitsEnd(byte[] b, int i, int end) {
    while (i < end && isDigit(b[i])) {
      i++;
    }
    return i;
  }

  private static boolean literalAt(byte[] b, int i, int end, String literal) {
    if (end - i < literal.length()) {
      return false;
    }
    for (int k = 0; k < literal.length(); k++) {
      if (b[i + k] != literal.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static int skipSpace(byte[] b, int i, int end) {
    while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r')) {
      i++;
    }
    return i;
  }
}
