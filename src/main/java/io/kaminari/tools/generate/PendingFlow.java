package io.kaminari.tools.generate;

import java.util.SplittableRandom;

/**
 * One generated flow record waiting in the {@link ArrivalQueue} to be written; instances are pooled and refilled, so
 * every field is set by whoever fills it.
 *
 * <p>An address is either precomputed text ({@code srcText}/{@code dstText}) or, when that is null, an IPv4 int, so
 * spoofed attack sources need no String per flow.
 */
final class PendingFlow {
  static final byte[] TCP = {'t', 'c', 'p'};
  static final byte[] UDP = {'u', 'd', 'p'};
  static final byte[] ICMP = {'i', 'c', 'm', 'p'};

  /** The exporter's active timeout: it never reports a flow longer than this. */
  static final long ACTIVE_TIMEOUT_MILLIS = 60_000;

  long startMicros;
  long endMicros;
  long exportSecond;
  long arrivalMicros;
  byte[] srcText;
  byte[] dstText;
  int srcV4;
  int dstV4;
  int portSrc;
  int portDst;
  int tcpFlags;
  byte[] proto;
  long packets;
  long bytes;
  int exporter;

  /**
   * Sets start and end (milliseconds, as NetFlow v9 reports them), then the export and arrival times.
   *
   * <p>The exporter sends a flow 1-4 s after it ends (inactive timeout and export batching); the v9 header carries
   * whole seconds, and the packet reaches the collector 1-20 ms later. Arrival is therefore always at least one
   * second after the start second, which is what lets {@link ArrivalQueue} drain a second as soon as the generator
   * has moved past it.
   */
  void setTimes(long startMillis, long durationMillis, SplittableRandom rng) {
    long duration = Math.min(durationMillis, ACTIVE_TIMEOUT_MILLIS);
    startMicros = startMillis * 1000;
    endMicros = (startMillis + duration) * 1000;
    exportSecond = Math.floorDiv(endMicros + (1000 + rng.nextInt(3000)) * 1000L, 1_000_000L);
    arrivalMicros = exportSecond * 1_000_000L + 1000 + rng.nextInt(19_000);
  }
}
