package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code land --from-files} against the embedded metastore and a real broker: every file lands once whatever its age,
 * and byte for byte, as the same bytes from Kafka do.
 */
class FileLandingIT {
  private static final String TOPIC = "pmacct.files-it";
  private static SparkSession spark;
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void start() {
    spark = TestSpark.spark();
    kafka = EmbeddedKafka.start(Path.of("target/kafka-files-it"));
    kafka.createTopics(1, TOPIC);
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  private static LandConfig files(Path dir) {
    String checkpoints = TestSpark.config().get(Settings.CHECKPOINTS) + "/files-" + System.nanoTime();
    return new LandConfig(null, List.of(), Map.of(), dir.toString(), checkpoints, 1000);
  }

  private static void write(Path file, String text, Instant mtime) throws Exception {
    Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(file, FileTime.from(mtime));
  }

  /**
   * Spark's file source skips files more than its {@code maxFileAge} (7 days) older than the newest it has seen, and
   * reports success: an old file that shows up later (a late sink flush, a restored backup) must still land, once.
   */
  @Test
  void landsFilesWhateverTheirAgeExactlyOnce() throws Exception {
    TestSpark.resetWarehouse();
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "land-old-files-");
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    LandConfig cfg = files(dir);
    write(dir.resolve("new.jsonl"), LandingParserTest.flow("2024-05-02 08:00:00", 1) + "\n", now);
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isEqualTo(1);

    write(dir.resolve("old.jsonl"), LandingParserTest.flow("2024-05-02 08:00:01", 2) + "\n"
        + LandingParserTest.flow("2024-05-02 08:00:02", 3) + "\n", now.minus(30, ChronoUnit.DAYS));
    write(dir.resolve("older.jsonl"), LandingParserTest.flow("2024-05-02 08:00:03", 4) + "\n",
        now.minus(60, ChronoUnit.DAYS));
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isEqualTo(3);
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isZero();
    assertThat(spark.table(Warehouse.FLOWS_LANDING).count()).isEqualTo(4);
    assertThat(spark.table(Warehouse.FLOWS_LANDING).select("source", "source_offset").distinct().count())
        .isEqualTo(4);
  }

  /**
   * A line with bytes that are not UTF-8 lands as those bytes (the file source's text decoding used to turn them into
   * U+FFFD), and compaction quarantines it for the reason it gives the same bytes landed from Kafka.
   */
  @Test
  void landsFileLinesByteExactLikeKafka() throws Exception {
    TestSpark.resetWarehouse();
    Instant arrival = Instant.parse("2024-05-02T08:30:00Z");
    byte[] valid = LandingParserTest.flow("2024-05-02 08:00:00", 1).getBytes(StandardCharsets.UTF_8);
    String flow = LandingParserTest.flow("2024-05-02 08:00:01", 2);
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    bad.write(flow.substring(0, flow.indexOf("nfacctd")).getBytes(StandardCharsets.UTF_8));
    bad.write(new byte[] {(byte) 0xff, (byte) 0xc3, 0x28, (byte) 0xe2, (byte) 0x82}); // never UTF-8
    bad.write(flow.substring(flow.indexOf("nfacctd")).getBytes(StandardCharsets.UTF_8));
    byte[] invalid = bad.toByteArray();

    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "land-bytes-");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    text.write(valid);
    text.write('\n');
    text.write(invalid);
    text.write('\n');
    Files.write(dir.resolve("a.jsonl"), text.toByteArray());
    Files.setLastModifiedTime(dir.resolve("a.jsonl"), FileTime.from(arrival));
    try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(dir.resolve("b.jsonl.gz")))) {
      gz.write(invalid); // no final newline: the last line still counts
    }
    Files.setLastModifiedTime(dir.resolve("b.jsonl.gz"), FileTime.from(arrival));
    assertThat(new LandJob(spark, files(dir)).run().inputRecords()).isEqualTo(3);

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(TOPIC, null, arrival.toEpochMilli(), null, invalid)).get();
    }
    String checkpoints = TestSpark.config().get(Settings.CHECKPOINTS) + "/kafka-" + System.nanoTime();
    new LandJob(spark, new LandConfig(kafka.bootstrapServers(), List.of(TOPIC), Map.of(), null, checkpoints, 1000))
        .run();

    List<Row> landed = spark.table(Warehouse.FLOWS_LANDING).orderBy("source", "source_offset")
        .select("source", "source_offset", "value").collectAsList();
    assertThat(landed).extracting(r -> r.getString(0).replaceAll(".*/", "") + "@" + r.getLong(1))
        .containsExactly("a.jsonl@0", "a.jsonl@1", "b.jsonl.gz@0", TOPIC + "@0");
    assertThat(landed).extracting(r -> (byte[]) r.getAs("value"))
        .containsExactly(valid, invalid, invalid, invalid);

    JobRun run = new CompactJob(spark, new CompactConfig(ZoneOffset.UTC, 1_000_000))
        .compact(ArrivalHours.of(Hour.of(arrival)));
    assertThat(run.outputRows()).isEqualTo(1);
    assertThat(run.rejected()).isEqualTo(3);
    List<Row> rejects = spark.table(Warehouse.FLOWS_REJECTED).select("source", "reason").collectAsList();
    assertThat(rejects).hasSize(3);
    String kafkaReason = rejects.stream().filter(r -> r.getString(0).equals(TOPIC)).findFirst().orElseThrow()
        .getString(1);
    assertThat(kafkaReason).contains("UTF-8");
    assertThat(rejects).extracting(r -> r.getString(1)).containsOnly(kafkaReason);
  }
}
