package io.kaminari.stream;

import io.kaminari.features.WindowAccumulator;
import io.kaminari.incidents.VictimProfiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * The records between the two stages of the scaled-out scorer (docs/scorer.md, "Scaling out"). Every value starts with a format byte, so that an instance of
 * a later build reading a record of this one fails loudly instead of misreading it.
 *
 * <ul>
 *   <li>{@link Partial}: one source task's accumulator of one window and scope key, with its profiles of the key's
 *       victims, keyed by the scope key (which picks the aggregator partition);
 *   <li>{@link Watermark}: a source task's promise that it has sent the partials of every window ending at or before
 *       {@code watermark}, or ({@code idle}) that it holds nothing back; sent to every aggregator partition;
 *   <li>a dead letter, which the topology routes to the dead-letter topic before the repartition.
 * </ul>
 */
final class Partials {
  private Partials() {}

  /**
   * 2: the accumulators carry the busiest pair, 3 the service ports, 4 the victim profiles (a change of
   * {@link WindowAccumulator} or {@link VictimProfiles} is a change of format).
   */
  static final byte FORMAT = 4;
  static final byte PARTIAL = 'P';
  static final byte WATERMARK = 'W';
  static final byte DEAD_LETTER = 'D';

  /**
   * One source's part of a window and scope key.
   *
   * @param victims the source's profiles of the victims the key's verdict names (under {@code global} the window's
   *     heaviest and followed destination prefixes, under {@code dst-prefix} the key's own prefix), null when it
   *     profiled none ({@link VictimProfiles})
   */
  record Partial(int source, long windowStart, String scopeKey, WindowAccumulator acc, VictimProfiles victims) {
    Part part() {
      return new Part(acc, victims);
    }
  }

  /** What an aggregator keeps of a window and scope key: the merged accumulator and victim profiles (null: none). */
  record Part(WindowAccumulator acc, VictimProfiles victims) implements Serializable {
    /** Adds {@code other} (of the same window and key) into this part's accumulator and profiles. */
    Part merge(Part other) {
      acc.merge(other.acc());
      if (other.victims() == null) return this;
      if (victims == null) return new Part(acc, other.victims());
      victims.merge(other.victims());
      return this;
    }
  }

  record Watermark(int source, long watermark, boolean idle) {}

  static byte kind(byte[] value) {
    if (value.length < 2 || value[0] != FORMAT) {
      throw new IllegalArgumentException("not a scale-out record of format " + FORMAT + " (a scorer of another"
          + " build wrote it; drain the application before upgrading, docs/scorer.md)");
    }
    return value[1];
  }

  static byte[] partial(Partial p) {
    byte[] acc = serialize(p.part());
    byte[] key = p.scopeKey().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + 4 + 8 + 4 + key.length + acc.length).put(FORMAT).put(PARTIAL).putInt(p.source())
        .putLong(p.windowStart()).putInt(key.length).put(key).put(acc).array();
  }

  static Partial partial(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value, 2, value.length - 2);
    int source = b.getInt();
    long start = b.getLong();
    byte[] key = new byte[b.getInt()];
    b.get(key);
    Part part = deserialize(value, b.position(), b.remaining(), Part.class);
    return new Partial(source, start, new String(key, StandardCharsets.UTF_8), part.acc(), part.victims());
  }

  static byte[] watermark(Watermark w) {
    return ByteBuffer.allocate(2 + 4 + 8 + 1).put(FORMAT).put(WATERMARK).putInt(w.source()).putLong(w.watermark())
        .put((byte) (w.idle() ? 1 : 0)).array();
  }

  static Watermark watermark(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value, 2, value.length - 2);
    return new Watermark(b.getInt(), b.getLong(), b.get() == 1);
  }

  static byte[] deadLetter(DeadLetter d) {
    byte[] json = d.toJsonBytes();
    byte[] out = new byte[json.length + 2];
    out[0] = FORMAT;
    out[1] = DEAD_LETTER;
    System.arraycopy(json, 0, out, 2, json.length);
    return out;
  }

  static byte[] deadLetterJson(byte[] value) {
    byte[] json = new byte[value.length - 2];
    System.arraycopy(value, 2, json, 0, json.length);
    return json;
  }

  /**
   * An accumulator, victim profiles or {@link Part} as bytes. Java serialization of a class of this build: the partials
   * live for seconds, between two instances of one deployment, so no schema evolution is needed beyond the format
   * byte.
   */
  static byte[] serialize(Serializable value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static <T> T deserialize(byte[] b, int off, int len, Class<T> type) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b, off, len))) {
      return type.cast(in.readObject());
    } catch (IOException | ClassNotFoundException | ClassCastException e) {
      throw new IllegalStateException("cannot read a " + type.getSimpleName() + ": " + e, e);
    }
  }

  /**
   * Partials go to the aggregator partition of their scope key (Kafka's key hash, so a key always meets its other
   * partials); watermarks go to every partition, behind the partials their source sent before them.
   */
  static final class Router implements StreamPartitioner<byte[], byte[]> {
    @Override
    @Deprecated
    public Integer partition(String topic, byte[] key, byte[] value, int numPartitions) {
      return Utils.toPositive(Utils.murmur2(key)) % numPartitions;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, byte[] key, byte[] value, int numPartitions) {
      if (kind(value) != WATERMARK) return Optional.of(Set.of(partition(topic, key, value, numPartitions)));
      Set<Integer> all = new HashSet<>();
      for (int i = 0; i < numPartitions; i++) all.add(i);
      return Optional.of(all);
    }
  }
}
