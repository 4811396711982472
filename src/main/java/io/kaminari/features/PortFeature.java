package io.kaminari.features;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One per-port quantity of a feature vector; a spec lists which of them each port slot holds, and in what order.
 *
 * <p>"Per port" means over the flows whose source port (for a source slot) or destination port (for a destination
 * slot) is that port. Rates are per second of window length, scaled by the sampling rate; distinct counts are exact
 * over the whole window.
 */
public enum PortFeature {
  /** Packets per second, scaled by the sampling rate. */
  PPS("pps"),
  /** Distinct ports at the other end: destination ports for a source slot, source ports for a destination slot. */
  OPPOSITE_PORTS("opposite_ports"),
  /** Bytes (not bits) per second, scaled by the sampling rate. */
  BPS("bytes_per_s"),
  /** Flow records per second, unscaled: sampling thins packets, not flows, so scaling would overstate them. */
  FLOWS_PER_S("flows_per_s"),
  /** Distinct source IP addresses. */
  DISTINCT_SRC_IPS("distinct_src_ips"),
  /** Distinct destination IP addresses. */
  DISTINCT_DST_IPS("distinct_dst_ips");

  private final String jsonName;

  PortFeature(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The name used in spec JSON and in the spec id's canonical form. */
  @JsonValue
  public String jsonName() {
    return jsonName;
  }

  /** Whether it measures traffic volume (packets or bytes) rather than breadth (flows, distinct ports or addresses). */
  public boolean isVolume() {
    return this == PPS || this == BPS;
  }

  /** The feature whose {@link #slotLabel} (of either side) is {@code label}, or null if none. */
  public static PortFeature ofSlotLabel(String label) {
    for (PortFeature f : values()) {
      if (f.slotLabel(true).equals(label) || f.slotLabel(false).equals(label)) return f;
    }
    return null;
  }

  /** The column-name suffix of this feature in a slot of the given side ("dst_ports" for a source slot's opposite ports). */
  String slotLabel(boolean sourceSide) {
    return switch (this) {
      case PPS -> "pps";
      case OPPOSITE_PORTS -> sourceSide ? "dst_ports" : "src_ports";
      case BPS -> "bytes_per_s";
      case FLOWS_PER_S -> "flows_per_s";
      case DISTINCT_SRC_IPS -> "src_ips";
      case DISTINCT_DST_IPS -> "dst_ips";
    };
  }
}
