package io.kaminari.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link LeaseLock} on one file system: one holder at a time among racing contenders, a released lock
 * taken at once, a killed holder's lease taken over once it went unrenewed for the time-to-live, a live holder never
 * taken over however long it holds, and a holder that stopped renewing knows it lost the lock.
 */
abstract class AbstractLeaseLockContract {
  static final Duration TTL = Duration.ofMillis(600);
  static final Runnable NOTHING = () -> { };

  /** A fresh lock directory (not created yet). */
  abstract Path freshDir();

  abstract Configuration conf();

  private LeaseLock acquire(Path dir, Duration wait, Runnable onWait) throws Exception {
    return LeaseLock.acquire(dir, conf(), TTL, wait, onWait);
  }

  @Test
  void racingContendersHoldTheLockOneAtATime() throws Exception {
    Path dir = freshDir();
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        all.add(pool.submit(() -> {
          for (int i = 0; i < 3; i++) {
            try (LeaseLock lock = acquire(dir, Duration.ofMinutes(1), NOTHING)) {
              most.accumulateAndGet(holding.incrementAndGet(), Math::max);
              TimeUnit.MILLISECONDS.sleep(30);
              lock.check();
              holding.decrementAndGet();
              done.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : all) f.get(2, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
    }
    assertThat(done.get()).isEqualTo(12);
    assertThat(most.get()).as("holders at the same time").isEqualTo(1);
  }

  @Test
  void aReleasedLockIsTakenAtOnce() throws Exception {
    Path dir = freshDir();
    acquire(dir, Duration.ZERO, NOTHING).close();
    AtomicInteger waits = new AtomicInteger();
    try (LeaseLock again = acquire(dir, Duration.ZERO, waits::incrementAndGet)) {
      again.check();
    }
    assertThat(waits.get()).isZero();
  }

  @Test
  void aLiveHolderIsNeverTakenOverHoweverLongItHolds() throws Exception {
    Path dir = freshDir();
    try (LeaseLock holder = acquire(dir, Duration.ZERO, NOTHING)) {
      AtomicInteger waits = new AtomicInteger();
      // Five lease lengths of waiting: a renewed lease is never taken over.
      assertThatThrownBy(() -> acquire(dir, TTL.multipliedBy(5), waits::incrementAndGet))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("is held by")
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
      assertThat(waits.get()).isEqualTo(1);
      holder.check();
    }
    acquire(dir, Duration.ZERO, NOTHING).close();
  }

  @Test
  void aKilledHoldersLeaseIsTakenOverAndTheStalledHolderKnowsItLostIt() throws Exception {
    Path dir = freshDir();
    LeaseLock killed = acquire(dir, Duration.ZERO, NOTHING);
    killed.abandon(); // stops renewing without releasing: a killed (or frozen) process
    AtomicInteger waits = new AtomicInteger();
    try (LeaseLock next = acquire(dir, Duration.ofMinutes(1), waits::incrementAndGet)) {
      assertThat(waits.get()).as("it waited for the dead lease to expire").isEqualTo(1);
      next.check();
      assertThatThrownBy(killed::check).isInstanceOf(IllegalStateException.class).hasMessageContaining("lost the lock");
      killed.close(); // a lost lock's close releases nothing
      assertThatThrownBy(() -> acquire(dir, Duration.ZERO, NOTHING)).isInstanceOf(IllegalStateException.class);
      next.check();
    }
  }
}
