package io.kaminari.tools.generate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What to generate: {@code benignFlows} benign flow records spread over [start, start + duration) along a diurnal
 * curve, plus the flow records of each attack (its rate times its duration), deterministically from {@code seed}.
 *
 * <p>Counting benign records rather than a peak rate makes "N flows over this period" exact whatever the period.
 * {@code benignHosts} is the number of client hosts (spread over four /16s); the server count follows from it.
 * {@code markers} brackets every purge with purge_init / purge_close records and {@code multiValues} packs that many
 * newline-separated objects into one message, like nfacctd's {@code kafka_markers} and {@code kafka_multi_values}.
 * Start with {@link #of} and adjust with the {@code with*} methods.
 */
public record GeneratorConfig(
    long seed,
    Instant start,
    Duration duration,
    long benignFlows,
    int benignHosts,
    List<AttackSpec> attacks,
    boolean markers,
    int multiValues) {

  /** Four /16s of clients, minus the network and broadcast address of each /24 inside them. */
  public static final int MAX_BENIGN_HOSTS = 4 * 256 * 254;
  public static final int DEFAULT_BENIGN_HOSTS = 10_000;
  public static final Duration MAX_DURATION = Duration.ofDays(366);

  public GeneratorConfig {
    Objects.requireNonNull(start, "start must not be null");
    Objects.requireNonNull(duration, "duration must not be null");
    Objects.requireNonNull(attacks, "attacks must not be null (use an empty list)");
    if (start.getNano() != 0) {
      throw new IllegalArgumentException("start must be a whole second, got " + start);
    }
    if (duration.isNegative() || duration.isZero() || duration.getNano() != 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("duration must be whole seconds, positive and at most " + MAX_DURATION
          + ", got " + duration);
    }
    if (benignFlows < 0) {
      throw new IllegalArgumentException("benignFlows must not be negative, got " + benignFlows);
    }
    if (benignHosts < 1 || benignHosts > MAX_BENIGN_HOSTS) {
      throw new IllegalArgumentException("benignHosts must be 1.." + MAX_BENIGN_HOSTS + ", got " + benignHosts);
    }
    if (multiValues < 1) {
      throw new IllegalArgumentException("multiValues (objects per message) must be at least 1, got " + multiValues);
    }
    attacks = List.copyOf(attacks);
    Instant end = start.plus(duration);
    for (AttackSpec attack : attacks) {
      if (attack.start().isBefore(start) || attack.end().isAfter(end)) {
        throw new IllegalArgumentException("attack " + attack.kind() + " on " + attack.victim() + " runs "
            + attack.start() + ".." + attack.end() + ", outside the generated period " + start + ".." + end);
      }
    }
  }

  /** Benign traffic only, from {@value #DEFAULT_BENIGN_HOSTS} hosts, one object per message, no markers. */
  public static GeneratorConfig of(long seed, Instant start, Duration duration, long benignFlows) {
    return new GeneratorConfig(seed, start, duration, benignFlows, DEFAULT_BENIGN_HOSTS, List.of(), false, 1);
  }

  public GeneratorConfig withBenignHosts(int benignHosts) {
    return new GeneratorConfig(seed, start, duration, benignFlows, benignHosts, attacks, markers, multiValues);
  }

  public GeneratorConfig withAttacks(List<AttackSpec> attacks) {
    return new GeneratorConfig(seed, start, duration, benignFlows, benignHosts, attacks, markers, multiValues);
  }

  public GeneratorConfig withAttacks(AttackSpec... attacks) {
    return withAttacks(List.of(attacks));
  }

  public GeneratorConfig withMarkers(boolean markers) {
    return new GeneratorConfig(seed, start, duration, benignFlows, benignHosts, attacks, markers, multiValues);
  }

  public GeneratorConfig withMultiValues(int multiValues) {
    return new GeneratorConfig(seed, start, duration, benignFlows, benignHosts, attacks, markers, multiValues);
  }

  public GeneratorConfig withSeed(long seed) {
    return new GeneratorConfig(seed, start, duration, benignFlows, benignHosts, attacks, markers, multiValues);
  }

  /** The end of the generated period, exclusive: no flow starts at or after it. */
  public Instant end() {
    return start.plus(duration);
  }
}
