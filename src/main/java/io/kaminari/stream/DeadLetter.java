package io.kaminari.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An input object the scorer could not use, as written to the dead-letter topic: why, where it came from, how big it
 * was, and a bounded excerpt of it, so that a dead letter always fits in a Kafka request whatever the input (a 3 MB
 * record once wedged the scorer: its dead letter exceeded the producer's {@code max.request.size}, the transaction
 * aborted, and the record was read again forever). Build it with {@link #of}, which bounds the text fields.
 *
 * @param reason the parser's or scorer's reason, e.g. {@code missing required key ip_dst}, at most
 *     {@link #MAX_REASON_CHARS} characters
 * @param topic input topic
 * @param partition input partition
 * @param offset input offset of the Kafka record
 * @param index position of the object among the record's non-blank lines (pmacct packs several per record), -1 when
 *     the whole record is rejected
 * @param size length in bytes (UTF-8) of the offending object's text
 * @param truncated whether {@code raw} is only the start of that text
 * @param raw the offending object's text (invalid UTF-8 replaced), cut to its first {@link #MAX_RAW_CHARS} characters
 */
@JsonPropertyOrder({"reason", "topic", "partition", "offset", "index", "size", "truncated", "raw"})
public record DeadLetter(
    @JsonProperty("reason") String reason,
    @JsonProperty("topic") String topic,
    @JsonProperty("partition") int partition,
    @JsonProperty("offset") long offset,
    @JsonProperty("index") int index,
    @JsonProperty("size") long size,
    @JsonProperty("truncated") boolean truncated,
    @JsonProperty("raw") String raw) {

  /**
   * Characters of the offending text a dead letter keeps: enough to recognise any pmacct object (they are a few hundred
   * bytes), and at most 24 KiB of JSON even if every character needs a {@code \\uXXXX} escape.
   */
  public static final int MAX_RAW_CHARS = 4096;
  /** Characters of the reason a dead letter keeps (a reason may quote the input). */
  public static final int MAX_REASON_CHARS = 1024;

  /** The dead letter of {@code raw} at these coordinates: its size measured, its text and reason bounded. */
  public static DeadLetter of(String reason, String topic, int partition, long offset, int index, String raw) {
    String text = raw == null ? "" : raw;
    String excerpt = cut(text, MAX_RAW_CHARS);
    return new DeadLetter(cut(reason == null ? "" : reason, MAX_REASON_CHARS), topic, partition, offset, index,
        utf8Length(text), excerpt.length() < text.length(), excerpt);
  }

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

  /** The first {@code max} characters of {@code s}, one fewer if that would split a surrogate pair. */
  static String cut(String s, int max) {
    if (s.length() <= max) return s;
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end);
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
