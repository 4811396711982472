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

  /** The scope named {@code name} ({@code global} or {@code dst-prefix}), with a clear error for anything else. */
  public static Scope parse(String name) {
    for (Scope s : values()) {
      if (s.jsonName.equals(name)) return s;
    }
    throw new IllegalArgumentException("scope must be global or dst-prefix, got '" + name + "'");
  }

  /** The name used in spec JSON and in the spec id's canonical form. */
  @JsonValue
  public String jsonName() {
    return jsonName;
  }
}
