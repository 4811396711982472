package io.kaminari.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An input object the scorer could not use, as written to the dead-letter topic: why, and where it came from.
 *
 * @param reason the parser's or scorer's reason, e.g. {@code missing required key ip_dst}
 * @param topic input topic
 * @param partition input partition
 * @param offset input offset of the Kafka record
 * @param index position of the object among the record's non-blank lines (pmacct packs several per record), -1 when
 *     the whole record is rejected
 * @param raw the offending object's text (invalid UTF-8 replaced)
 */
@JsonPropertyOrder({"reason", "topic", "partition", "offset", "index", "raw"})
public record DeadLetter(
    @JsonProperty("reason") String reason,
    @JsonProperty("topic") String topic,
    @JsonProperty("partition") int partition,
    @JsonProperty("offset") long offset,
    @JsonProperty("index") int index,
    @JsonProperty("raw") String raw) {

  /** Kafka key of the dead letter: its coordinates, so a replayed dead letter has the same key. */
  public String key() {
    return topic + '/' + partition + '/' + offset + '/' + index;
  }

  public byte[] toJsonBytes() {
    try {
      return ScoredWindow.JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static DeadLetter fromJson(byte[] json) {
    try {
      return ScoredWindow.JSON.readValue(json, DeadLetter.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
