package io.kaminari.features;

/**
 * One vector row: which spec laid it out, which window and scope key it describes, the window's totals, and the values.
 *
 * <p>{@code values} is the array itself (no copy), so record equality on it is identity; compare with
 * {@code Arrays.equals}.
 */
public record FeatureVector(
    String specId, long windowStartMicros, String scopeKey, long flowCount, long packetCount, float[] values) {

  static FeatureVector of(WindowKey key, WindowAccumulator accumulator) {
    return new FeatureVector(accumulator.specId(), key.windowStartMicros(), key.scopeKey(),
        accumulator.flowCount(), accumulator.packetCount(), accumulator.toVector());
  }
}
