package io.kaminari.flow;

import static io.kaminari.flow.Bytes.isDigit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * The value being read and its coercion to a column's type: the readers ({@link FlatReader}, {@link JacksonReader})
 * make a JSON value current, and {@link PmacctObject} asks for it as an integer, a protocol, TCP flags, a timestamp,
 * an address or text, each reading throwing a {@link Rejection} with the reason when the value does not fit.
 *
 * <p>The current value is its token and, for scalars, its UTF-8 text (strings unescaped, numbers and literals as
 * written): a slice of the message on the flat path, a copy of Jackson's text otherwise. On the Jackson path
 * {@link #json} is the parser positioned on it, so that arrays and objects can be read too.
 */
final class PmacctValue {
  private static final int SHOWN_MAX = 64;

  JsonToken token;
  byte[] text;
  int textOff;
  int textLen;
  /** The Jackson parser of the object being read, or null on the flat path. */
  JsonParser json;

  private final Timestamps timestamps;
  private final StringWriter containerText = new StringWriter();
  private JsonGenerator containerWriter;

  PmacctValue(Timestamps timestamps) {
    this.timestamps = timestamps;
  }

  /** Makes the scalar {@code b[from, to)} of token type {@code type} current, read in place (flat path). */
  void slice(JsonToken type, byte[] b, int from, int to) {
    token = type;
    text = b;
    textOff = from;
    textLen = to - from;
  }

  /** Makes {@link #json}'s current token the current value. */
  void loadJson() throws IOException {
    token = json.currentToken();
    if (token.isScalarValue()) {
      // A fresh array: the object keeps slices of string values until it ends.
      text = json.getText().getBytes(StandardCharsets.UTF_8);
      textOff = 0;
      textLen = text.length;
    }
  }

  /** The current scalar's text. */
  String scalarText() {
    return new String(text, textOff, textLen, StandardCharsets.UTF_8);
  }

  void requireString(String key) {
    if (token != JsonToken.VALUE_STRING) {
      throw expected(key, "string");
    }
  }

  /** Checks that the current value is a string holding an IP literal ({@link IpLiterals}). */
  void ip(String key) {
    requireString(key);
    if (!IpLiterals.isIpLiteral(text, textOff, textOff + textLen)) {
      throw new Rejection(key + ": not an IP address: " + shown());
    }
  }

  /** Reads a JSON integer or a decimal string in 0..max. */
  long integer(String key, long max) {
    if (token == JsonToken.VALUE_NUMBER_FLOAT) {
      throw new Rejection(key + ": not an integer: " + shown());
    }
    if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_STRING) {
      throw expected(key, "integer");
    }
    byte[] b = text;
    int i = textOff;
    int end = i + textLen;
    boolean negative = i < end && b[i] == '-';
    if (negative) {
      i++;
    }
    if (i == end) {
      throw new Rejection(key + ": not an integer: " + shown());
    }
    long v = 0;
    boolean overflow = false;
    for (; i < end; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw new Rejection(key + ": not an integer: " + shown());
      }
      if (v >= Long.MAX_VALUE / 10) {
        overflow |= v > (Long.MAX_VALUE - d) / 10; // only this close to the limit can the next digit overflow
      }
      v = v * 10 + d;
    }
    if (overflow || (negative && v != 0) || v > max) {
      throw new Rejection(key + ": " + shown() + " out of range 0.." + max);
    }
    return v;
  }

  /** A protocol number 0..255, or one of {@link PmacctKeys#PROTO_NAMES}. */
  int ipProto(String key) {
    if (token == JsonToken.VALUE_STRING && textLen > 0 && !isDigit(text[textOff])) {
      int known = nameIndex(PmacctKeys.PROTO_NAMES, true);
      if (known < 0) {
        throw new Rejection(key + ": unknown protocol name: " + shown());
      }
      return PmacctKeys.PROTO_NUMBERS[known];
    }
    return (int) integer(key, 255);
  }

  /** TCP flags 0..255, or an array of {@link PmacctKeys#TCP_FLAG_NAMES} (only on the Jackson path). */
  int tcpFlags(String key) throws IOException {
    if (token != JsonToken.START_ARRAY) {
      return (int) integer(key, 255);
    }
    int flags = 0;
    while (json.nextToken() != JsonToken.END_ARRAY) {
      loadJson();
      if (token != JsonToken.VALUE_STRING) {
        throw expected(key, "flag name");
      }
      int bit = nameIndex(PmacctKeys.TCP_FLAG_NAMES, true);
      if (bit < 0) {
        throw new Rejection(key + ": unknown flag: " + shown());
      }
      flags |= 1 << bit;
    }
    return flags;
  }

  /** Epoch microseconds ({@link Timestamps}), or {@link Timestamps#ZERO_DATE} for the all-zero date (absent). */
  long timestamp(String key) {
    if (token != JsonToken.VALUE_STRING && token != JsonToken.VALUE_NUMBER_INT
        && token != JsonToken.VALUE_NUMBER_FLOAT) {
      throw expected(key, "timestamp");
    }
    long micros = timestamps.micros(text, textOff, textOff + textLen);
    if (micros == Timestamps.INVALID) {
      throw new Rejection(key + ": not a timestamp: " + shown());
    }
    return micros;
  }

  /** The value as text: scalars as written, objects and arrays as compact JSON. */
  String text() throws IOException {
    if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
      return scalarText();
    }
    StringBuffer out = containerText.getBuffer();
    out.setLength(0);
    if (containerWriter == null) {
      containerWriter = JacksonReader.JSON.createGenerator(containerText);
    }
    boolean copied = false;
    try {
      containerWriter.copyCurrentStructure(json);
      containerWriter.flush();
      copied = true;
    } finally {
      if (!copied) {
        // Left inside an unfinished object or array by truncated input: it must not write the next value.
        containerWriter = null;
      }
    }
    return out.toString();
  }

  /** Makes an object or array value's compact JSON the current text, so that it can be kept like a string. */
  void containerAsText() throws IOException {
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
      text = text().getBytes(StandardCharsets.UTF_8);
      textOff = 0;
      textLen = text.length;
    }
  }

  /** Index in {@code names} (ASCII) of the current string token's text, or -1; compares bytes to avoid a String. */
  int nameIndex(String[] names, boolean ignoreCase) {
    for (int n = 0; n < names.length; n++) {
      String name = names[n];
      if (name.length() == textLen && regionMatches(name, text, textOff, ignoreCase)) {
        return n;
      }
    }
    return -1;
  }

  private static boolean regionMatches(String name, byte[] b, int off, boolean ignoreCase) {
    for (int i = 0; i < name.length(); i++) {
      int c = b[off + i];
      int n = name.charAt(i);
      if (c != n && !(ignoreCase && asciiLower(c) == asciiLower(n))) {
        return false;
      }
    }
    return true;
  }

  private static int asciiLower(int c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  }

  // ---- reasons ----

  /** The current scalar as written (strings quoted), cut to a readable length. */
  String shown() {
    String text = scalarText();
    return token == JsonToken.VALUE_STRING ? quote(text) : cut(text);
  }

  static String quote(String s) {
    return '"' + cut(s) + '"';
  }

  private static String cut(String s) {
    return s.length() <= SHOWN_MAX ? s : s.substring(0, SHOWN_MAX) + "...";
  }

  Rejection expected(String key, String what) {
    return new Rejection(key + ": expected " + what + ", got " + describe(token));
  }

  /** A token as a reason names it. */
  static String describe(JsonToken t) {
    if (t == null) {
      return "nothing";
    }
    return switch (t) {
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      case VALUE_STRING -> "string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      default -> t.name();
    };
  }
}
