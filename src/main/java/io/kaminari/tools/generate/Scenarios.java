package io.kaminari.tools.generate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Named traffic scenarios: the reproducible inputs of the demo, the benchmarks and the detection tests.
 *
 * <p>{@link #demo} is two days: a quiet first day to train on, and a second day with one attack of every kind at known
 * times, well apart, so each is its own labelled event.
 */
public final class Scenarios {
  private Scenarios() {}

  /** Start of the demo period (a Wednesday, so the diurnal curve is a working day's). */
  public static final Instant DEMO_START = Instant.parse("2024-05-01T00:00:00Z");

  /** The attacks of the demo's second day. */
  public static List<AttackSpec> demoAttacks() {
    Instant day2 = DEMO_START.plus(Duration.ofDays(1));
    return List.of(
        AttackSpec.synFlood(day2.plus(Duration.ofHours(3)), Duration.ofMinutes(10), "203.0.113.10", 20),
        AttackSpec.udpReflection(day2.plus(Duration.ofHours(9)), Duration.ofMinutes(10), "203.0.113.20", 53, 15),
        AttackSpec.udpReflection(day2.plus(Duration.ofHours(14)), Duration.ofMinutes(10), "203.0.113.30", 123, 10),
        AttackSpec.portScan(day2.plus(Duration.ofHours(19)), Duration.ofMinutes(10), "203.0.113.40", 20));
  }

  /** Two days of benign traffic ({@code flowsPerDay} a day) with {@link #demoAttacks()} on day two. */
  public static GeneratorConfig demo(long seed, long flowsPerDay) {
    return GeneratorConfig.of(seed, DEMO_START, Duration.ofDays(2), 2 * flowsPerDay).withAttacks(demoAttacks());
  }
}
