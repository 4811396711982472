package io.kaminari.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.tools.generate.FlowSink;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.TrafficGenerator;
import io.kaminari.flow.PmacctParserTest.Collector;
import io.kaminari.flow.PmacctParserTest.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The parser's flat fast path against its Jackson path: for the same message, both must report exactly the same
 * flows, markers and rejects (with the same reasons). Inputs: generator output and the pmacct conformance records,
 * each as written and mutated at random (bytes deleted, replaced, inserted; lines cut), with a fixed seed. The fast
 * path also reads each message in place from a larger buffer.
 */
class PmacctParserPathsTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  /** Bytes around a message read in place: they would complete a cut record, or spoil a whole one. */
  private static final byte[] BEFORE = "{\"port_src\": ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] AFTER = "\", \"packets\": 1}\n{".getBytes(StandardCharsets.US_ASCII);
  /** Bytes that change a JSON record's meaning or its validity. */
  private static final byte[] INSERTS = "{}[]\":,.-+eE0123456789 \t\\nulltrue/x\u0001\u007f".getBytes(
      StandardCharsets.ISO_8859_1);

  @Test
  void generatorOutputTakesTheFastPathAndParsesAsJacksonDoes() throws Exception {
    List<byte[]> messages = generated(3_000);
    PmacctParser fast = new PmacctParser(ZONE);
    assertThat(assertSameEvents(messages, fast)).as("generated records rejected").isZero();
    assertThat(fast.flatObjects()).as("objects read by the fast path").isGreaterThanOrEqualTo(3_000);
  }

  @Test
  void conformanceRecordsParseAsJacksonDoes() throws Exception {
    List<byte[]> lines = conformanceLines();
    assertThat(lines).hasSizeGreaterThan(100);
    assertSameEvents(lines, new PmacctParser(ZONE));
  }

  @Test
  void mutatedRecordsParseAsJacksonDoes() throws Exception {
    List<byte[]> seeds = new ArrayList<>(generated(200));
    seeds.addAll(conformanceLines().subList(0, 100));
    Random random = new Random(42);
    List<byte[]> mutants = new ArrayList<>();
    for (byte[] seed : seeds) {
      for (int k = 0; k < 100; k++) {
        mutants.add(mutate(seed, random));
      }
    }
    PmacctParser fast = new PmacctParser(ZONE);
    int rejects = assertSameEvents(mutants, fast);
    // The mutations must exercise both outcomes, or the comparison proves little.
    assertThat(rejects).as("rejects among %d mutants", mutants.size()).isGreaterThan(mutants.size() / 10);
    assertThat(fast.flatObjects()).as("mutants read by the fast path").isGreaterThan(mutants.size() / 10);
  }

  /** Parses every message with both paths, asserts equal events, and returns the number of rejects. */
  private static int assertSameEvents(List<byte[]> messages, PmacctParser fast) {
    PmacctParser jackson = new PmacctParser(ZONE, EventTimePolicy.DEFAULT, false);
    int rejects = 0;
    for (byte[] m : messages) {
      long fallback = 1_750_000_000_000_000L; // 2025-06-15: every record's event time is before it (the policy's skew)
      Collector a = new Collector();
      fast.parse(m, fallback, a);
      Collector b = new Collector();
      jackson.parse(m, fallback, b);
      assertThat(a.events).as(new String(m, StandardCharsets.UTF_8)).isEqualTo(b.events);
      // Read in place from a larger buffer, the parser must not look outside the message.
      byte[] framed = new byte[BEFORE.length + m.length + AFTER.length];
      System.arraycopy(BEFORE, 0, framed, 0, BEFORE.length);
      System.arraycopy(m, 0, framed, BEFORE.length, m.length);
      System.arraycopy(AFTER, 0, framed, BEFORE.length + m.length, AFTER.length);
      Collector c = new Collector();
      fast.parse(framed, BEFORE.length, m.length, fallback, c);
      assertThat(c.events).as("in place: " + new String(m, StandardCharsets.UTF_8)).isEqualTo(b.events);
      rejects += (int) b.events.stream().map(Event::kind).filter("reject"::equals).count();
    }
    return rejects;
  }

  private static byte[] mutate(byte[] seed, Random random) {
    int at = random.nextInt(seed.length);
    byte[] out;
    switch (random.nextInt(4)) {
      case 0 -> { // delete
        out = new byte[seed.length - 1];
        System.arraycopy(seed, 0, out, 0, at);
        System.arraycopy(seed, at + 1, out, at, seed.length - at - 1);
      }
      case 1 -> { // replace
        out = seed.clone();
        out[at] = INSERTS[random.nextInt(INSERTS.length)];
      }
      case 2 -> { // insert
        out = new byte[seed.length + 1];
        System.arraycopy(seed, 0, out, 0, at);
        out[at] = INSERTS[random.nextInt(INSERTS.length)];
        System.arraycopy(seed, at, out, at + 1, seed.length - at);
      }
      default -> out = java.util.Arrays.copyOf(seed, at); // cut
    }
    return out;
  }

  /** Single-object generator messages (flows, markers). */
  private static List<byte[]> generated(int flows) throws Exception {
    List<byte[]> out = new ArrayList<>();
    FlowSink sink = new FlowSink() {
      @Override
      public void accept(long arrivalEpochMillis, byte[] message) {
        out.add(message);
      }

      @Override
      public void close() {}
    };
    new TrafficGenerator(GeneratorConfig.of(3, Instant.parse("2024-05-01T00:00:00Z"), Duration.ofMinutes(2), flows)
        .withMarkers(true)).run(sink);
    return out;
  }

  private static List<byte[]> conformanceLines() throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/test/resources/pmacct-tests"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("output-flow-00.json")).sorted().toList()) {
        for (String line : Files.readAllLines(f)) {
          out.add(line.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }
}
