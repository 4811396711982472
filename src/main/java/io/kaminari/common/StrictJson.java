package io.kaminari.common;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Strict JSON for Kaminari's own small documents (feature specs, model definitions): unknown fields, duplicate keys,
 * nulls for primitives, floats for ints and trailing tokens are errors, and every error is an
 * {@link IllegalArgumentException} whose message says what was wrong (the record's own validation message when its
 * constructor refused a value).
 */
public final class StrictJson {
  private StrictJson() {}

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  /** Parses {@code json} as a {@code type}; {@code what} names the document in messages (e.g. "feature spec"). */
  public static <T> T parse(String json, Class<T> type, String what) {
    try {
      return JSON.readValue(json, type);
    } catch (ValueInstantiationException e) {
      // The constructor's own message is the useful one; Jackson's wrapper only adds its location.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException("invalid " + what + ": " + cause.getMessage(), e);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException("invalid " + what + " JSON: unknown field \"" + e.getPropertyName()
          + "\"; known fields: " + e.getKnownPropertyIds(), e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid " + what + " JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Reads and parses a file; messages name the file. */
  public static <T> T read(Path file, Class<T> type, String what) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + " " + file, e);
    }
    try {
      return parse(json, type, what);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** {@code value} as indented JSON ending with a newline; {@link #parse} reads it back. */
  public static String write(Object value, String what) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + what, e);
    }
  }
}
