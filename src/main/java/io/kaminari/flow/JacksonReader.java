package io.kaminari.flow;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import java.io.IOException;

/**
 * The parser's reference path: reads one line as any JSON with Jackson, feeding each key to
 * {@link PmacctObject#field}, and gives the reason when the line is not a single, non-empty, well-formed object.
 * Every line {@link FlatReader} does not take comes here, so all reject reasons come from this one path.
 */
final class JacksonReader {
  /** No separator between root values, so that one generator can write the containers of a record one by one. */
  static final JsonFactory JSON = new JsonFactoryBuilder().rootValueSeparator((String) null).build();

  private final PmacctObject object;
  private final PmacctValue value;

  JacksonReader(PmacctObject object, PmacctValue value) {
    this.object = object;
    this.value = value;
  }

  /**
   * Reads the object in {@code buf[off, off+len)}. The caller clears {@link PmacctValue#json} once the object's
   * outcome is known, whether this returns or throws.
   *
   * @throws Rejection on invalid UTF-8, a value that is not a non-empty object, trailing content, or a key the object
   *     grammar rejects
   * @throws JsonProcessingException on malformed JSON ({@link #isTruncation} tells a cut record)
   */
  void read(byte[] buf, int off, int len) throws IOException {
    if (!Bytes.isAscii(buf, off, off + len)) {
      int bad = Bytes.invalidUtf8At(buf, off, len);
      if (bad >= 0) {
        throw new Rejection("invalid UTF-8 at byte " + bad);
      }
    }
    try (JsonParser parser = JSON.createParser(buf, off, len)) {
      value.json = parser;
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new Rejection("not a JSON object: " + PmacctValue.describe(first));
      }
      if (parser.nextToken() == JsonToken.END_OBJECT) {
        throw new Rejection("empty object");
      }
      do {
        String key = parser.currentName();
        parser.nextToken();
        value.loadJson();
        object.field(key, PmacctKeys.slot(key));
      } while (parser.nextToken() == JsonToken.FIELD_NAME);
      if (parser.nextToken() != null) {
        throw new Rejection("trailing content after the object");
      }
    }
  }

  /** Jackson reports some ends of input (e.g. between array entries) as a plain parse error, not as EOF. */
  static boolean isTruncation(JsonProcessingException e) {
    return e instanceof JsonEOFException
        || String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input");
  }
}
