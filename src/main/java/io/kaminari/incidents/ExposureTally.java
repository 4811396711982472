package io.kaminari.incidents;

import io.kaminari.common.time.Micros;
import io.kaminari.incidents.Mitigations.Exposure;
import io.kaminari.incidents.Mitigations.Proposal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the {@link Exposure} of each of an incident's proposals flow record by flow record, for a caller that reads
 * the flows itself (the streaming scorer reads them back from its input topic, {@code MitigationRelay}); the batch
 * check counts the same from the flows table ({@code MitigationCheck}). A record counts by its event time: in the reference
 * period {@code [referenceFrom, incidentStart)} or in the incident's windows {@code [incidentStart, incidentTo)};
 * records outside both are ignored, so the caller may offer more than the two periods.
 */
public final class ExposureTally {
  private final List<Proposal> proposals;
  private final long referenceFrom;
  private final long incidentStart;
  private final long incidentTo;
  private final long[] incidentFlows;
  private final long[] incidentHits;
  private final long[] referenceFlows;
  private final long[] referenceHits;

  /** A tally for {@code proposals} of an incident over {@code [incidentStart, incidentTo)}. */
  public ExposureTally(List<Proposal> proposals, Instant referenceFrom, Instant incidentStart, Instant incidentTo) {
    if (referenceFrom.isAfter(incidentStart) || incidentStart.isAfter(incidentTo)) {
      throw new IllegalArgumentException("expected reference start <= incident start <= incident end, got "
          + referenceFrom + ", " + incidentStart + ", " + incidentTo);
    }
    this.proposals = List.copyOf(proposals);
    this.referenceFrom = Micros.of(referenceFrom);
    this.incidentStart = Micros.of(incidentStart);
    this.incidentTo = Micros.of(incidentTo);
    int n = proposals.size();
    incidentFlows = new long[n];
    incidentHits = new long[n];
    referenceFlows = new long[n];
    referenceHits = new long[n];
  }

  /**
   * Counts one flow record.
   *
   * @param eventTimeMicros its event time (epoch µs)
   * @param packets its packets as exported (0 when absent): with {@code bytes}, its bytes per packet
   */
  public void add(long eventTimeMicros, String dstIp, int protocol, int srcPort, int dstPort, int tcpFlags,
      long bytes, long packets) {
    boolean during = eventTimeMicros >= incidentStart && eventTimeMicros < incidentTo;
    if (!during && !(eventTimeMicros >= referenceFrom && eventTimeMicros < incidentStart)) return;
    int length = bytesPerPacket(bytes, packets);
    for (int i = 0; i < proposals.size(); i++) {
      Proposal p = proposals.get(i);
      if (!Victims.contains(p.target(), dstIp)) continue;
      boolean hit = p.mayHit(dstIp, protocol, srcPort, dstPort, tcpFlags, length);
      if (during) {
        incidentFlows[i]++;
        if (hit) incidentHits[i]++;
      } else {
        referenceFlows[i]++;
        if (hit) referenceHits[i]++;
      }
    }
  }

  /** The exposures so far, in the order of the proposals. */
  public List<Exposure> exposures() {
    List<Exposure> out = new ArrayList<>(proposals.size());
    for (int i = 0; i < proposals.size(); i++) {
      out.add(new Exposure(incidentFlows[i], incidentHits[i], referenceFlows[i], referenceHits[i]));
    }
    return out;
  }

  /**
   * Bytes per packet as the Flowspec packet-length match reads it: truncated, 0 for a record without packets (the
   * flows table's {@code CAST(bytes / packets AS INT)}).
   */
  static int bytesPerPacket(long bytes, long packets) {
    return packets > 0 ? (int) ((double) bytes / packets) : 0;
  }
}
