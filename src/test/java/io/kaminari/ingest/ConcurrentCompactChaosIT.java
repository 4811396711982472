package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.time.Hour.ArrivalHours;
import io.kaminari.common.time.Hour;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Two compactions of adjacent landing hours at once (two operators, or a backfill next to the hourly run: two threads
 * with sessions of their own on one warehouse) lose no row of the event hour they share. Each is held at the point
 * where it has decided, from the partitions listed, what it writes whole, until the other has decided too or is
 * waiting for the lock: without the lock both took the shared hour for new and the later commit dropped the other's
 * rows.
 */
class ConcurrentCompactChaosIT {
  private static final Hour H10 = Hour.parse("2024-05-01T10");
  private static final Hour H11 = Hour.parse("2024-05-01T11");

  @Test
  void twoCompactionsOfAdjacentHoursAtOnceKeepEveryRowOfTheHourTheyShare() throws Exception {
    SparkSession spark = TestSpark.spark();
    TestLanding landing = new TestLanding(spark);
    TestSpark.resetWarehouse();
    // Arrival hour 10: 30 flows of event hour 10. Arrival hour 11: 10 late flows of hour 10 and 5 of its own.
    landing.land(Instant.parse("2024-05-01T10:30:00Z"), TestLanding.flows(H10, 30, 1000));
    List<String> eleven = new ArrayList<>(TestLanding.flows(H10, 10, 2000));
    eleven.addAll(TestLanding.flows(H11, 5, 3000));
    landing.land(Instant.parse("2024-05-01T11:05:00Z"), eleven);

    CountDownLatch decided = new CountDownLatch(2);
    CompactJob.Faults meetOrWait = point -> {
      if (point.equals(CompactJob.Faults.PLANNED)) {
        decided.countDown();
        decided.await(60, TimeUnit.SECONDS);
      } else if (point.equals(CompactJob.Faults.LOCK_WAIT)) {
        decided.countDown(); // the other one holds the lock: it need not wait for this one to decide
      }
    };
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<JobRun> runs = new ArrayList<>();
    try {
      List<Future<JobRun>> futures = new ArrayList<>();
      for (Hour h : List.of(H10, H11)) {
        // A session of its own, opened as `kaminari compact` opens it: two jobs at once.
        SparkSession session = spark.newSession();
        Warehouse.open(session, Warehouse.Target.of(TestSpark.config()), true);
        futures.add(pool.submit(() -> new CompactJob(session, new CompactConfig(ZoneOffset.UTC, 1_000_000))
            .withFaults(meetOrWait).compact(ArrivalHours.of(h))));
      }
      for (Future<JobRun> f : futures) runs.add(f.get(5, TimeUnit.MINUTES));
    } finally {
      pool.shutdownNow();
    }

    assertThat(runs).allSatisfy(r -> assertThat(r.status()).isEqualTo(JobRun.SUCCEEDED));
    assertThat(landing.rowsByHour()).isEqualTo(Map.of(H10, 40L, H11, 5L));
    assertThat(landing.distinctCoordinates()).isEqualTo(45);
    assertThat(runs.stream().mapToLong(JobRun::outputRows).sum()).isEqualTo(45);
  }
}
