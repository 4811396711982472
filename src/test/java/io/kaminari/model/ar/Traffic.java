package io.kaminari.model.ar;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic per-window series shaped like a scope's: three totals (packets/s, flows/s, distinct sources) and a number
 * of port series, all following a residential diurnal curve (the traffic generator's: trough around 05:00, peak around
 * 21:00, 5× apart) with autocorrelated multiplicative noise; every third port is intermittent (idle in most windows,
 * small bursts otherwise). Windows are produced in time order, so a "fresh day" continues the same noise processes.
 */
final class Traffic {
  /** A Wednesday midnight, UTC. */
  static final long DAY0 = micros(Instant.parse("2024-05-01T00:00:00Z"));
  static final long DAY = 86_400_000_000L;
  static final int TOTALS = 3;

  /** Relative traffic per hour of the day, linear in between (BenignTraffic's curve). */
  static final double[] HOURLY = {
      0.55, 0.42, 0.32, 0.25, 0.21, 0.20, 0.24, 0.33, 0.45, 0.55, 0.60, 0.63,
      0.66, 0.66, 0.66, 0.68, 0.72, 0.78, 0.85, 0.93, 0.98, 1.00, 0.92, 0.75};

  final int windowSeconds;
  final int ports;
  final double noise;
  final boolean diurnal;
  private final SplittableRandom random;
  private final double[] base;
  private final double[] state;
  private final double phi = 0.6;

  Traffic(int windowSeconds, int ports, double noise, boolean diurnal, long seed) {
    this.windowSeconds = windowSeconds;
    this.ports = ports;
    this.noise = noise;
    this.diurnal = diurnal;
    this.random = new SplittableRandom(seed);
    int m = TOTALS + ports;
    base = new double[m];
    state = new double[m];
    base[0] = 5000;
    base[1] = 500;
    base[2] = 300;
    for (int i = TOTALS; i < m; i++) {
      base[i] = 20 + random.nextDouble() * 480;
    }
  }

  static List<String> names(int ports) {
    List<String> n = new ArrayList<>(List.of("total pps", "total flows/s", "distinct sources"));
    for (int k = 0; k < ports; k++) {
      n.add("port " + k + " pps");
    }
    return n;
  }

  List<String> names() {
    return names(ports);
  }

  static boolean intermittent(int series) {
    return series >= TOTALS && (series - TOTALS) % 3 == 2;
  }

  /** The relative diurnal level at the centre of the window starting at {@code startMicros}. */
  double curve(long startMicros) {
    if (!diurnal) return 1;
    double hour = (Math.floorMod(startMicros, DAY) / 1e6 + windowSeconds / 2.0) / 3600.0;
    int h = (int) hour;
    double frac = hour - h;
    return HOURLY[h % 24] * (1 - frac) + HOURLY[(h + 1) % 24] * frac;
  }

  /** The next window's raw values. */
  float[] next(long startMicros) {
    float[] v = new float[base.length];
    double c = curve(startMicros);
    for (int i = 0; i < v.length; i++) {
      state[i] = phi * state[i] + noise * random.nextGaussian();
      if (intermittent(i)) {
        v[i] = random.nextDouble() < 0.9 ? 0f : (float) (1 + 6 * random.nextDouble());
      } else {
        v[i] = (float) (base[i] * c * Math.exp(state[i]));
      }
    }
    return v;
  }

  /** {@code windows} consecutive windows from {@code fromMicros} into a training series. */
  ArTrainingSeries series(long fromMicros, int windows) {
    ArTrainingSeries s = new ArTrainingSeries(windowSeconds, names());
    for (int t = 0; t < windows; t++) {
      long start = fromMicros + t * windowMicros();
      s.add(start, next(start));
    }
    return s;
  }

  long windowMicros() {
    return windowSeconds * 1_000_000L;
  }

  static long micros(Instant i) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, i);
  }
}
