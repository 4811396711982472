package io.kaminari.features;

import com.fasterxml.jackson.annotation.JsonValue;

/** What one feature vector describes within a window: the whole link, or one destination prefix. */
public enum Scope {
  /** The whole link: exactly one vector per window, all zeros when the window had no traffic. */
  GLOBAL("global"),
  /** One vector per destination prefix (IPv4 /24, IPv6 /64 by default) that had traffic in the window. */
  DST_PREFIX("dst-prefix");

  private final String jsonName;

  Scope(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The name used in spec JSON and in the spec id's canonical form. */
  @JsonValue
  public String jsonName() {
    return jsonName;
  }
}
