package io.kaminari.flow;

/**
 * Carries a reject reason out of the parser's readers to {@link PmacctParser}, which reports it to the sink;
 * stackless because rejects are data, not bugs.
 */
final class Rejection extends RuntimeException {
  Rejection(String reason) {
    super(reason, null, false, false);
  }
}
