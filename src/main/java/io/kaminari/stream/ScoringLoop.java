package io.kaminari.stream;

/**
 * What {@link Scorer} runs behind its HTTP server: the single-threaded {@link StreamingScorer} or the Kafka Streams
 * {@link ScaleOutScorer} ({@code scorer.mode}).
 */
interface ScoringLoop extends AutoCloseable {
  void start();

  /** Whether it scores (what {@code /readyz} answers). */
  boolean ready();

  /** Null while it is alive, else why not (what {@code /healthz} answers 503 with). */
  String liveness();

  @Override
  void close();
}
