package io.kaminari.tools.bench;

import io.kaminari.flow.EventTimePolicy;
import io.kaminari.flow.PmacctParser;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code kaminari bench fuzz}: the pmacct parser on a seeded stream of mutated and adversarial Kafka message values
 * (issue 16). The claim checked is the parser's contract: whatever the bytes, {@link PmacctParser#parse} returns
 * normally and reports every non-blank line of the message exactly once, in order, as a flow, a marker or a reject with
 * a reason, and no reject is a {@code parser error:} (the parser's name for an exception it did not foresee).
 *
 * <p>An input is one of: a valid seed record (the pmacct shapes the conformance tests hold: print-style and ISO
 * timestamps, epoch seconds, IPv6, sampling, markers), a seed after one to four random mutations (bit flips, bytes
 * that matter to JSON and UTF-8, deletions, duplications, splices of two seeds, truncations, extreme numbers and
 * timestamps, newlines and carriage returns), or a built adversarial value (deep nesting, a megabyte string, invalid
 * and overlong UTF-8, lone surrogate escapes, NULs, a BOM, duplicate keys, many objects in one message). The arrival
 * passed with each input is a plausible one, the epoch, or none ({@link Long#MIN_VALUE}). The same seed gives the
 * same inputs, so a finding is reproducible from the {@code BENCH} line's seed and the example's input number.
 */
public final class ParserFuzz {
  public static final String NAME = "fuzz";
  /** The size of the benchmark run (issue 16: at least 10 million inputs outside CI). */
  public static final long DEFAULT_INPUTS = 10_000_000L;

  private ParserFuzz() {}

  /**
   * What a run found. {@code unaccounted} counts inputs whose reports broke the contract (a non-blank line not
   * reported, reported twice or out of order, or a reject without a reason); {@code examples} quotes the first few
   * findings of any kind, each with its input number.
   */
  public record Result(long inputs, long seed, long lines, long flows, long markers, long rejects, long parserErrors,
      long uncaught, long unaccounted, List<String> examples, double seconds) {
    /** Whether the parser kept its contract on every input. */
    public boolean clean() {
      return parserErrors == 0 && uncaught == 0 && unaccounted == 0;
    }

    /** The {@code BENCH fuzz ...} line. */
    public String benchLine() {
      return String.format(Locale.ROOT, "BENCH %s inputs=%d seed=%d lines=%d flows=%d markers=%d rejects=%d"
              + " parser_errors=%d uncaught=%d unaccounted=%d seconds=%.1f inputs_per_s=%.0f", NAME, inputs, seed,
          lines, flows, markers, rejects, parserErrors, uncaught, unaccounted, seconds, inputs / seconds);
    }
  }

  /** The benchmark: {@code inputs} inputs from {@code seed}; prints the findings and the BENCH line; false if any. */
  public static boolean run(long inputs, long seed, PrintStream out) {
    Result r = fuzz(inputs, seed);
    r.examples().forEach(e -> out.println("finding: " + e));
    out.println(r.benchLine());
    return r.clean();
  }

  /** Runs {@code inputs} inputs generated from {@code seed} through one parser (as a scorer or a compaction does). */
  public static Result fuzz(long inputs, long seed) {
    if (inputs <= 0) throw new IllegalArgumentException("inputs must be > 0");
    SplittableRandom random = new SplittableRandom(seed);
    PmacctParser parser = new PmacctParser(ZoneOffset.UTC, EventTimePolicy.DEFAULT);
    Checker checker = new Checker();
    long started = System.nanoTime();
    long uncaught = 0;
    long unaccounted = 0;
    List<String> examples = new ArrayList<>();
    for (long n = 0; n < inputs; n++) {
      byte[] value = Inputs.next(random);
      long arrival = switch (random.nextInt(8)) {
        case 0 -> Long.MIN_VALUE; // no arrival: records without timestamps are rejected
        case 1 -> 0L; // the epoch: every real timestamp is "ahead"
        default -> Inputs.ARRIVAL_MICROS;
      };
      checker.reset(value);
      try {
        parser.parse(value, arrival, checker);
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        uncaught++;
        note(examples, "input " + n + ": uncaught " + e + " on " + Inputs.excerpt(value));
        continue;
      }
      String broken = checker.finish();
      if (broken != null) {
        unaccounted++;
        note(examples, "input " + n + ": " + broken + " on " + Inputs.excerpt(value));
      }
      if (checker.parserError != null) note(examples, "input " + n + ": " + checker.parserError);
    }
    double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
    return new Result(inputs, seed, checker.lines, checker.flows, checker.markers, checker.rejects,
        checker.parserErrors, uncaught, unaccounted, List.copyOf(examples), seconds);
  }

  private static void note(List<String> examples, String finding) {
    if (examples.size() < 10) examples.add(finding);
  }

  /** Checks one input's reports against its non-blank lines, and counts them over the run. */
  private static final class Checker implements PmacctParser.Sink {
    long lines;
    long flows;
    long markers;
    long rejects;
    long parserErrors;
    String parserError;
    private int expected;
    private int next;
    private String broken;

    void reset(byte[] value) {
      expected = nonBlankLines(value);
      lines += expected;
      next = 0;
      broken = null;
      parserError = null;
    }

    /** Null if every non-blank line was reported exactly once, in order; else what went wrong. */
    String finish() {
      if (broken == null && next != expected) broken = next + " reports for " + expected + " non-blank lines";
      return broken;
    }

    private void report(int index) {
      if (broken == null && index != next) broken = "report for line " + index + " where " + next + " was due";
      next++;
    }

    @Override
    public void flow(int index, PmacctParser.Fields flow) {
      report(index);
      flow.toFlow(); // what the scorer builds from every flow: must not throw either
      flows++;
    }

    @Override
    public void marker(int index, String eventType) {
      report(index);
      if (broken == null && (eventType == null || eventType.isBlank())) broken = "a marker without its event type";
      markers++;
    }

    @Override
    public void reject(int index, String rawObject, String reason) {
      report(index);
      rejects++;
      if (broken == null && (reason == null || reason.isBlank() || rawObject == null)) {
        broken = "a reject without its reason or object";
      } else if (reason.startsWith("parser error")) {
        parserErrors++;
        parserError = reason;
      }
    }

    /** The parser's lines: split at '\n'; blank = only spaces, tabs and carriage returns. */
    private static int nonBlankLines(byte[] b) {
      int count = 0;
      boolean blank = true;
      for (byte c : b) {
        if (c == '\n') {
          if (!blank) count++;
          blank = true;
        } else if (c != ' ' && c != '\t' && c != '\r') {
          blank = false;
        }
      }
      return blank ? count : count + 1;
    }
  }

  /** The generated inputs. */
  static final class Inputs {
    /** 2024-05-01T10:00:05Z, after every seed's timestamps. */
    static final long ARRIVAL_MICROS = 1_714_557_605_000_000L;

    private static final String[] SEEDS = {
        "{\"event_type\": \"purge\", \"peer_ip_src\": \"10.255.0.4\", \"ip_src\": \"10.4.0.133\", \"ip_dst\":"
            + " \"198.51.100.11\", \"port_src\": 44615, \"port_dst\": 80, \"tcp_flags\": \"24\", \"ip_proto\": \"tcp\","
            + " \"timestamp_start\": \"2024-05-01 10:00:00.654000\", \"timestamp_end\": \"2024-05-01 10:00:00.654000\","
            + " \"timestamp_arrival\": \"2024-05-01 10:00:01.006234\", \"export_proto_seqno\": 1,"
            + " \"export_proto_version\": 9, \"timestamp_export\": \"2024-05-01 10:00:01.000000\", \"packets\": 1,"
            + " \"bytes\": 138, \"writer_id\": \"kaminari-gen/1\"}",
        "{\"event_type\": \"purge\", \"peer_ip_src\": \"127.0.0.1\", \"ip_src\": \"10.0.1.2\", \"ip_dst\": \"10.0.1.12\","
            + " \"port_src\": 2318, \"port_dst\": 12345, \"tcp_flags\": \"6\", \"ip_proto\": \"tcp\", \"timestamp_start\":"
            + " \"2024-05-01T09:32:08.822000Z\", \"timestamp_end\": \"2024-05-01T09:32:09.123000Z\","
            + " \"export_proto_version\": 9, \"packets\": 2, \"bytes\": 180, \"sampling_rate\": 1000}",
        "{\"event_type\":\"purge\",\"peer_ip_src\":\"2001:db8::1\",\"ip_src\":\"2001:db8:1::5\",\"ip_dst\":\"2001:db8:2::9\","
            + "\"port_src\":53,\"port_dst\":33000,\"ip_proto\":\"udp\",\"timestamp_start\":\"1714554000\","
            + "\"timestamp_end\":\"1714554001\",\"packets\":3,\"bytes\":1500}",
        "{\"event_type\": \"purge_init\", \"seq\": 7, \"timestamp\": \"2024-05-01 10:00:00\", \"writer_id\": \"nfacctd/1\"}",
        "{\"event_type\": \"purge_close\", \"seq\": 7, \"timestamp\": \"2024-05-01 10:00:00\", \"purged_entries\": 2}",
        "{\"peer_ip_src\": \"10.255.0.1\", \"ip_src\": \"203.0.113.7\", \"ip_dst\": \"198.18.5.8\", \"port_src\": 0,"
            + " \"port_dst\": 0, \"ip_proto\": \"icmp\", \"timestamp_start\": \"2024-05-01 09:59:59.999999\","
            + " \"packets\": 9223372036854775807, \"bytes\": 0}",
    };
    /** Bytes that matter to JSON, to pmacct's values and to UTF-8. */
    private static final byte[] SPECIAL = {
        '{', '}', '[', ']', '"', '\\', ',', ':', '0', '9', '-', '+', 'e', 'E', '.', ' ', '\n', '\r', '\t', 0,
        (byte) 0xFF, (byte) 0xC0, (byte) 0xC1, (byte) 0xED, (byte) 0xF4, (byte) 0x80, (byte) 0xBF, 'n', 't', 'u'};
    private static final String[] VALUES = {
        "1e400", "-1e400", "18446744073709551616", "-9223372036854775809", "NaN", "Infinity", "-0", "0.5", "\"\"",
        "null", "true", "[]", "{}", "\"9999-12-31 23:59:59.999999\"", "\"1970-01-01 00:00:00\"",
        "\"0000-01-01T00:00:00Z\"", "\"2024-02-30 10:00:00\"", "\"2024-05-01 25:61:61\"", "\"-1\"", "\"1e3\"",
        "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\u0000\"", "\"fe80::1%eth0\"", "\"::ffff:1.2.3.4\"", "\"1.2.3.256\"",
        "\"a\\\"b\""};
    private static final byte[][] SEED_BYTES = new byte[SEEDS.length][];

    static {
      for (int i = 0; i < SEEDS.length; i++) SEED_BYTES[i] = SEEDS[i].getBytes(StandardCharsets.UTF_8);
    }

    private Inputs() {}

    /** The next input: a seed (1 in 8), an adversarial value (1 in 16) or a mutated seed. */
    static byte[] next(SplittableRandom r) {
      int kind = r.nextInt(16);
      if (kind < 2) return SEED_BYTES[r.nextInt(SEED_BYTES.length)].clone();
      if (kind == 2) return adversarial(r);
      byte[] b = SEED_BYTES[r.nextInt(SEED_BYTES.length)];
      for (int m = 1 + r.nextInt(4); m > 0; m--) b = mutate(b, r);
      return b;
    }

    private static byte[] mutate(byte[] b, SplittableRandom r) {
      int n = b.length;
      int at = n == 0 ? 0 : r.nextInt(n);
      return switch (r.nextInt(9)) {
        case 0 -> { // flip one bit
          byte[] c = b.clone();
          if (n > 0) c[at] ^= (byte) (1 << r.nextInt(8));
          yield c;
        }
        case 1 -> { // a byte that matters
          byte[] c = b.clone();
          if (n > 0) c[at] = SPECIAL[r.nextInt(SPECIAL.length)];
          yield c;
        }
        case 2 -> splice(b, at, Math.min(n, at + 1 + r.nextInt(16)), new byte[0]); // delete a run
        case 3 -> splice(b, at, at, slice(b, at, Math.min(n, at + 1 + r.nextInt(32)))); // duplicate a run
        case 4 -> Arrays.copyOf(b, at); // truncate
        case 5 -> { // splice in part of another seed (or a whole one, after a newline)
          byte[] other = SEED_BYTES[r.nextInt(SEED_BYTES.length)];
          byte[] part = r.nextBoolean() ? slice(other, r.nextInt(other.length), other.length)
              : concat(new byte[] {'\n'}, other);
          yield splice(b, at, at, part);
        }
        case 6 -> replaceValue(b, r); // an extreme or malformed value after a colon
        case 7 -> splice(b, at, at, new byte[] {SPECIAL[r.nextInt(SPECIAL.length)]}); // insert a byte that matters
        default -> { // a structural byte repeated
          byte[] run = new byte[1 + r.nextInt(64)];
          Arrays.fill(run, SPECIAL[r.nextInt(8)]);
          yield splice(b, at, at, run);
        }
      };
    }

    /** Replaces the value after a random colon by one of {@link #VALUES}. */
    private static byte[] replaceValue(byte[] b, SplittableRandom r) {
      int colon = -1;
      for (int tries = 0; tries < 8 && colon < 0; tries++) {
        int i = b.length == 0 ? -1 : r.nextInt(b.length);
        if (i >= 0 && b[i] == ':') colon = i;
      }
      if (colon < 0) return b;
      int end = colon + 1;
      while (end < b.length && b[end] != ',' && b[end] != '}') end++;
      byte[] value = (" " + VALUES[r.nextInt(VALUES.length)]).getBytes(StandardCharsets.UTF_8);
      return splice(b, colon + 1, end, value);
    }

    /**
     * A value built to hurt: nesting, size, encodings, duplicates, many objects. The large ones (megabytes, deep
     * nesting, thousands of objects) are drawn one time in 64, so that a run's time is the parser's, not memcpy's.
     */
    static byte[] adversarial(SplittableRandom r) {
      String seed = SEEDS[r.nextInt(SEEDS.length)];
      int kind = r.nextInt(12);
      if (kind < 3 && r.nextInt(64) != 0) kind = 11;
      return switch (kind) {
        case 0 -> ("[".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
        case 1 -> ("{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000)).getBytes(StandardCharsets.US_ASCII);
        case 2 -> ("{\"event_type\": \"purge\", \"ip_src\": \"" + "A".repeat(1 << 20) + "\"}")
            .getBytes(StandardCharsets.US_ASCII);
        case 3 -> concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, seed.getBytes(StandardCharsets.UTF_8));
        case 4 -> seed.replace("\"tcp\"", "\"t\u0000cp\"").getBytes(StandardCharsets.UTF_8);
        case 5 -> seed.replace("\"purge\"", "\"purge\", \"event_type\": \"purge_init\"").getBytes(StandardCharsets.UTF_8);
        case 6 -> splice(seed.getBytes(StandardCharsets.UTF_8), 3, 3, new byte[] {(byte) 0xC0, (byte) 0xAF});
        case 7 -> splice(seed.getBytes(StandardCharsets.UTF_8), 3, 3,
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}); // an encoded surrogate
        case 8 -> (seed + "\n").repeat(1 + r.nextInt(r.nextInt(64) == 0 ? 2_000 : 20))
            .getBytes(StandardCharsets.UTF_8);
        case 9 -> (seed + "\r\n \t\r\n" + seed + " garbage").getBytes(StandardCharsets.UTF_8);
        case 10 -> (seed + seed).getBytes(StandardCharsets.UTF_8); // two objects on one line
        default -> {
          byte[] noise = new byte[r.nextInt(4_096)];
          for (int i = 0; i < noise.length; i++) noise[i] = (byte) r.nextInt(256);
          yield noise;
        }
      };
    }

    /** At most 120 bytes of the input, escaped, with its size. */
    static String excerpt(byte[] b) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < Math.min(b.length, 120); i++) {
        int c = b[i] & 0xFF;
        s.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format(Locale.ROOT, "\\x%02x", c));
      }
      return "[" + b.length + " bytes] " + s;
    }

    private static byte[] slice(byte[] b, int from, int to) {
      return Arrays.copyOfRange(b, from, Math.max(from, to));
    }

    private static byte[] concat(byte[] a, byte[] b) {
      return splice(a, a.length, a.length, b);
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
      byte[] out = new byte[b.length - (to - from) + insert.length];
      System.arraycopy(b, 0, out, 0, from);
      System.arraycopy(insert, 0, out, from, insert.length);
      System.arraycopy(b, to, out, from + insert.length, b.length - to);
      return out;
    }
  }
}
