package io.kaminari.tools.generate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generated benign background with copies of real attack captures ({@link Capture}) replayed into it at known times:
 * the flow records, in arrival order, and one label per copy and window.
 *
 * <p>A copy keeps every record byte for byte, as nfacctd wrote it, except for these fields: the four timestamps move by
 * the one offset that puts the capture's earliest {@code timestamp_start} at the insertion time (so the capture's own
 * timing survives to the microsecond), {@code timestamp_arrival} becomes the shifted export time plus
 * {@value #ARRIVAL_DELAY_MILLIS} ms (the recorded arrival was the conversion's wall clock), and, when the insertion
 * re-addresses, the capture's victim address becomes the given one wherever it appears ({@code ip_src} of the victim's
 * answers as well as {@code ip_dst}). Re-addressing puts the victim into the background's address plan, so that the
 * attacked address is one that also carries benign traffic, as a real victim does; the attackers' addresses are left
 * as captured.
 *
 * <p>Labels count a copy's records per window of their shifted {@code timestamp_start}, which is the window the
 * pipeline attributes a record to; a window without a record of the copy gets no label, so a capture with a quiet
 * minute in it is two labelled events. The copies' records are merged into the background's stream by arrival time, so
 * a file or Kafka sink receives one stream in nondecreasing arrival order, as a collector would write it.
 */
public final class CaptureMix {
  /** Between the shifted export time and the arrival time written into a copied record. */
  public static final int ARRIVAL_DELAY_MILLIS = 5;

  private static final Pattern FIELD = Pattern.compile(
      "\"(timestamp_start|timestamp_end|timestamp_export|timestamp_arrival|ip_src|ip_dst)\": \"([^\"]*)\"");
  private static final DateTimeFormatter RFC3339_MICROS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * One copy of {@code capture} whose earliest record starts at {@code at}; {@code victimAs} replaces the capture's
   * victim address, or is null to keep it.
   */
  public record Insertion(Capture capture, Instant at, String victimAs) {
    public Insertion {
      Objects.requireNonNull(capture, "capture must not be null");
      Objects.requireNonNull(at, "insertion time must not be null");
      if (at.getNano() % 1_000 != 0) {
        throw new IllegalArgumentException("insertion time must be whole microseconds, got " + at);
      }
      if (victimAs != null) {
        Ipv4.parse(victimAs, "victimAs");
      }
    }

    /** The victim address the copy's records carry. */
    public String victim() {
      return victimAs == null ? capture.victim() : victimAs;
    }
  }

  /** One copied record: its JSON line and its shifted start and arrival. */
  public record Copied(long startMicros, long arrivalMicros, String json) {}

  /** What a run wrote: the background's result (its attacks, if any, included), the copied records, the labels. */
  public record Result(GenerationResult background, long captureRecords, List<Label> labels) {
    public Result {
      labels = List.copyOf(labels);
    }
  }

  private final GeneratorConfig background;
  private final List<Insertion> insertions;

  /** A mix of {@code background} with {@code insertions}, each of which must start inside the background's period. */
  public CaptureMix(GeneratorConfig background, List<Insertion> insertions) {
    this.background = Objects.requireNonNull(background, "background must not be null");
    this.insertions = List.copyOf(insertions);
    for (Insertion i : this.insertions) {
      if (i.at().isBefore(background.start()) || !i.at().isBefore(background.end())) {
        throw new IllegalArgumentException("capture " + i.capture().name() + " inserted at " + i.at()
            + ", outside the background " + background.start() + ".." + background.end());
      }
    }
  }

  public GeneratorConfig background() {
    return background;
  }

  public List<Insertion> insertions() {
    return insertions;
  }

  /**
   * Generates the background into {@code sink} with every copy merged in by arrival time, and labels the copies per
   * {@code labelWindow}. The caller owns and closes the sink.
   */
  public Result run(FlowSink sink, Duration labelWindow) throws IOException {
    long size = labelWindowSeconds(labelWindow);
    List<Copied> all = new ArrayList<>();
    List<Label> labels = new ArrayList<>();
    for (Insertion insertion : insertions) {
      List<Copied> copy = copy(insertion);
      all.addAll(copy);
      labels.addAll(labels(insertion, copy, size));
    }
    all.sort(Comparator.comparingLong(Copied::arrivalMicros)); // stable: equal arrivals keep the capture's order
    Merging merging = new Merging(sink, all);
    GenerationResult result = new TrafficGenerator(background).run(merging);
    merging.drain(Long.MAX_VALUE);
    labels.sort(Comparator.comparing(Label::windowStart)); // stable: insertions' order within a window
    return new Result(result, all.size(), labels);
  }

