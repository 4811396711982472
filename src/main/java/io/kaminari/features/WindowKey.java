package io.kaminari.features;

import java.util.Comparator;

/** Identifies one accumulator: the window's start (epoch microseconds, UTC) and the scope key; ordered by time, then key. */
public record WindowKey(long windowStartMicros, String scopeKey) implements Comparable<WindowKey> {
  private static final Comparator<WindowKey> ORDER =
      Comparator.comparingLong(WindowKey::windowStartMicros).thenComparing(WindowKey::scopeKey);

  @Override
  public int compareTo(WindowKey other) {
    return ORDER.compare(this, other);
  }
}
