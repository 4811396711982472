package io.kaminari.common;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;

/** Writes and reads {@link Instant}s as ISO-8601 text ({@code 2024-05-01T00:05:00Z}) without the JSR-310 module. */
public final class InstantText {
  public static final SimpleModule MODULE = new SimpleModule("kaminari-instants")
      .addSerializer(Instant.class, new JsonSerializer<>() {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
          gen.writeString(value.toString());
        }
      })
      .addDeserializer(Instant.class, new JsonDeserializer<>() {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
          return Instant.parse(p.getValueAsString());
        }
      });

  private InstantText() {}
}
