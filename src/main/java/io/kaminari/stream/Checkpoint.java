package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The scorer's committed position per input partition, and the rebuild from it (docs/scorer.md, "Delivery"): the
 * committed offset is the partition's first record in a still-open window (else its read position), and its metadata
 * a {@link CommitMarker} (end of the last closed window, model epochs, read position).
 *
 * <p>{@link #restore} seeks the consumer to the committed offsets and {@link #windows} rebuilds the window state the
 * marker describes; the loop then reports each record it reads ({@link #read}), skips the side effects of re-read
 * ones ({@link #replay}), and commits {@link #offsets} with each transaction. Partitions are numbered by their
 * position in the list given to {@link #restore}. Not thread-safe: owned by the scorer loop.
 */
final class Checkpoint {
  private final List<TopicPartition> partitions;
  /** Per partition, the next offset to read; -1 while nothing was read nor committed (no position to record). */
  private final long[] nextOffset;
  /** Per partition, the read position of the last commit: records before it were processed before the restart. */
  private final long[] replayUntil;
  /** The committed marker that closed the most windows, or null if there is none. */
  private final CommitMarker marker;

  private Checkpoint(List<TopicPartition> partitions, long[] nextOffset, long[] replayUntil, CommitMarker marker) {
    this.partitions = partitions;
    this.nextOffset = nextOffset;
    this.replayUntil = replayUntil;
    this.marker = marker;
  }

  /**
   * Reads the committed offsets and markers of {@code partitions} (the consumer's assignment) and seeks the consumer
   * to them, or to the beginning of a partition without a commit.
   */
  static Checkpoint restore(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions),
        Duration.ofSeconds(10));
    long[] nextOffset = new long[partitions.size()];
    long[] replayUntil = new long[partitions.size()];
    CommitMarker marker = null;
    for (int p = 0; p < partitions.size(); p++) {
      TopicPartition tp = partitions.get(p);
      OffsetAndMetadata om = committed.get(tp);
      CommitMarker m = om == null ? null : CommitMarker.parse(om.metadata());
      if (om != null) {
        consumer.seek(tp, om.offset());
        nextOffset[p] = om.offset();
      } else {
        consumer.seekToBeginning(List.of(tp));
        nextOffset[p] = -1;
      }
      replayUntil[p] = m == null ? -1 : m.read();
      if (m != null && (marker == null || m.closedThrough() > marker.closedThrough())) marker = m;
    }
    return new Checkpoint(List.copyOf(partitions), nextOffset, replayUntil, marker);
  }

  /** The position of {@code partitions} when nothing was committed yet (what {@link #restore} finds on a new group). */
  static Checkpoint fresh(List<TopicPartition> partitions) {
    long[] none = new long[partitions.size()];
    java.util.Arrays.fill(none, -1);
    return new Checkpoint(List.copyOf(partitions), none.clone(), none, null);
  }

  /** The committed marker restored from, or null if nothing was committed yet. */
  CommitMarker marker() {
    return marker;
  }

  /**
   * The window state the marker describes, its model versions resolved by {@code version} (null = gone from the
   * registry), or fresh state scored by {@code newest} if there is no marker. If a version the marker names is gone,
   * the open windows are scored with {@code newest}.
   */
  WindowManager windows(ScoringModel newest, IntFunction<ScoringModel> version, WindowManager.Limits limits) {
    if (marker == null || marker.models().isEmpty()) return new WindowManager(newest, limits);
    long lastData = marker.lastData() == null ? WindowManager.UNSET : marker.lastData();
    List<WindowManager.Epoch> epochs = new ArrayList<>();
    for (CommitMarker.ModelFrom mf : marker.models()) {
      ScoringModel m = version.apply(mf.version());
      if (m == null) {
        // A version named by the marker is gone (garbage-collected): score the open windows with the newest model.
        return new WindowManager(List.of(new WindowManager.Epoch(newest, WindowManager.UNSET)),
            marker.closedThrough(), lastData, limits);
      }
      epochs.add(new WindowManager.Epoch(m, mf.from()));
    }
    return new WindowManager(epochs, marker.closedThrough(), lastData, limits);
  }

  /**
   * Whether the record at {@code offset} of {@code partition} was processed before the restart: it only rebuilds open
   * windows (no second dead letter, no second late count).
   */
  boolean replay(int partition, long offset) {
    return offset < replayUntil[partition];
  }

  /** The loop read the record at {@code offset} of {@code partition}. */
  void read(int partition, long offset) {
    nextOffset[partition] = offset + 1;
  }

  /** What to commit with the next transaction: per partition read or committed, its resume offset and marker. */
  Map<TopicPartition, OffsetAndMetadata> offsets(WindowManager state) {
    List<CommitMarker.ModelFrom> epochs = state.epochs().stream()
        .map(e -> new CommitMarker.ModelFrom(e.model().version(), e.from())).toList();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (int p = 0; p < partitions.size(); p++) {
      if (nextOffset[p] < 0) continue; // nothing read and nothing committed: no position to record
      long read = Math.max(nextOffset[p], replayUntil[p]);
      offsets.put(partitions.get(p), new OffsetAndMetadata(state.resumeOffset(p, nextOffset[p]),
          new CommitMarker(state.closedThrough(), epochs, read, state.lastDataEnd()).toJson()));
    }
    return offsets;
  }
}
