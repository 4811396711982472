package io.kaminari.tools.generate;

import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import io.kaminari.tools.evaluate.Baseline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Flow records parsed as the pipeline parses them, and the per-destination window statistics the baseline uses. */
public final class FlowStats {
  private FlowStats() {}

  /** Every flow of the messages; a reject fails (the generator and the captures only write valid records). */
  public static List<Flow> parse(List<byte[]> messages) {
    List<Flow> out = new ArrayList<>();
    PmacctParser parser = new PmacctParser(ZoneOffset.UTC);
    PmacctParser.Sink sink = new PmacctParser.Sink() {
      @Override
      public void flow(int index, PmacctParser.Fields flow) {
        out.add(flow.toFlow());
      }

      @Override
      public void marker(int index, String eventType) {}

      @Override
      public void reject(int index, String rawObject, String reason) {
        throw new AssertionError("rejected (" + reason + "): " + rawObject);
      }
    };
    for (byte[] m : messages) {
      parser.parse(m, Long.MIN_VALUE, sink); // every record has its timestamps: no arrival to measure skew from
    }
    return out;
  }

  /** Every flow of the gzipped JSON-lines files of {@code dir}, file by file in name order. */
  static List<Flow> parseDir(Path dir) throws IOException {
    List<byte[]> messages = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jsonl.gz")).sorted().toList()) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
          messages.add(in.readAllBytes());
        }
      }
    }
    return parse(messages);
  }

  /**
   * Per window (of {@code windowSeconds}, by event time) and destination: packets, records and distinct sources, as
   * {@link Baseline#destinationStats} computes them in Spark; keyed by window start and destination.
   */
  static TreeMap<Baseline.Key, Baseline.DestinationWindow> perDestination(List<Flow> flows, int windowSeconds) {
    long w = windowSeconds * 1_000_000L;
    Map<Baseline.Key, long[]> counts = new HashMap<>();
    Map<Baseline.Key, Set<String>> sources = new HashMap<>();
    for (Flow f : flows) {
      long start = Math.floorDiv(f.eventTimeMicros(), w) * w;
      Baseline.Key k = new Baseline.Key(Instant.ofEpochSecond(start / 1_000_000L), f.ipDst());
      long[] c = counts.computeIfAbsent(k, x -> new long[2]);
      c[0] += f.samplingRate() == null || f.samplingRate() <= 1 ? f.packets() : f.packets() * f.samplingRate();
      c[1]++;
      sources.computeIfAbsent(k, x -> new HashSet<>()).add(f.ipSrc());
    }
    TreeMap<Baseline.Key, Baseline.DestinationWindow> out = new TreeMap<>();
    counts.forEach((k, c) -> out.put(k, new Baseline.DestinationWindow(k.windowStart(), k.scopeKey(), c[0], c[1],
        sources.get(k).size())));
    return out;
  }

  /** The baseline's thresholds calibrated on the windows of [from, to), with its default margin. */
  static Baseline.Thresholds calibrate(Map<Baseline.Key, Baseline.DestinationWindow> stats, Instant from, Instant to,
      int windowSeconds, double margin) {
    Baseline.Calibrator c = new Baseline.Calibrator(windowSeconds);
    stats.values().stream().filter(d -> !d.windowStart().isBefore(from) && d.windowStart().isBefore(to))
        .forEach(c::accept);
    return c.thresholds(margin);
  }
}
