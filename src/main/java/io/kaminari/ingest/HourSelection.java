package io.kaminari.ingest;

import java.io.Serializable;
import java.util.Set;

/** Which flows a parse emits: those whose epoch hour is in {@code hours} ({@code inside}) or not in it. */
record HourSelection(Set<Long> hours, boolean inside) implements Serializable {
  /** Emits no flow. */
  static final HourSelection NONE = new HourSelection(Set.of(), true);

  HourSelection {
    hours = Set.copyOf(hours); // serializable, whatever view was given
  }

  boolean accepts(long hour) {
    return hours.contains(hour) == inside;
  }
}
