package io.kaminari.ingest;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.Settings;
import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour.HourRange;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Records Kafka deleted before {@code land} read them, on a real broker: {@code land.on-data-loss=fail} fails every run
 * with a message that says what to do, {@code skip-and-record} lands what is left and records the lost offset ranges.
 *
 * <p>The records are deleted with the admin API's {@code deleteRecords}, which advances the partition's log start
 * offset exactly as retention does when it deletes a segment; waiting for real retention would take minutes (the
 * broker checks retention every {@code log.retention.check.interval.ms}, 5 min, and deletes whole closed segments).
 */
class LandDataLossChaosIT {
  private static final String TOPIC = "pmacct.loss-it";
  private static EmbeddedKafka kafka;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.spark();
    kafka = EmbeddedKafka.start(Path.of("target/kafka-loss-it"));
    kafka.createTopics(1, TOPIC);
  }

  @AfterAll
  static void stop() {
    kafka.close();
  }

  private static void produce(int from, int n) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = from; i < from + n; i++) {
        producer.send(new ProducerRecord<>(TOPIC, LandingParserTest.flow("2024-05-02 08:00:00", i)
            .getBytes(StandardCharsets.UTF_8))).get();
      }
    }
  }

  /** What retention does: the partition's records before {@code offset} are gone. */
  private static void deleteBefore(long offset) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.deleteRecords(Map.of(new TopicPartition(TOPIC, 0), RecordsToDelete.beforeOffset(offset))).all().get();
    }
  }

  private static LandConfig land(String checkpoints, boolean skip) {
    return new LandConfig(kafka.bootstrapServers(), List.of(TOPIC), Map.of(), null, checkpoints, 1000, skip);
  }

  private static List<Long> landedOffsets() {
    spark.catalog().refreshTable(Warehouse.FLOWS_LANDING);
    return spark.table(Warehouse.FLOWS_LANDING).orderBy("source_offset").select("source_offset").collectAsList()
        .stream().map(r -> r.getLong(0)).toList();
  }

  @Test
  void lostOffsetsFailTheRunOrAreSkippedAndRecorded() throws Exception {
    TestSpark.resetWarehouse();
    String checkpoints = TestSpark.config().get(Settings.CHECKPOINTS) + "/loss-" + System.nanoTime();
    produce(0, 5);
    assertThat(new LandJob(spark, land(checkpoints, false)).run().inputRecords()).isEqualTo(5);

    produce(5, 5); // offsets 5..9; 5, 6 and 7 are deleted before the next landing
    deleteBefore(8);
    for (int attempt = 0; attempt < 2; attempt++) { // every run fails the same way
      assertThatThrownBy(() -> new LandJob(spark, land(checkpoints, false)).run())
          .hasStackTraceContaining("land.on-data-loss");
    }
    assertThat(landedOffsets()).containsExactly(0L, 1L, 2L, 3L, 4L);

    LandJob.Landing skipped = new LandJob(spark, land(checkpoints, true)).land();
    assertThat(skipped.run().inputRecords()).isEqualTo(2);
    assertThat(skipped.lost()).containsExactly(new LandJob.LostRange(TOPIC, 0, 5, 8));
    assertThat(landedOffsets()).containsExactly(0L, 1L, 2L, 3L, 4L, 8L, 9L);
    Row logged = spark.table(Warehouse.JOB_RUNS).where(col("run_id").equalTo(skipped.run().runId())).first();
    assertThat(logged.<Long>getAs("rejected")).isEqualTo(3);
    assertThat(logged.<String>getAs("message")).contains(TOPIC + "-0 offsets [5, 8)", "retention");

    JobRun again = new LandJob(spark, land(checkpoints, true)).run();
    assertThat(again.inputRecords()).isZero();
    assertThat(again.rejected()).isZero();

    // The daily audit (verify --rows over the hours the run finished in) names the loss, and fails: nothing repairs it.
    Hour finished = Hour.of(skipped.run().finished());
    VerifyConfig audit = VerifyConfig.from(TestSpark.config(), new ArrivalHours(new HourRange(finished,
        finished.plus(1))), true, true);
    VerifyJob.Verification v = new VerifyJob(spark, audit).run();
    assertThat(v.losses()).extracting(JobRun::runId).containsExactly(skipped.run().runId());
    assertThat(v.remaining()).as("the repair compacted what was landed").isEmpty();
    assertThat(v.reconciles()).as("but the loss stays").isFalse();
    VerifyConfig counts = VerifyConfig.from(TestSpark.config(), audit.hours(), false, false);
    assertThat(new VerifyJob(spark, counts).run().losses()).as("the hourly check (no --rows) does not look").isEmpty();
    VerifyConfig before = VerifyConfig.from(TestSpark.config(), new ArrivalHours(new HourRange(finished.plus(-2),
        finished.plus(-1))), false, true);
    assertThat(new VerifyJob(spark, before).losses()).as("another day's audit").isEmpty();
  }
}
