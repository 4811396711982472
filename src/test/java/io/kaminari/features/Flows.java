package io.kaminari.features;

import io.kaminari.flow.Flow;

/** Builds test flows with only the columns the featurizer reads. */
public final class Flows {
  public static final int TCP = 6;
  public static final int UDP = 17;
  public static final int ICMP = 1;

  private Flows() {}

  public static Flow flow(long eventTimeMicros, String ipSrc, String ipDst, int portSrc, int portDst, int proto, long packets,
      long bytes, Long samplingRate) {
    return new Flow("purge", "203.0.113.1", ipSrc, ipDst, portSrc, portDst, proto, null, null, packets, bytes, null,
        eventTimeMicros, null, null, null, null, null, null, null, samplingRate, null, null, null, null, eventTimeMicros,
        null);
  }

  public static Flow flow(long eventTimeMicros, String ipDst, int portSrc, int portDst, long packets) {
    return flow(eventTimeMicros, "198.51.100.1", ipDst, portSrc, portDst, TCP, packets, packets * 100, null);
  }
}
