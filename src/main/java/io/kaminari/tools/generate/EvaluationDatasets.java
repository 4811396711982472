package io.kaminari.tools.generate;

import io.kaminari.features.Scope;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The datasets of the evaluation suite ({@code docs/evaluation.md}, "Datasets"), each a pure function of its constants
 * and seed: the generator sets, the real captures replayed into generated background, and the two scenarios built for
 * what a per-destination threshold cannot see. {@link #suite()} lists them in the results table's order;
 * {@link #small()} holds the reduced variants for a CI run.
 *
 * <p>Two-day sets start at {@link Scenarios#DEMO_START} and are trained on day one and tested on day two; the capture
 * sets are trained on day one too and tested on the first 12 hours of day two. Windows are one minute, except for the
 * demo's own five.
 */
public final class EvaluationDatasets {
  private EvaluationDatasets() {}

  static final Instant DAY1 = Scenarios.DEMO_START;
  static final Instant DAY2 = DAY1.plus(Duration.ofDays(1));
  static final Instant DAY3 = DAY1.plus(Duration.ofDays(2));
  static final Duration MINUTE = Duration.ofMinutes(1);
  static final List<Scope> GLOBAL = List.of(Scope.GLOBAL);

  /** Benign flow records per day of the two-day generator sets. */
  public static final long TWO_DAY_FLOWS_PER_DAY = 300_000;
  /** Benign flow records per day of the demo and of every other set (the demo's default). */
  public static final long FLOWS_PER_DAY = 150_000;
  /** Benign flow records per day of the small (CI) variants. */
  public static final long SMALL_FLOWS_PER_DAY = 50_000;
  /** The demo's seeds. */
  public static final List<Long> DEMO_SEEDS = List.of(7L, 42L, 123L);

  /** Start of the small contaminated set: noon, so its 12-hour training half is an afternoon and evening. */
  static final Instant SMALL_START = DAY1.plus(Duration.ofHours(12));

  /** Every dataset of the suite, in the results table's order. */
  public static List<EvaluationDataset> suite() {
    List<EvaluationDataset> all = new ArrayList<>();
    all.add(generatorTwoDays());
    all.add(contaminatedTraining());
    for (long seed : DEMO_SEEDS) {
      all.add(demo(seed));
    }
    all.add(ddosgrid());
    all.add(stopddos());
    all.add(lucidCicddos2019());
    all.add(savio());
    all.add(lowRateDistributed());
    all.add(portMixShift());
    return List.copyOf(all);
  }

  /** The reduced variants for a CI run: contaminated training and the demo's seeds, small. */
  public static List<EvaluationDataset> small() {
    List<EvaluationDataset> all = new ArrayList<>();
    all.add(contaminatedTrainingSmall());
    for (long seed : DEMO_SEEDS) {
      all.add(demoSmall(seed));
    }
    return List.copyOf(all);
  }

  /** The dataset of {@link #suite()} or {@link #small()} called {@code name}. */
  public static EvaluationDataset named(String name) {
    List<EvaluationDataset> all = Stream.concat(suite().stream(), small().stream()).toList();
    return all.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "no dataset called '" + name + "'; there are " + all.stream().map(EvaluationDataset::name).toList()));
  }

  private static EvaluationDataset twoDays(String name, String description, GeneratorConfig generator, Duration window,
      List<Scope> scopes) {
    return new EvaluationDataset(name, description, DAY1, DAY2, DAY2, DAY3, window, scopes, generator, List.of());
  }

  /**
   * (a) The two-day generator set: {@code kaminari generate --duration 2d --flows 600000 --demo-attacks --seed 42},
   * i.e. 300,000 benign flows a day and the demo's four attacks on day two.
   */
  public static EvaluationDataset generatorTwoDays() {
    return twoDays("generator-2d", "generator, two days, 300k benign flows/day, the demo's four attacks on day two",
        Scenarios.demo(42, TWO_DAY_FLOWS_PER_DAY), MINUTE, GLOBAL);
  }

  /**
   * (b) Contaminated training: {@link #generatorTwoDays()} with {@link #unlabelledAttacks} on day one (four floods and
   * a port scan) that the labels do not mention. A detector calibrated on day one calibrates on attacks too.
   */
  public static EvaluationDataset contaminatedTraining() {
    GeneratorConfig base = Scenarios.demo(42, TWO_DAY_FLOWS_PER_DAY);
    List<AttackSpec> attacks = new ArrayList<>(unlabelledAttacks(42, DAY1, DAY2, 4, base.benignHosts()));
    attacks.addAll(base.attacks());
    return twoDays("contaminated-training", "generator-2d plus four unlabelled floods and a port scan on the training"
        + " day", base.withAttacks(attacks), MINUTE, GLOBAL);
  }

  /**
   * (b, small) 24 hours from noon with 50,000 benign flows: three unlabelled floods and a scan in the training half,
   * and in the test half the four attack kinds for five minutes each at EvaluateIT's times and rates.
   */
  public static EvaluationDataset contaminatedTrainingSmall() {
    Instant test = DAY2;
    List<AttackSpec> attacks = new ArrayList<>(unlabelledAttacks(42, SMALL_START, test, 3,
        GeneratorConfig.DEFAULT_BENIGN_HOSTS));
    attacks.add(AttackSpec.synFlood(test.plus(Duration.ofHours(2)), Duration.ofMinutes(5), "203.0.113.10", 20));
    attacks.add(AttackSpec.udpReflection(test.plus(Duration.ofHours(5)), Duration.ofMinutes(5), "203.0.113.20", 53, 15));
    attacks.add(AttackSpec.udpReflection(test.plus(Duration.ofHours(8)), Duration.ofMinutes(5), "203.0.113.30", 123,
        10));
    attacks.add(AttackSpec.portScan(test.plus(Duration.ofHours(10)), Duration.ofMinutes(5), "203.0.113.40", 20));
    GeneratorConfig g = GeneratorConfig.of(42, SMALL_START, Duration.ofDays(1), SMALL_FLOWS_PER_DAY)
        .withAttacks(attacks);
    return new EvaluationDataset("contaminated-training-small", "small: 12 h training with three unlabelled floods and"
        + " a scan, 12 h test with four attacks, 50k benign flows", SMALL_START, test, test,
        test.plus(Duration.ofHours(12)), MINUTE, GLOBAL, g, List.of());
  }

  /**
   * (c) The demo scenario ({@link Scenarios#demo}, 150,000 benign flows a day) with {@code seed}, at the demo's
   * five-minute windows, as {@code kaminari demo} and DetectionIT run it.
   */
  public static EvaluationDataset demo(long seed) {
    return twoDays("demo-seed-" + seed, "the demo scenario, seed " + seed + ", 150k benign flows/day, 5-minute windows",
        Scenarios.demo(seed, FLOWS_PER_DAY), Duration.ofMinutes(5), GLOBAL);
  }

  /** (c, small) {@link #demo} with 50,000 benign flows a day. */
  public static EvaluationDataset demoSmall(long seed) {
    return twoDays("demo-seed-" + seed + "-small", "small: the demo scenario, seed " + seed
        + ", 50k benign flows/day, 5-minute windows", Scenarios.demo(seed, SMALL_FLOWS_PER_DAY), Duration.ofMinutes(5),
        GLOBAL);
  }

  /**
   * Attacks to hide in [from, to): {@code floods} SYN floods and reflections and one port scan, one per equal slot of
   * the range in a shuffled order, each 2-5 minutes at least 10 minutes inside its slot, on benign servers (so the
   * victims also carry benign traffic), all drawn from {@code seed}.
   *
   * <p>Parameters, from the DDoSDB fingerprints {@link AttackSpec} cites: a flood is a SYN flood on port 80 or 443 (the
   * 66,610-source pool of 39b684d5) or a reflection from port 53, 123 or 19 (the fingerprinted DNS, NTP and chargen
   * reflectors); durations of 2-5 minutes lie within the fingerprints' 30 s to 22 min. The fingerprints' own rates are
   * those of unsampled victim-side captures (at least 119-1,254 flows/s for the SYN floods, 234/s for DNS), far above
   * this generator's benign volume; the rates are therefore scaled as the demo's attacks are (10-20 flows/s), drawn
   * log-uniformly from 5 to 40 flows/s, half the demo's weakest to twice its strongest. The scan probes 10-30 ports/s.
   */
  public static List<AttackSpec> unlabelledAttacks(long seed, Instant from, Instant to, int floods, int benignHosts) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n = floods + 1;
    long slot = Duration.between(from, to).getSeconds() / n;
    if (floods < 0 || slot < 1_800) {
      throw new IllegalArgumentException("need floods >= 0 and at least 30 minutes per attack, got " + floods
          + " floods in " + Duration.between(from, to));
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int servers = BenignTraffic.serverCount(benignHosts);
    List<AttackSpec> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Duration duration = Duration.ofSeconds(120 + rng.nextInt(181));
      long latest = slot - 600 - duration.getSeconds();
      Instant start = from.plusSeconds(order[i] * slot + 600 + rng.nextLong(latest - 600 + 1));
      String victim = BenignTraffic.serverAddress(rng.nextInt(servers));
      if (i == floods) {
        out.add(AttackSpec.portScan(start, duration, victim, 10 + rng.nextInt(21)));
        continue;
      }
      double rate = Math.round(5 * Math.pow(8, rng.nextDouble()) * 10) / 10.0;
      if (rng.nextBoolean()) {
        out.add(AttackSpec.synFlood(start, duration, victim, rate).withPort(rng.nextBoolean() ? 80 : 443));
      } else {
        out.add(AttackSpec.udpReflection(start, duration, victim, new int[] {53, 123, 19}[rng.nextInt(3)], rate));
      }
    }
    out.sort(Comparator.comparing(AttackSpec::start));
    return List.copyOf(out);
  }

  /**
   * 36 hours of benign background from midnight (seed 7, {@link #FLOWS_PER_DAY} a day), trained on the whole first day
   * and tested on the next morning, with {@code copies} in the morning.
   *
   * <p>The training range is a whole day because that is what production trains on (the retrain DAG's range) and
   * because the autoencoder has no time-of-day input: trained on an afternoon and evening only, it flagged more than
   * half of the night's quiet windows (734-778 false alarms a day in the suite run of 2026-12-04, docs/evaluation.md).
   */
  private static EvaluationDataset captures(String name, String description, List<CaptureMix.Insertion> copies) {
    Duration span = Duration.ofHours(36);
    GeneratorConfig background = GeneratorConfig.of(7, DAY1, span, FLOWS_PER_DAY * span.toHours() / 24);
    return new EvaluationDataset(name, description, DAY1, DAY2, DAY2, DAY1.plus(span), MINUTE, GLOBAL, background,
        copies);
  }

  /** A copy of {@code capture} at {@code time} of the test day (e.g. {@code 01:00:15}), its victim re-addressed. */
  private static CaptureMix.Insertion at(Capture capture, String time, String victim) {
    return new CaptureMix.Insertion(capture, DAY2.plusSeconds(LocalTime.parse(time).toSecondOfDay()), victim);
  }

  /**
   * The ddosgrid SYN flood, three copies as in EvaluateIT (the third straddling a minute boundary: a two-window event
   * whose second window holds 7 of the 7,665 records), on benign server 192.0.2.21.
   */
  public static EvaluationDataset ddosgrid() {
    return captures("capture-ddosgrid", "real SYN flood (ddosgrid) x3 in 36 h of background, 150k benign flows",
        List.of(at(Capture.DDOSGRID_SYN_FLOOD, "01:00:10", "192.0.2.21"),
            at(Capture.DDOSGRID_SYN_FLOOD, "03:00:40", "192.0.2.21"),
            at(Capture.DDOSGRID_SYN_FLOOD, "04:59:55", "192.0.2.21")));
  }

  /** The six distinct StopDDoS vectors, 90 minutes apart, each on its own benign server. */
  public static EvaluationDataset stopddos() {
    return captures("capture-stopddos", "six real StopDDoS attacks (SYN flood, SYN-ACK reflection, DNS, SNMP, ISAKMP,"
        + " BACnet amplification) in 36 h of background",
        List.of(at(Capture.STOPDDOS_SYN_FLOOD, "01:00:15", "192.0.2.22"),
            at(Capture.STOPDDOS_SYNACK_REFLECTION, "02:30:15", "192.0.2.23"),
            at(Capture.STOPDDOS_DNS_AMPLIFICATION, "04:00:15", "192.0.2.24"),
            at(Capture.STOPDDOS_SNMP_AMPLIFICATION, "05:30:15", "192.0.2.25"),
            at(Capture.STOPDDOS_ISAKMP_AMPLIFICATION, "07:00:15", "192.0.2.26"),
            at(Capture.STOPDDOS_BACNET_AMPLIFICATION, "08:30:15", "192.0.2.27")));
  }

  /**
   * The two CIC-DDoS2019 excerpts of LUCID: the SYN flood, and the 26-minute web flood (two labelled events: no
   * record of it starts in its fifth minute).
   */
  public static EvaluationDataset lucidCicddos2019() {
    return captures("capture-lucid-cicddos2019", "real CIC-DDoS2019 SYN flood and web flood (LUCID excerpts) in 36 h of"
        + " background",
        List.of(at(Capture.LUCID_SYN_FLOOD, "02:00:15", "192.0.2.28"),
            at(Capture.LUCID_WEB_DDOS, "06:00:15", "192.0.2.29")));
  }

  /** The five single-attacker HTTP floods of the savio collection, two hours apart. */
  public static EvaluationDataset savio() {
    return captures("capture-savio", "five real lab HTTP floods (GoldenEye, GET, POST, Slowloris, HULK) in 36 h of"
        + " background",
        List.of(at(Capture.SAVIO_GOLDENEYE, "01:00:15", "192.0.2.30"),
            at(Capture.SAVIO_HTTP_GET_FLOOD, "03:00:15", "192.0.2.31"),
            at(Capture.SAVIO_HTTP_POST_FLOOD, "05:00:15", "192.0.2.32"),
            at(Capture.SAVIO_SLOWLORIS, "07:00:15", "192.0.2.33"),
            at(Capture.SAVIO_HULK, "09:00:15", "192.0.2.34")));
  }

  /**
   * (d) Low-rate attacks spread over many victims (carpet bombing), on two days of 150,000 benign flows a day; three
   * 15-minute attacks on day two:
   * <ul>
   *   <li>03:00, DNS reflection at 3 flows/s dealt to 128 hosts of the customer prefix 10.4.8.0/22;
   *   <li>11:00, SYN flood on port 443 at 4 flows/s dealt to 200 hosts of the hosting prefix 198.18.4.0/22;
   *   <li>20:00, NTP reflection at 1.5 flows/s dealt to 64 hosts of 10.2.8.0/23.
   * </ul>
   * Each host receives at most 2 flows (of at most 8, 3 and 100 packets) and 2 sources per minute. The busiest benign
   * destination of day one reaches 17 flows, 17 sources and 467 packets/s in a minute, so a per-destination threshold
   * calibrated on day one cannot fire, even where a victim also carries benign traffic (EvaluationDatasetsTest checks
   * it with the baseline's own calibration). The aggregate is another matter: 1.5-4 attack flows/s against 0.6-2.9
   * benign ones, from source ports 53 or 123, or to port 443 from 66,610 sources.
   */
  public static EvaluationDataset lowRateDistributed() {
    Duration d = Duration.ofMinutes(15);
    GeneratorConfig g = GeneratorConfig.of(42, DAY1, Duration.ofDays(2), 2 * FLOWS_PER_DAY).withAttacks(
        AttackSpec.carpetReflection(DAY2.plus(Duration.ofHours(3)), d, "10.4.8.0/22", 128, 53, 3),
        AttackSpec.carpetSynFlood(DAY2.plus(Duration.ofHours(11)), d, "198.18.4.0/22", 200, 443, 4),
        AttackSpec.carpetReflection(DAY2.plus(Duration.ofHours(20)), d, "10.2.8.0/23", 64, 123, 1.5));
    return twoDays("low-rate-distributed", "three carpet-bombing attacks (DNS, SYN/443, NTP) over 64-200 hosts each,"
        + " every host below the busiest benign destination; 150k benign flows/day", g, MINUTE,
        List.of(Scope.GLOBAL, Scope.DST_PREFIX));
  }

  /**
   * (e) A shift in port mix at constant volume, on two days of 150,000 benign flows a day: three 15-minute
   * {@link AttackSpec#portShift}s on day two move web sessions (TCP 80/443, any IPv4 server) to TCP 8443-8458, a port
   * family no benign flow uses, at 0.1, 0.3 and 0.5 records/s at 03:00, 10:00 and 20:00 (about a third of the web
   * records at those hours: 0.34, 0.89 and 1.44 a second). Constant volume means exactly: every record's addresses,
   * packets, bytes and times are those of the same seed without the shift, only ports differ, so the totals per window,
   * per destination and per source are unchanged (EvaluationDatasetsTest checks it record for record).
   */
  public static EvaluationDataset portMixShift() {
    Duration d = Duration.ofMinutes(15);
    GeneratorConfig g = GeneratorConfig.of(42, DAY1, Duration.ofDays(2), 2 * FLOWS_PER_DAY).withAttacks(
        AttackSpec.portShift(DAY2.plus(Duration.ofHours(3)), d, "0.0.0.0/0", 8443, 0.1),
        AttackSpec.portShift(DAY2.plus(Duration.ofHours(10)), d, "0.0.0.0/0", 8443, 0.3),
        AttackSpec.portShift(DAY2.plus(Duration.ofHours(20)), d, "0.0.0.0/0", 8443, 0.5));
    return twoDays("port-mix-shift", "a third of the web sessions moved to ports 8443-8458 for 15 minutes, three times;"
        + " volumes unchanged; 150k benign flows/day", g, MINUTE, GLOBAL);
  }
}
