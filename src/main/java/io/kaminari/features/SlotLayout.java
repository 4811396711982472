package io.kaminari.features;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A spec compiled for the per-flow hot path: port-to-slot lookups as small sorted arrays, and the spec id; one shared
 * instance per spec.
 *
 * <p>Memoised because a dst-prefix window can hold many thousands of accumulators and each would otherwise rebuild the
 * lookup and rehash the spec.
 */
final class SlotLayout implements Serializable {
  private static final ConcurrentHashMap<FeatureSpec, SlotLayout> CACHE = new ConcurrentHashMap<>();

  final FeatureSpec spec;
  final String specId;
  final int slotCount;
  final int featureCount;
  final boolean tracksOppositePorts;
  final boolean tracksSrcIps;
  final boolean tracksDstIps;
  private final int[] srcPortsSorted;
  private final int[] srcSlots;
  private final int srcOtherSlot;
  private final int[] dstPortsSorted;
  private final int[] dstSlots;
  private final int dstOtherSlot;

  private SlotLayout(FeatureSpec spec) {
    this.spec = spec;
    this.specId = spec.id();
    this.slotCount = spec.slotCount();
    this.featureCount = spec.features().size();
    this.tracksOppositePorts = spec.features().contains(PortFeature.OPPOSITE_PORTS);
    this.tracksSrcIps = spec.features().contains(PortFeature.DISTINCT_SRC_IPS);
    this.tracksDstIps = spec.features().contains(PortFeature.DISTINCT_DST_IPS);
    int bucket = spec.otherBuckets() ? 1 : 0;
    int nSrc = spec.srcPorts().size();
    this.srcPortsSorted = sortedPorts(spec.srcPorts());
    this.srcSlots = slotsOf(spec.srcPorts(), srcPortsSorted, 0);
    this.srcOtherSlot = bucket == 1 ? nSrc : -1;
    int dstBase = nSrc + bucket;
    this.dstPortsSorted = sortedPorts(spec.dstPorts());
    this.dstSlots = slotsOf(spec.dstPorts(), dstPortsSorted, dstBase);
    this.dstOtherSlot = bucket == 1 ? dstBase + spec.dstPorts().size() : -1;
  }

  static SlotLayout of(FeatureSpec spec) {
    return CACHE.computeIfAbsent(spec, SlotLayout::new);
  }

  /** The slot of a source port, or -1 when the port is not listed and there is no "other" bucket. */
  int srcSlot(int port) {
    int i = Arrays.binarySearch(srcPortsSorted, port);
    return i >= 0 ? srcSlots[i] : srcOtherSlot;
  }

  /** The slot of a destination port, or -1 when the port is not listed and there is no "other" bucket. */
  int dstSlot(int port) {
    int i = Arrays.binarySearch(dstPortsSorted, port);
    return i >= 0 ? dstSlots[i] : dstOtherSlot;
  }

  private static int[] sortedPorts(List<Integer> ports) {
    return ports.stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  /** For each sorted port, its slot: base + its position in the spec's (unsorted) list. */
  private static int[] slotsOf(List<Integer> ports, int[] sorted, int base) {
    int[] slots = new int[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      slots[i] = base + ports.indexOf(sorted[i]);
    }
    return slots;
  }
}
