package io.kaminari.stream;

import io.kaminari.model.ScoringModel;
import io.kaminari.model.AliasStamp;
import io.kaminari.model.ModelException;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
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
 * on a daemon thread. When the stamp changes it copies the version, checks its SHA-256 sums and manifest (registry),
 * loads it and runs a test inference ({@link ScoringModel#load}), all off the scoring thread. A version that fails is
 * logged, counted in {@code reload_failures} and not retried until the alias moves again: retrying a broken artifact
 * every 30 s would only repeat the same failure. For {@code name/N} it loads once.
 */
final class ModelProvider implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelProvider.class);

  private final ModelRegistry registry;
  private final ModelRef ref;
  private final Path cacheDir;
  private final Duration interval;
  private final ScorerMetrics metrics;
  private final AtomicReference<ScoringModel> pending = new AtomicReference<>();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kaminari-model-poller");
    t.setDaemon(true);
    return t;
  });
  /** Last stamp acted upon (loaded or refused); only the poller thread touches it. */
  private AliasStamp seen;
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

  /** One poll; public to the package so tests and the bench can force a check without waiting. */
  synchronized void check() {
    int version;
    if (ref.version() != null) {
      if (seen != null) return;
      version = ref.version();
      seen = new AliasStamp(ref.name(), "", version, 0);
    } else {
      AliasStamp stamp;
      try {
        stamp = registry.aliasStamp(ref.name(), ref.alias());
      } catch (ModelException notYet) {
        LOG.debug("{} not available yet: {}", ref, notYet.getMessage());
        return;
      }
      if (stamp.equals(seen)) return;
      seen = stamp;
      version = stamp.version();
    }
    if (version == offeredVersion) return;
    long started = System.nanoTime();
    try {
      ScoringModel model = ScoringModel.load(registry, ModelRef.version(ref.name(), version), cacheDir);
      lastSwapLoadMillis = (System.nanoTime() - started) / 1_000_000;
      offeredVersion = version;
      lastOfferNanos = System.nanoTime();
      ScoringModel previous = pending.getAndSet(model);
      if (previous != null) previous.close(); // superseded before the loop took it
      metrics.reloadSuccesses.increment();
      LOG.info("{} -> {}/{} loaded and validated in {} ms; the scorer switches at the next window boundary", ref,
          ref.name(), version, lastSwapLoadMillis);
    } catch (RuntimeException e) {
      metrics.reloadFailures.increment();
      LOG.error("refusing {}/{} (from {}); keeping the current model until the reference moves again: {}", ref.name(),
          version, ref, e.getMessage());
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
