package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.time.Micros;
import io.kaminari.incidents.Mitigations.Exposure;
import io.kaminari.incidents.Mitigations.Proposal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The streaming scorer's exposure count of an incident's proposals, flow record by flow record: which period a record
 * counts in (by event time, half-open), which proposal's target it reaches, and whether the rule hits it, with bytes
 * per packet truncated as the flows table's check reads them.
 */
class ExposureTallyTest {
  static final Instant START = Instant.parse("2024-05-02T03:00:00Z");
  static final Instant LAST = START.plus(Duration.ofMinutes(10));
  static final Instant REFERENCE = START.minus(Duration.ofHours(1));

  @Test
  void countsEachRecordInItsPeriodForEveryProposalItReaches() {
    Incident incident = MitigationsTest.incident("global", "203.0.113.10/32", LAST, MitigationsTest.SYN,
        List.of("203.0.113.10 (100%)"));
    List<Proposal> proposals = Mitigations.proposals(incident);
    assertThat(proposals).extracting(Proposal::kind).containsExactly(Mitigations.Kind.RTBH, Mitigations.Kind.FLOWSPEC);
    ExposureTally tally = new ExposureTally(proposals, REFERENCE, START, LAST);
    String victim = "203.0.113.10";
    // In the incident: two SYN flood records and a benign HTTPS one.
    tally.add(at(START), victim, 6, 40000, 80, 2, 600, 10);
    tally.add(at(LAST.minusNanos(1000)), victim, 6, 40001, 80, 2, 400, 10);
    tally.add(at(START.plusSeconds(5)), victim, 6, 40002, 443, 24, 1500, 3);
    // In the reference hour: a web record whose flags hold SYN (the rule may hit it), one of ACK and PSH only, and one
    // without reported flags (it may hold anything).
    tally.add(at(REFERENCE), victim, 6, 50000, 80, 27, 5000, 10);
    tally.add(at(START.minusNanos(1000)), victim, 6, 50001, 80, 24, 5000, 10);
    tally.add(at(START.minusSeconds(1)), victim, 6, 50002, 80, 0, 600, 10);
    // Outside both periods, or to another address: not counted.
    tally.add(at(REFERENCE.minusNanos(1000)), victim, 6, 1, 80, 2, 600, 10);
    tally.add(at(LAST), victim, 6, 1, 80, 2, 600, 10);
    tally.add(at(START), "203.0.113.11", 6, 1, 80, 2, 600, 10);

    List<Exposure> e = tally.exposures();
    assertThat(e.get(0)).as("RTBH: every record to the address").isEqualTo(new Exposure(3, 3, 3, 3));
    assertThat(e.get(1)).as("Flowspec: tcp, port 80, SYN").isEqualTo(new Exposure(3, 2, 3, 2));
    assertThat(Mitigations.decide(proposals, e, MitigationsTest.options("discard", Mitigations.Format.BOTH, 0.7,
        List.of()))).extracting(Mitigations.Decision::allowed)
        .as("RTBH drops all 3 reference records, the rule 2 of 3, and 0.7 is allowed").containsExactly(false, true);
  }

  /** A reflection's rule matches packet lengths: bytes per packet truncate, and a record without packets reads 0. */
  @Test
  void packetLengthsAreTheTruncatedBytesPerPacket() {
    Incident incident = MitigationsTest.incident("global", "203.0.113.20/32", LAST, MitigationsTest.DNS,
        List.of("203.0.113.20 (100%)"));
    List<Proposal> proposals = Mitigations.proposals(incident);
    ExposureTally tally = new ExposureTally(proposals, REFERENCE, START, LAST);
    String victim = "203.0.113.20";
    tally.add(at(START), victim, 17, 53, 40000, 0, 15009, 10); // 1500.9: 1500, a hit
    tally.add(at(START), victim, 17, 53, 40001, 0, 13049, 10); // 1304.9: 1304, below 1305
    tally.add(at(START), victim, 17, 53, 40002, 0, 1400, 0); // no packets: 0
    tally.add(at(START), victim, 17, 5353, 40003, 0, 14000, 10); // another source port
    assertThat(tally.exposures().get(1)).isEqualTo(new Exposure(4, 1, 0, 0));
  }

  @Test
  void periodsOutOfOrderAreRefused() {
    assertThatThrownBy(() -> new ExposureTally(List.of(), START, REFERENCE, LAST))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reference start <= incident start");
  }

  private static long at(Instant t) {
    return Micros.of(t);
  }
}
