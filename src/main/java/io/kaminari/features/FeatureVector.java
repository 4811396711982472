package io.kaminari.features;

import java.util.List;

/**
 * One vector row: which spec laid it out, which window and scope key it describes, the window's totals and summary
 * (distinct sources, top talkers; see {@link WindowAccumulator}), and the values.
 *
 * <p>{@code values} is the array itself (no copy), so record equality on it is identity; compare with
 * {@code Arrays.equals}.
 *
 * @param busiestDstFlows flow records to the window's busiest destination address under {@link Scope#GLOBAL}, 0 under
 *     {@link Scope#DST_PREFIX} ({@link WindowAccumulator#busiestDstFlows()})
 * @param busiestPairFlows flow records from one source address to one destination address, of the window's busiest
 *     pair under {@link Scope#GLOBAL}, 0 under {@link Scope#DST_PREFIX} ({@link WindowAccumulator#busiestPairFlows()})
 * @param servicePorts the window's service ports under {@link Scope#GLOBAL}, increasing; null under
 *     {@link Scope#DST_PREFIX} ({@link WindowAccumulator#servicePorts()})
 * @param estimatedCounts how many of the row's distinct counts and top-talker lists are estimates
 *     ({@link WindowAccumulator#estimatedCounts()})
 */
public record FeatureVector(
    String specId, long windowStartMicros, String scopeKey, long flowCount, long packetCount, float[] values,
    long sources, List<String> topDstPrefixes, List<String> topSources, List<String> topDstPorts,
    int estimatedCounts, long busiestDstFlows, long busiestPairFlows, int[] servicePorts) {

  static FeatureVector of(WindowKey key, WindowAccumulator accumulator) {
    return new FeatureVector(accumulator.specId(), key.windowStartMicros(), key.scopeKey(),
        accumulator.flowCount(), accumulator.packetCount(), accumulator.toVector(), accumulator.sources(),
        accumulator.topDstPrefixes(), accumulator.topSources(), accumulator.topDstPorts(),
        accumulator.estimatedCounts(), accumulator.busiestDstFlows(),
        accumulator.busiestPairFlows(), accumulator.servicePorts());
  }
}
