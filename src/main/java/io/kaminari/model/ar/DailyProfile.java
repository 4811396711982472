package io.kaminari.model.ar;

/**
 * The arithmetic of the AR forecaster's time-of-day profile, shared by fitting ({@link ArFit}), the stored form's
 * validation ({@link ArModelFile}) and scoring ({@link ArForecaster}): how wide a bucket of the day is, and the
 * profile's level at a window. The profile itself is a series' median level per bucket (see {@link ArForecaster}).
 */
final class DailyProfile {
  private DailyProfile() {}

  /**
   * Width of a time-of-day bucket for {@code windows} present training windows: the narrowest multiple of the window
   * that divides the day and holds {@value ArForecaster#TARGET_BUCKET_WINDOWS} windows on average, so the profile gets
   * finer as training days accumulate (5-minute windows: an hour from one day, 20 minutes from three, 10 minutes from
   * a week).
   */
  static int bucketSeconds(int windowSeconds, int windows) {
    long target = Math.max(windowSeconds,
        (long) Math.ceil(ArForecaster.TARGET_BUCKET_WINDOWS * 86_400.0 / Math.max(windows, 1)));
    for (long b = (target + windowSeconds - 1) / windowSeconds * windowSeconds; b < 86_400; b += windowSeconds) {
      if (86_400 % b == 0) return (int) b;
    }
    return 86_400;
  }

  /** Whether {@code bucketSeconds} is a valid bucket width for windows of {@code windowSeconds}. */
  static boolean validBucket(int bucketSeconds, int windowSeconds) {
    return bucketSeconds > 0 && bucketSeconds % windowSeconds == 0 && 86_400 % bucketSeconds == 0;
  }

  /**
   * The profile at the centre of window {@code slot}: linear between the two nearest bucket centres, on the circle of
   * the day, so the profile is continuous, also across midnight. Fitting and scoring both read the profile here.
   */
  static double atSlot(double[] buckets, int bucketSeconds, int windowSeconds, int slot) {
    double u = (slot + 0.5) * windowSeconds / bucketSeconds - 0.5;
    double floor = Math.floor(u);
    double frac = u - floor;
    int b0 = Math.floorMod((int) floor, buckets.length);
    return buckets[b0] * (1 - frac) + buckets[(b0 + 1) % buckets.length] * frac;
  }
}
