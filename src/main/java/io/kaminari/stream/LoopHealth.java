package io.kaminari.stream;

import java.util.function.LongSupplier;

/**
 * Whether the scoring loop is alive, as {@code /healthz} reports it (docs/operations.md): it is not when the loop
 * ended on an exception or {@code Error} ({@link #died}), when another scorer with the same transactional id fenced it
 * ({@link #fenced}), or when it made no progress for the stall timeout.
 *
 * <p>Progress ({@link #progress}) is what the loop reports after a successful commit, after a step that left nothing
 * to commit (caught up and idle), and while it waits for a first model or an input topic (alive, only not ready). So
 * a loop that keeps restoring without ever committing (a record it cannot get past, an output topic that does not
 * exist, a broker it cannot reach) and a loop stuck inside a step both go stale. The liveness probe then fails and
 * Kubernetes restarts the pod; readiness ({@code /readyz}) is separate and stays the loop's own.
 *
 * <p>Thread-safe: the loop writes, the HTTP threads read.
 */
final class LoopHealth {
  private final long stallMillis;
  private final LongSupplier clock;
  private volatile String fatal;
  private volatile long lastProgress;

  /** Health with a stall timeout of {@code stallMillis} on {@code clock} (wall-clock ms); alive from now. */
  LoopHealth(long stallMillis, LongSupplier clock) {
    if (stallMillis <= 0) throw new IllegalArgumentException("the stall timeout must be > 0");
    this.stallMillis = stallMillis;
    this.clock = clock;
    this.lastProgress = clock.getAsLong();
  }

  /** The loop committed, or has nothing to commit, or is waiting for a model or a topic: it is alive. */
  void progress() {
    lastProgress = clock.getAsLong();
  }

  /** The loop ended on {@code cause}; final. */
  void died(Throwable cause) {
    if (fatal == null) fatal = "the scoring loop died: " + cause;
  }

  /** Another scorer with transactional id {@code transactionalId} took over; final. */
  void fenced(String transactionalId) {
    if (fatal == null) {
      fatal = "fenced: another scorer with transactional id " + transactionalId + " took over (run one scorer per"
          + " scorer.group-id)";
    }
  }

  /** Whether the loop can never recover by itself (died or fenced). */
  boolean isFatal() {
    return fatal != null;
  }

  /** Null while alive, else why not, in one line for {@code /healthz}'s body. */
  String problem() {
    String f = fatal;
    if (f != null) return f;
    long quiet = clock.getAsLong() - lastProgress;
    if (quiet > stallMillis) {
      return "no commit and no idle moment for " + quiet / 1000 + " s (scorer.stall-timeout is " + stallMillis / 1000
          + " s): the scoring loop is stuck, cannot reach Kafka or cannot commit; see the log";
    }
    return null;
  }
}
