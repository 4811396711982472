package io.kaminari.ingest;

import static io.kaminari.common.Columns.DT;
import static io.kaminari.common.Columns.HOUR;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
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
 * Land and compact against a real KRaft broker and the embedded metastore: exact row sets, reconciled counts,
 * idempotent reruns, replays without duplicates, late records in their hour, and quarantine contents.
 */
class LandCompactIT {
  private static final String TOPIC = "pmacct.it";
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.spark();
    kafka = EmbeddedKafka.start(Path.of("target/kafka-it"));
    kafka.createTopics(2, TOPIC);
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  private static String flow(String src, int sport, String start) {
    return "{\"event_type\": \"purge\", \"peer_ip_src\": \"192.0.2.1\", \"ip_src\": \"" + src
        + "\", \"ip_dst\": \"198.51.100.7\", \"port_src\": " + sport + ", \"port_dst\": 80, \"tcp_flags\": \"2\","
        + " \"ip_proto\": \"tcp\", \"timestamp_start\": \"" + start + "\", \"timestamp_end\": \"" + start + "\","
        + " \"packets\": 3, \"bytes\": 180, \"writer_id\": \"it/1\"}";
  }

  private static void produce(List<String> values, Instant arrival) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String v : values) {
        producer.send(new ProducerRecord<>(TOPIC, null, arrival.toEpochMilli(), null,
            v.getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  private static LandConfig landConfig(String checkpointRoot) {
    return new LandConfig(kafka.bootstrapServers(), List.of(TOPIC), Map.of(), null, checkpointRoot, 1000);
  }

  private static Set<String> flowKeys(String dt, int hour) {
    return spark.table(Warehouse.FLOWS).where(col(DT).equalTo(dt).and(col(HOUR).equalTo(hour)))
        .select("ip_src", "port_src").collectAsList().stream()
        .map(r -> r.getString(0) + ":" + r.getInt(1)).collect(Collectors.toSet());
  }

  private static long flowRows(String dt, int hour) {
    return spark.table(Warehouse.FLOWS).where(col(DT).equalTo(dt).and(col(HOUR).equalTo(hour))).count();
  }

  @Test
  void landsExactlyOnceAndCompactsIdempotently() throws Exception {
    TestSpark.resetWarehouse();
    String checkpoints = TestSpark.config().get(Settings.CHECKPOINTS) + "/it-" + System.nanoTime();
    Instant arrival10 = Instant.parse("2024-05-01T10:30:00Z");
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 20; i++) values.add(flow("10.0.0." + i, 1000 + i, "2024-05-01 10:1" + (i % 10) + ":00.000000"));
    values.add(flow("10.0.9.1", 2000, "2024-05-01 09:59:58.500000")); // late tail of hour 9
    values.add(flow("10.0.9.2", 2001, "2024-05-01 10:20:00.000000") + "\n"
        + flow("10.0.9.3", 2002, "2024-05-01 10:20:01.000000")); // kafka_multi_values: two objects
    values.add("{\"event_type\": \"purge_init\", \"writer_id\": \"it/1\"}");
    values.add("{\"event_type\": \"purge\", \"ip_src\": \"10.0.0.1\""); // truncated
    values.add(flow("10.0.0.99", 70000, "2024-05-01 10:00:00.000000")); // port out of range
    produce(values, arrival10);

    JobRun land = new LandJob(spark, landConfig(checkpoints)).run();
    assertThat(land.inputRecords()).isEqualTo(values.size());
    assertThat(spark.table(Warehouse.FLOWS_LANDING).count()).isEqualTo(values.size());
    JobRun again = new LandJob(spark, landConfig(checkpoints)).run();
    assertThat(again.inputRecords()).isZero();
    assertThat(spark.table(Warehouse.FLOWS_LANDING).count()).isEqualTo(values.size());

    CompactJob compact = new CompactJob(spark, new CompactConfig(java.time.ZoneOffset.UTC, 1_000_000));
    JobRun first = compact.compact(ArrivalHours.of(Hour.of(arrival10)));
    assertThat(first.inputRecords()).isEqualTo(values.size());
    assertThat(first.inputObjects()).isEqualTo(values.size() + 1);
    assertThat(first.outputRows()).isEqualTo(23);
    assertThat(first.rejected()).isEqualTo(2);
    assertThat(first.markers()).isEqualTo(1);
    assertThat(first.duplicates()).isZero();
    Set<String> hour10 = flowKeys("2024-05-01", 10);
    assertThat(hour10).hasSize(22).contains("10.0.0.0:1000", "10.0.0.19:1019", "10.0.9.2:2001", "10.0.9.3:2002");
    assertThat(flowKeys("2024-05-01", 9)).containsExactly("10.0.9.1:2000");
    List<Row> rejects = spark.table(Warehouse.FLOWS_REJECTED).select("reason", "raw", "source").collectAsList();
    assertThat(rejects).hasSize(2);
    assertThat(rejects).allSatisfy(r -> {
      assertThat(r.getString(0)).isNotBlank();
      assertThat(r.getString(2)).isEqualTo(TOPIC);
    });
    assertThat(rejects.stream().map(r -> r.getString(1))).anyMatch(raw -> raw.contains("70000"));

    // Rerun: same rows, everything counted as a duplicate, counts still reconcile.
    JobRun rerun = compact.compact(ArrivalHours.of(Hour.of(arrival10)));
    assertThat(rerun.outputRows()).isZero();
    assertThat(rerun.duplicates()).isEqualTo(23);
    assertThat(rerun.rejected()).isEqualTo(2);
    assertThat(flowKeys("2024-05-01", 10)).isEqualTo(hour10);
    assertThat(flowRows("2024-05-01", 10)).isEqualTo(22);
    assertThat(flowRows("2024-05-01", 9)).isEqualTo(1);
    assertThat(spark.table(Warehouse.FLOWS_REJECTED).count()).isEqualTo(2);

    // Replay: a fresh checkpoint lands every offset again; compaction writes nothing twice.
    JobRun replay = new LandJob(spark, landConfig(checkpoints + "-replay")).run();
    assertThat(replay.inputRecords()).isEqualTo(values.size());
    assertThat(spark.table(Warehouse.FLOWS_LANDING).count()).isEqualTo(2L * values.size());
    JobRun afterReplay = compact.compact(ArrivalHours.of(Hour.of(arrival10)));
    assertThat(afterReplay.inputObjects()).isEqualTo(2L * (values.size() + 1));
    assertThat(afterReplay.outputRows()).isZero();
    assertThat(flowRows("2024-05-01", 10)).isEqualTo(22);
    assertThat(flowRows("2024-05-01", 9)).isEqualTo(1);
    assertThat(spark.table(Warehouse.FLOWS_REJECTED).count()).isEqualTo(2);

    // A late record: arrives in hour 11 with an event time in hour 10; the hour-11 run puts it in hour 10, once.
    produce(List.of(flow("10.0.7.7", 3000, "2024-05-01 10:55:00.000000"),
        flow("10.0.7.8", 3001, "2024-05-01 11:01:00.000000")), Instant.parse("2024-05-01T11:02:00Z"));
    new LandJob(spark, landConfig(checkpoints)).run();
    JobRun late = compact.compact(ArrivalHours.of(Hour.parse("2024-05-01T11")));
    assertThat(late.outputRows()).isEqualTo(2);
    assertThat(flowKeys("2024-05-01", 10)).hasSize(23).contains("10.0.7.7:3000").containsAll(hour10);
    assertThat(flowKeys("2024-05-01", 11)).containsExactly("10.0.7.8:3001");
    compact.compact(ArrivalHours.of(Hour.parse("2024-05-01T11")));
    assertThat(flowRows("2024-05-01", 10)).isEqualTo(23);
    // The hour-11 rerun must not disturb the rejects of hour 10.
    assertThat(spark.table(Warehouse.FLOWS_REJECTED).count()).isEqualTo(2);

    // Every run is logged, and every compaction reconciles.
    List<Row> runs = spark.table(Warehouse.JOB_RUNS).where(col("job").equalTo("compact")).collectAsList();
    assertThat(runs).hasSize(5).allSatisfy(r -> {
      assertThat(r.<String>getAs("status")).isEqualTo(JobRun.SUCCEEDED);
      long objects = r.getAs("input_objects");
      long sum = r.<Long>getAs("output_rows") + r.<Long>getAs("duplicates") + r.<Long>getAs("rejected")
          + r.<Long>getAs("markers");
      assertThat(sum).isEqualTo(objects);
    });
  }

  @Test
  void landsFilesOnceWithLineCoordinates() throws Exception {
    TestSpark.resetWarehouse();
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "land-files-");
    Files.writeString(dir.resolve("a.jsonl"), flow("10.1.0.1", 1, "2024-05-02 08:00:00.000000") + "\n\n"
        + flow("10.1.0.2", 2, "2024-05-02 08:00:01.000000") + "\n");
    try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("b.jsonl.gz")))) {
      gz.write((flow("10.1.0.3", 3, "2024-05-02 08:00:02.000000") + "\n").getBytes(StandardCharsets.UTF_8));
    }
    String checkpoints = TestSpark.config().get(Settings.CHECKPOINTS) + "/files-" + System.nanoTime();
    LandConfig cfg = new LandConfig(null, List.of(), Map.of(), dir.toString(), checkpoints, 1000);
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isEqualTo(3);
    assertThat(new LandJob(spark, cfg).run().inputRecords()).isZero();
    List<Row> landed = spark.table(Warehouse.FLOWS_LANDING).orderBy("source", "source_offset")
        .select("source", "source_partition", "source_offset").collectAsList();
    assertThat(landed).extracting(r -> r.getString(0).replaceAll(".*/", "") + "@" + r.getLong(2))
        .containsExactly("a.jsonl@0", "a.jsonl@2", "b.jsonl.gz@0");
    assertThat(landed).allSatisfy(r -> assertThat(r.getInt(1)).isEqualTo(-1));

    Row part = spark.table(Warehouse.FLOWS_LANDING).select(DT, HOUR).first();
    Hour landingHour = Hour.of(part.getString(0), part.getInt(1));
    JobRun run = new CompactJob(spark, new CompactConfig(java.time.ZoneOffset.UTC, 1_000_000))
        .compact(ArrivalHours.of(landingHour));
    assertThat(run.outputRows()).isEqualTo(3);
    assertThat(flowKeys("2024-05-02", 8)).containsExactlyInAnyOrder("10.1.0.1:1", "10.1.0.2:2", "10.1.0.3:3");
  }
}
