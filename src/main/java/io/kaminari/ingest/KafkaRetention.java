package io.kaminari.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.common.Settings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka offsets that retention deleted before {@code land} read them: the partitions whose next offset to land
 * (from the landing checkpoint) is below the earliest offset the broker still has.
 *
 * <p>Spark's Kafka source notices the same gap, but either fails the query ({@code failOnDataLoss=true}: every later
 * run fails the same way, since the checkpoint still points into the gap) or skips it with a log line only
 * ({@code false}). {@code land.on-data-loss} decides which, and this check names the lost ranges in both cases.
 * Retention that deletes records while a run is reading them is not seen here (Spark skips them then, logging it):
 * only a landing that lags by the whole retention period gets there.
 */
final class KafkaRetention {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KafkaRetention() {}

  /**
   * The offsets the next landing batch starts from, per partition: the end offsets of the latest committed batch of
   * the streaming checkpoint {@code checkpoint}; empty if no batch was committed (the first run starts at the earliest
   * offset, so it cannot miss anything it knew of).
   */
  static Map<TopicPartition, Long> nextOffsets(Path checkpoint, Configuration hadoop) throws IOException {
    FileSystem fs = checkpoint.getFileSystem(hadoop);
    long last = -1;
    Path commits = new Path(checkpoint, "commits");
    if (fs.exists(commits)) {
      for (FileStatus f : fs.listStatus(commits)) {
        if (f.getPath().getName().matches("\\d+")) last = Math.max(last, Long.parseLong(f.getPath().getName()));
      }
    }
    if (last < 0) return Map.of();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        fs.open(new Path(checkpoint, "offsets/" + last)), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) lines.add(line);
    }
    // "v1", the batch metadata, then one line per source: the Kafka source's {"topic":{"partition":offset}}.
    if (lines.size() < 3) throw new IOException("unexpected offset log " + checkpoint + "/offsets/" + last);
    return parseOffsets(lines.get(2));
  }

  /** The Kafka source's offset JSON, {@code {"topic":{"0":5,"1":7}}}. */
  static Map<TopicPartition, Long> parseOffsets(String json) throws IOException {
    Map<TopicPartition, Long> out = new HashMap<>();
    JsonNode root = JSON.readTree(json);
    for (Iterator<Map.Entry<String, JsonNode>> topics = root.fields(); topics.hasNext(); ) {
      Map.Entry<String, JsonNode> t = topics.next();
      for (Iterator<Map.Entry<String, JsonNode>> ps = t.getValue().fields(); ps.hasNext(); ) {
        Map.Entry<String, JsonNode> p = ps.next();
        out.put(new TopicPartition(t.getKey(), Integer.parseInt(p.getKey())), p.getValue().asLong());
      }
    }
    return out;
  }

  /** The earliest offset the broker still holds of each of {@code partitions}. */
  static Map<TopicPartition, Long> earliestOffsets(String bootstrapServers, Map<String, String> kafkaOptions,
      Iterable<TopicPartition> partitions) {
    Map<String, Object> props = new HashMap<>();
    // The pass-through keys are the Kafka source's option names: the client setting behind the "kafka." prefix.
    kafkaOptions.forEach((k, v) -> props.put(k.substring(Settings.KAFKA_PREFIX.length()), v));
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<TopicPartition> tps = new ArrayList<>();
    partitions.forEach(tps::add);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return consumer.beginningOffsets(tps, Duration.ofMinutes(1));
    }
  }

  /** The ranges {@code [next, earliest)} of the partitions whose next offset to land was deleted, in order. */
  static List<LandJob.LostRange> lost(Map<TopicPartition, Long> next, Map<TopicPartition, Long> earliest) {
    List<LandJob.LostRange> out = new ArrayList<>();
    Map<String, TopicPartition> sorted = new TreeMap<>();
    next.keySet().forEach(tp -> sorted.put(String.format("%s\u0000%010d", tp.topic(), tp.partition()), tp));
    for (TopicPartition tp : sorted.values()) {
      Long first = earliest.get(tp);
      if (first != null && first > next.get(tp)) {
        out.add(new LandJob.LostRange(tp.topic(), tp.partition(), next.get(tp), first));
      }
    }
    return out;
  }

  /** One line naming the lost ranges, for job_runs and the log. */
  static String describe(List<LandJob.LostRange> lost) {
    long records = lost.stream().mapToLong(LandJob.LostRange::records).sum();
    List<String> parts = new ArrayList<>();
    for (LandJob.LostRange r : lost) {
      parts.add(r.topic() + "-" + r.partition() + " offsets [" + r.from() + ", " + r.to() + ")");
    }
    return records + " record(s) deleted by Kafka retention before they were landed: " + String.join(", ", parts);
  }
}