  /** The records of one copy, in the capture's order (pure: the same insertion gives the same lines). */
  public static List<Copied> copy(Insertion insertion) {
    Capture capture = insertion.capture();
    List<String> lines = capture.lines();
    long first = Long.MAX_VALUE;
    for (String line : lines) {
      first = Math.min(first, micros(fields(line, capture).get("timestamp_start"), capture));
    }
    long shift = micros(insertion.at()) - first;
    List<Copied> out = new ArrayList<>(lines.size());
    for (String line : lines) {
      Map<String, String> f = fields(line, capture);
      long start = micros(f.get("timestamp_start"), capture) + shift;
      long arrival = micros(f.get("timestamp_export"), capture) + shift + ARRIVAL_DELAY_MILLIS * 1000L;
      Matcher m = FIELD.matcher(line);
      StringBuilder b = new StringBuilder(line.length());
      while (m.find()) {
        String key = m.group(1);
        String value = switch (key) {
          case "timestamp_arrival" -> format(arrival);
          case "ip_src", "ip_dst" -> m.group(2).equals(capture.victim()) ? insertion.victim() : m.group(2);
          default -> format(micros(m.group(2), capture) + shift);
        };
        m.appendReplacement(b, Matcher.quoteReplacement("\"" + key + "\": \"" + value + "\""));
      }
      m.appendTail(b);
      out.add(new Copied(start, arrival, b.toString()));
    }
    return out;
  }

  private static List<Label> labels(Insertion insertion, List<Copied> copy, long windowSeconds) {
    TreeMap<Long, Long> perWindow = new TreeMap<>();
    for (Copied c : copy) {
      long second = Math.floorDiv(c.startMicros(), 1_000_000L);
      perWindow.merge(Math.floorDiv(second, windowSeconds) * windowSeconds, 1L, Long::sum);
    }
    List<Label> out = new ArrayList<>();
    perWindow.forEach((w, n) -> out.add(new Label(Instant.ofEpochSecond(w), AttackKind.REAL_CAPTURE,
        insertion.victim(), n)));
    return out;
  }

  private static long labelWindowSeconds(Duration window) {
    if (window.isNegative() || window.isZero() || window.getNano() != 0) {
      throw new IllegalArgumentException("label window must be positive whole seconds, got " + window);
    }
    return window.getSeconds();
  }

  /** The rewritable fields of a line; all four timestamps except the arrival are required. */
  private static Map<String, String> fields(String line, Capture capture) {
    Map<String, String> f = new TreeMap<>();
    Matcher m = FIELD.matcher(line);
    while (m.find()) {
      f.put(m.group(1), m.group(2));
    }
    for (String k : List.of("timestamp_start", "timestamp_end", "timestamp_export")) {
      if (!f.containsKey(k)) {
        throw new IllegalArgumentException("capture " + capture.name() + " has a record without " + k + ": " + line);
      }
    }
    return f;
  }

  private static long micros(String rfc3339, Capture capture) {
    try {
      return micros(Instant.parse(rfc3339));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("capture " + capture.name() + " has a timestamp that is not RFC 3339 UTC: '"
          + rfc3339 + "'", e);
    }
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  private static String format(long micros) {
    return RFC3339_MICROS.format(Instant.EPOCH.plus(micros, ChronoUnit.MICROS));
  }

  /** Forwards the background's messages, first sending every copied record that arrived no later than each. */
  private static final class Merging implements FlowSink {
    private final FlowSink sink;
    private final List<Copied> copied;
    private int next;

    Merging(FlowSink sink, List<Copied> copied) {
      this.sink = sink;
      this.copied = copied;
    }

    @Override
    public void accept(long arrivalEpochMillis, byte[] message) throws IOException {
      drain(arrivalEpochMillis);
      sink.accept(arrivalEpochMillis, message);
    }

    void drain(long throughMillis) throws IOException {
      while (next < copied.size() && Math.floorDiv(copied.get(next).arrivalMicros(), 1000L) <= throughMillis) {
        Copied c = copied.get(next++);
        sink.accept(Math.floorDiv(c.arrivalMicros(), 1000L), c.json().getBytes(StandardCharsets.UTF_8));
      }
    }

    @Override
    public void close() {
      // The caller owns the real sink.
    }
  }
}
