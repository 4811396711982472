package io.kaminari.tools.generate;

import java.io.IOException;

/**
 * Receives generated messages in nondecreasing arrival order; each message is one or more newline-separated pmacct
 * JSON objects, without a trailing newline, and belongs to the sink once passed.
 */
public interface FlowSink extends AutoCloseable {
  void accept(long arrivalEpochMillis, byte[] message) throws IOException;

  @Override
  void close() throws IOException;
}
