package io.kaminari.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;

/**
 * What the scorer commits, with each input partition's offset, in the offset metadata (same Kafka transaction as the
 * window outputs): enough to resume without losing or repeating a window.
 *
 * @param closedThrough end (µs) of the last window whose results are committed; windows before it are never emitted
 *     again, so re-read flows that fall in them only rebuild nothing
 * @param models the model versions in use and the first window start each scores (see {@link WindowManager})
 * @param read this partition's next offset to read at commit time; records before it were already processed, so on
 *     re-read they only rebuild open windows: no second dead letter, no second late count
 * @param lastData end (µs) of the last closed window that had flows, so that a restart fills (or skips) the empty
 *     windows of a gap exactly as before it ({@code scorer.max-gap-fill}); null in markers written before it existed
 */
record CommitMarker(
    @JsonProperty("closed") long closedThrough,
    @JsonProperty("models") List<ModelFrom> models,
    @JsonProperty("read") long read,
    @JsonProperty("data") Long lastData) {

  /** A marker without the end of the last window with flows (as older scorers wrote). */
  CommitMarker(long closedThrough, List<ModelFrom> models, long read) {
    this(closedThrough, models, read, null);
  }

  /** One model epoch: {@code version} scores windows starting at or after {@code from} (µs). */
  record ModelFrom(@JsonProperty("version") int version, @JsonProperty("from") long from) {}

  String toJson() {
    try {
      return ScoredWindow.JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The marker in {@code metadata}, or null if it holds none (no commit yet, or one by another tool). */
  static CommitMarker parse(String metadata) {
    if (metadata == null || metadata.isBlank()) return null;
    try {
      return ScoredWindow.JSON.readValue(metadata, CommitMarker.class);
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
