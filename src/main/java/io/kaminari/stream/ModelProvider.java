package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import io.kaminari.model.AliasStamp;
import io.kaminari.model.ModelException;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a registry reference and offers each new, validated version to the scorer loop through {@link #take()}.
 *
 * <p>For {@code name@alias} it polls {@link ModelRegistry#aliasStamp} (one listing, one tiny read) every interval
 * on a daemon thread. When the alias names a version other than the one offered last, it copies the version, checks
 * its SHA-256 sums and manifest (registry), loads it and runs a test inference ({@link ScoringModel#load}), all off
 * the scoring thread. For {@code name/N} it loads that version once.
 *
 * <p>A load that fails is logged, counted in {@code reload_failures} and retried with exponential backoff: after one
 * interval, then two, four, ... up to {@link #MAX_BACKOFF_INTERVALS} intervals (8 minutes at the default 30 s), for
 * as long as the alias names that version. A transient failure (the model store or the cache disk briefly unavailable)
 * so heals by itself, also for the first model a scorer needs to become ready; a broken artifact costs one attempt per
 * backoff period until the alias moves, while the current model keeps scoring.
 */
final class ModelProvider implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelProvider.class);

  private final ModelRegistry registry;
  private final ModelRef ref;
  private final Path cacheDir;
  private final Duration interval;
  private final ScorerMetrics metrics;
  private final AtomicReference<ScoringModel> pending = new AtomicReference<>();
  /** The longest wait between two attempts at a version that failed, in poll intervals. */
  static final int MAX_BACKOFF_INTERVALS = 16;

  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kaminari-model-poller");
    t.setDaemon(true);
    return t;
  });
  /** The version whose load failed last (-1 = none), its consecutive failures and when to try it again. */
  private int failedVersion = -1;
  private int failures;
  private long retryAtNanos;
  /** Version most recently offered, to skip a stamp change that names the same version (e.g. a re-promotion). */
  private volatile int offeredVersion = -1;
  private volatile long lastSwapLoadMillis = -1;
  private volatile long lastOfferNanos = System.nanoTime();

  ModelProvider(ModelRegistry registry, ModelRef ref, Path cacheDir, Duration interval, ScorerMetrics metrics) {
    this.registry = registry;
    this.ref = ref;
    this.cacheDir = cacheDir;
    this.interval = interval;
    this.metrics = metrics;
  }

  /** Starts polling: the first check runs at once. */
  void start() {
    poller.scheduleWithFixedDelay(this::checkSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  ModelRef ref() {
    return ref;
  }

  /** The newest validated version not yet taken, or null; ownership passes to the caller. */
  ScoringModel take() {
    return pending.getAndSet(null);
  }

  /** Milliseconds the last successful load + validation took (the background part of a hot swap), or -1. */
  long lastLoadMillis() {
    return lastSwapLoadMillis;
  }

  /** When the last validated version was offered ({@link System#nanoTime()}). */
  long lastOfferNanos() {
    return lastOfferNanos;
  }

  /**
   * Loads a fixed version synchronously, for restoring the models a committed window marker names; null if it cannot
   * be loaded (the caller falls back to the followed reference).
   */
  ScoringModel loadVersion(int version) {
    try {
      return ScoringModel.load(registry, ModelRef.version(ref.name(), version), cacheDir);
    } catch (RuntimeException e) {
      LOG.warn("cannot restore {}/{} named by the committed window marker: {}", ref.name(), version, e.getMessage());
      return null;
    }
  }

  /** Records that the loop now scores with {@code version}, so that the poller does not offer it again. */
  void adopted(int version) {
    offeredVersion = version;
  }

  /**
   * One poll (skipped while a failed version waits for its next attempt); public to the package so tests and the
   * bench can force a check without waiting.
   */
  synchronized void check() {
    int version;
    if (ref.version() != null) {
      version = ref.version();
    } else {
      AliasStamp stamp;
      try {
        stamp = registry.aliasStamp(ref.name(), ref.alias());
      } catch (ModelException e) {
        if (e.getCause() instanceof IOException) {
          // Not "not there yet": the registry cannot be read (credentials, network), so promotions go unseen.
          LOG.warn("cannot read {} from the registry: {}", ref, e.getMessage());
        } else {
          LOG.debug("{} not available yet: {}", ref, e.getMessage());
        }
        return;
      }
      version = stamp.version();
    }
    if (version == offeredVersion) return;
    long started = System.nanoTime();
    if (version == failedVersion && started - retryAtNanos < 0) return; // backing off
    try {
      ScoringModel model = ScoringModel.load(registry, ModelRef.version(ref.name(), version), cacheDir);
      lastSwapLoadMillis = (System.nanoTime() - started) / 1_000_000;
      offeredVersion = version;
      failedVersion = -1;
      failures = 0;
      lastOfferNanos = System.nanoTime();
      ScoringModel previous = pending.getAndSet(model);
      if (previous != null) previous.close(); // superseded before the loop took it
      metrics.reloadSuccesses.increment();
      LOG.info("{} -> {}/{} loaded and validated in {} ms; the scorer switches at the next window boundary", ref,
          ref.name(), version, lastSwapLoadMillis);
    } catch (RuntimeException e) {
      metrics.reloadFailures.increment();
      failures = version == failedVersion ? failures + 1 : 1;
      failedVersion = version;
      long backoff = interval.toNanos() * Math.min(1L << Math.min(failures - 1, 30), MAX_BACKOFF_INTERVALS);
      retryAtNanos = System.nanoTime() + backoff;
      LOG.error("cannot load {}/{} (from {}, attempt {}); keeping the current model, next attempt in {} s: {}",
          ref.name(), version, ref, failures, backoff / 1_000_000_000, e.getMessage());
    }
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException | Error e) {
      LOG.error("model poll failed", e); // keep polling: the next interval may succeed
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    ScoringModel left = take();
    if (left != null) left.close();
  }
}
