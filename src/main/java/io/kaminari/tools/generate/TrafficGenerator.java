package io.kaminari.tools.generate;

import io.kaminari.flow.Flow;
import io.kaminari.flow.PmacctParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates the pmacct JSON that nfacctd 1.7.x would publish for a configured mix of benign traffic and attacks,
 * byte-identical for equal configs, and writes it to a {@link FlowSink} in nondecreasing arrival order.
 *
 * <p>Time advances one second of timestamp_start at a time; each second's flows wait in an {@link ArrivalQueue} until
 * no later flow can arrive before them. Benign traffic and each attack draw from their own random streams, split from
 * the seed in a fixed order, so adding an attack leaves the benign records unchanged but for their
 * export_proto_seqno, which also counts the attack's export packets. A {@link AttackKind#PORT_SHIFT} is the exception by
 * design: it adds no records but reports some benign web sessions on other ports.
 */
public final class TrafficGenerator {
  private final GeneratorConfig config;

  public TrafficGenerator(GeneratorConfig config) {
    this.config = config;
  }

  /** Generates everything into {@code sink}; the caller owns and closes the sink. */
  public GenerationResult run(FlowSink sink) throws IOException {
    SplittableRandom root = new SplittableRandom(config.seed());
    SplittableRandom benignRng = root.split();
    List<AttackTraffic> attacks = new ArrayList<>();
    List<PortShift> shifts = new ArrayList<>();
    List<AttackTally> tallies = new ArrayList<>();
    for (AttackSpec spec : config.attacks()) {
      if (spec.kind() == AttackKind.PORT_SHIFT) {
        PortShift shift = new PortShift(spec, root.split());
        shifts.add(shift);
        tallies.add(shift.tally());
      } else {
        AttackTraffic attack = new AttackTraffic(spec, root.split());
        attacks.add(attack);
        tallies.add(attack.tally());
      }
    }
    BenignTraffic benign = new BenignTraffic(config, benignRng, shifts);
    long first = config.start().getEpochSecond();
    long end = config.end().getEpochSecond();
    ArrivalQueue queue = new ArrivalQueue(first);
    PmacctWriter writer = new PmacctWriter(sink, config.markers(), config.multiValues());
    for (long second = first; second < end; second++) {
      benign.generate(second, queue);
      for (AttackTraffic attack : attacks) {
        attack.generate(second, queue);
      }
      // Everything generated from now on starts at second + 1 or later, so it arrives after second + 1.
      queue.drainThrough(second + 1, writer);
    }
    queue.drainAll(writer);
    writer.finish();
    boolean any = writer.flows() > 0;
    return new GenerationResult(
        writer.flows(),
        writer.markers(),
        writer.messages(),
        tallies,
        any ? Instant.EPOCH.plus(writer.firstStartMicros(), ChronoUnit.MICROS) : null,
        any ? Instant.EPOCH.plus(writer.lastArrivalMicros(), ChronoUnit.MICROS) : null);
  }

  /**
   * The flows of {@code config} parsed back as the pipeline parses them (in memory, for tests and benchmarks that need
   * {@link Flow}s rather than JSON). Generated records always parse, so a reject is a generator bug and throws.
   */
  public static List<Flow> parsedFlows(GeneratorConfig config) {
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
        throw new IllegalStateException("the generator wrote a record the parser rejects (" + reason + "): " + rawObject);
      }
    };
    try {
      new TrafficGenerator(config).run(new FlowSink() {
        @Override
        public void accept(long arrivalEpochMillis, byte[] message) {
          parser.parse(message, arrivalEpochMillis * 1000, sink);
        }

        @Override
        public void close() {}
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
