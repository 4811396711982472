package io.kaminari.tools.generate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Keeps every message in memory, with its arrival time, for assertions. */
final class CollectingSink implements FlowSink {
  final List<Long> millis = new ArrayList<>();
  final List<byte[]> messages = new ArrayList<>();
  boolean closed;

  @Override
  public void accept(long arrivalEpochMillis, byte[] message) {
    millis.add(arrivalEpochMillis);
    messages.add(message);
  }

  @Override
  public void close() {
    closed = true;
  }

  /** All messages as the JSON lines a file sink would write. */
  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      out.writeBytes(m);
      out.write('\n');
    }
    return out.toByteArray();
  }

  /** Every JSON object, markers included, in order. */
  List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (byte[] m : messages) {
      lines.addAll(Arrays.asList(new String(m, StandardCharsets.US_ASCII).split("\n")));
    }
    return lines;
  }

  static CollectingSink run(GeneratorConfig config) throws Exception {
    CollectingSink sink = new CollectingSink();
    new TrafficGenerator(config).run(sink);
    return sink;
  }
}
