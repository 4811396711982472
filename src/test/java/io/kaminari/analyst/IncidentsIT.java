package io.kaminari.analyst;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.cli.Main;
import io.kaminari.common.Columns;
import io.kaminari.common.Settings;
import io.kaminari.incidents.AttackVector;
import io.kaminari.flow.FlowSchema;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.IncidentSpan;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.spark.IncidentRows;
import io.kaminari.incidents.spark.MitigationCheck;
import io.kaminari.incidents.spark.IncidentsJob;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.Gobgpd;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.generate.AttackKind;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.Scenarios;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code score -> incidents -> mitigate} on the demo's data ({@link AnalystData}: the demo scenario, flow-ae v1
 * trained on day one and scoring day two, then {@link IncidentsJob} over day two): the labelled SYN flood and DNS
 * reflection each become an incident whose victim and vector are the attack's, a rerun and a recompute of one hour
 * leave the table identical, {@code kaminari mitigate} prints the SYN flood's rules, and {@code kaminari report} lists
 * the incidents.
 */
class IncidentsIT {
  private static SparkSession spark;

  @BeforeAll
  static void data() throws Exception {
    spark = AnalystData.build();
  }

  private static List<Row> table() {
    return spark.table(Warehouse.INCIDENTS).orderBy(Columns.INCIDENT_ID).collectAsList();
  }

  /** The incident of {@code attack}: the one starting in its first window whose top destination is its victim. */
  private static Incident of(List<Incident> incidents, AttackSpec attack) {
    return incidents.stream()
        .filter(i -> !i.start().isBefore(attack.start().minus(Duration.ofMinutes(5)))
            && i.start().isBefore(attack.start().plus(attack.duration())))
        .filter(i -> !i.topDestinations().isEmpty() && i.topDestinations().get(0).startsWith(attack.victim() + " "))
        .findFirst().orElseThrow(() -> new AssertionError("no incident for " + attack.kind() + " on "
            + attack.victim() + " among " + incidents.stream().map(IncidentsJob::line).toList()));
  }

  @Test
  void findsTheAttacksVictimsAndVectorsAndARerunIsIdentical() throws Exception {
    List<Row> before = table();
    List<Incident> incidents = before.stream().map(IncidentRows::fromRow).toList();
    incidents.forEach(i -> System.out.println(IncidentsJob.line(i)));

    AttackSpec syn = Scenarios.demoAttacks().stream().filter(a -> a.kind() == AttackKind.SYN_FLOOD).findFirst()
        .orElseThrow();
    Incident flood = of(incidents, syn);
    assertThat(flood.victim()).isEqualTo("203.0.113.0/24");
    assertThat(flood.span().scope()).isEqualTo("global");
    assertThat(flood.vector().protocols()).containsExactly(AttackVector.TCP);
    assertThat(flood.vector().dstPorts()).containsExactly(80);
    assertThat(flood.vector().tcpFlags()).as("SYN only").isEqualTo(2);
    assertThat(flood.vector().share()).isGreaterThan(0.9);
    assertThat(flood.span().end()).as("closed within day two").isNotNull();
    assertThat(flood.peakPps()).isPositive();
    assertThat(flood.sources()).as("spoofed sources").isGreaterThan(100);
    assertThat(flood.topSourceAsns()).as("the generator's flows carry no as_src").isEmpty();

    AttackSpec dns = Scenarios.demoAttacks().stream()
        .filter(a -> a.kind() == AttackKind.UDP_REFLECTION && a.port() == 53).findFirst().orElseThrow();
    Incident reflection = of(incidents, dns);
    assertThat(reflection.vector().protocols()).containsExactly(AttackVector.UDP);
    assertThat(reflection.vector().reflectedSrcPorts()).containsExactly(53);
    assertThat(reflection.vector().dstPorts()).as("random victim ports").isEmpty();
    assertThat(reflection.vector().packetLengthMin()).isGreaterThan(1000);

    // Rerun of the day, then a recompute of the SYN flood's hour alone: identical rows, the same ids.
    new IncidentsJob(spark, AnalystData.incidents(AnalystData.DAY2, AnalystData.END)).run();
    assertThat(table()).isEqualTo(before);
    java.time.Instant hour = syn.start().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    IncidentsJob.Result one = new IncidentsJob(spark, AnalystData.incidents(hour, hour.plus(Duration.ofHours(1))))
        .run();
    assertThat(one.incidents()).extracting(Incident::id).contains(flood.id());
    assertThat(table()).isEqualTo(before);

    Run run = mitigate("--incident", flood.id());
    String text = run.out();
    assertThat(run.code()).isZero();
    // The flood's address also received a benign flow in the hour before: blackholing it is refused (1% default).
    assertThat(text).contains("NOTHING HAS BEEN ANNOUNCED")
        .contains("# REFUSED: it would drop ").doesNotContain("exabgp: announce route 203.0.113.10/32")
        .contains("announce flow route { match { destination 203.0.113.10/32; protocol =tcp; destination-port =80;"
            + " tcp-flags syn&!ack; } then { discard; } }")
        .contains("gobgp global rib -a ipv4-flowspec add match destination 203.0.113.10/32 protocol tcp");
    assertThat(spark.table(Warehouse.INCIDENTS).where(col(Columns.INCIDENT_ID).equalTo(flood.id())).count())
        .isEqualTo(1);
  }

  @Test
  void theReportListsTheIncidentsOfItsPeriod() throws Exception {
    java.nio.file.Path out =
        java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "incidents-report-");
    assertThat(Main.run("report", "--home", TestSpark.config().get(Settings.HOME), "--from", "2024-05-02T00",
        "--to", "2024-05-03T00", "--out", out.toString())).isZero();
    String html = java.nio.file.Files.readString(out.resolve(ReportJob.FILE_NAME));
    List<String> ids = table().stream().map(r -> r.<String>getAs(Columns.INCIDENT_ID)).toList();
    assertThat(ids).isNotEmpty();
    assertThat(html).contains("<h2>Incidents</h2>", "<table id=\"incidents\">").contains(ids)
        .contains("tcp dst port 80 flags SYN");
  }

  /** The exit code and stdout of a {@code kaminari mitigate} run. */
  record Run(int code, String out) {}

  private static Run mitigate(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      List<String> all = new java.util.ArrayList<>(List.of("mitigate", "--home",
          TestSpark.config().get(Settings.HOME)));
      all.addAll(List.of(args));
      code = Main.run(all.toArray(String[]::new));
    } finally {
      System.setOut(old);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    return new Run(code, text);
  }

  static final Mitigations.Options OPTIONS = new Mitigations.Options("192.0.2.1", "100::1", "discard",
      Mitigations.Format.BOTH, 0.01, List.of(), Duration.ofHours(1));

  /**
   * The flows of {@code [from, to)} a proposal hits, as MitigationCheck judges a flow (nulls as 0, bytes per packet as
   * the integer quotient).
   */
  private static List<Row> hits(Mitigations.Proposal p, java.time.Instant from, java.time.Instant to) {
    return spark.table(Warehouse.FLOWS)
        .where(col(FlowSchema.EVENT_TIME).geq(lit(from)).and(col(FlowSchema.EVENT_TIME).lt(lit(to))))
        .filter((FilterFunction<Row>) r -> {
          long packets = r.isNullAt(r.fieldIndex(FlowSchema.PACKETS)) ? 0 : r.<Long>getAs(FlowSchema.PACKETS);
          long bytes = r.isNullAt(r.fieldIndex(FlowSchema.BYTES)) ? 0 : r.<Long>getAs(FlowSchema.BYTES);
          return p.mayHit(r.getAs(FlowSchema.IP_DST), orZero(r, FlowSchema.IP_PROTO), orZero(r, FlowSchema.PORT_SRC),
              orZero(r, FlowSchema.PORT_DST), orZero(r, FlowSchema.TCP_FLAGS),
              packets > 0 ? (int) (bytes / packets) : 0);
        }).collectAsList();
  }

  private static int orZero(Row r, String column) {
    return r.isNullAt(r.fieldIndex(column)) ? 0 : r.<Integer>getAs(column);
  }

  @Test
  void everyRuleHitsAllOfItsAttacksFlowsAndNoBenignFlowAroundTheIncident() throws Exception {
    List<Incident> incidents = table().stream().map(IncidentRows::fromRow).toList();
    for (AttackSpec attack : Scenarios.demoAttacks().stream().filter(a -> a.kind() == AttackKind.SYN_FLOOD
        || (a.kind() == AttackKind.UDP_REFLECTION && a.port() == 53)).toList()) {
      Incident incident = of(incidents, attack);
      List<Mitigations.Decision> decisions = MitigationCheck.decisions(spark, incident, OPTIONS);
      assertThat(decisions).extracting(d -> d.proposal().kind()).as(attack.kind().toString())
          .containsExactly(Mitigations.Kind.RTBH, Mitigations.Kind.FLOWSPEC);
      long attackFlows = spark.table(Warehouse.FLOWS).where(col(FlowSchema.IP_DST).equalTo(attack.victim())
          .and(col(FlowSchema.EVENT_TIME).geq(lit(attack.start())))
          .and(col(FlowSchema.EVENT_TIME).lt(lit(attack.start().plus(attack.duration()))))).count();
      assertThat(attackFlows).isPositive();
      // The Flowspec rule: every flow it hits in the incident's windows and the hour before is an attack flow, and it
      // hits every one of them. (Over the whole day it also hits one benign connection to port 80 of the address,
      // outside that span: its opening SYN would match syn&!ack.)
      java.time.Instant from = incident.start().minus(Duration.ofHours(1));
      java.time.Instant to = incident.span().lastUpdate();
      assertThat(to).isAfterOrEqualTo(attack.start().plus(attack.duration()));
      Mitigations.Decision rule = decisions.get(1);
      assertThat(rule.allowed()).as(rule.toString()).isTrue();
      assertThat(rule.exposure().referenceHits()).isZero();
      assertThat(hits(rule.proposal(), from, to)).as(rule.proposal().toString()).hasSize((int) attackFlows).allSatisfy(r -> {
        assertThat(r.<String>getAs(FlowSchema.IP_DST)).isEqualTo(attack.victim());
        assertThat(r.<java.time.Instant>getAs(FlowSchema.EVENT_TIME))
            .isBetween(attack.start(), attack.start().plus(attack.duration()));
      });
      // The RTBH route hits everything to the address: the attack, and the benign flows the generator sends to it
      // (203.0.113.0/24 is one of its server prefixes). Those of the reference hour decide it.
      Mitigations.Decision route = decisions.get(0);
      long before = spark.table(Warehouse.FLOWS).where(col(FlowSchema.IP_DST).equalTo(attack.victim())
          .and(col(FlowSchema.EVENT_TIME).geq(lit(incident.start().minus(Duration.ofHours(1)))))
          .and(col(FlowSchema.EVENT_TIME).lt(lit(incident.start())))).count();
      assertThat(route.exposure().referenceHits()).as(route.toString()).isEqualTo(before);
      assertThat(route.allowed()).as(route.toString()).isEqualTo(route.exposure().referenceShare() <= 0.01);
      java.time.Instant end = attack.start().plus(attack.duration());
      assertThat(hits(route.proposal(), attack.start(), end)).as("every attack flow").hasSize((int) attackFlows);
    }
  }

  @Test
  void aRuleForABenignDestinationsOwnTrafficIsRefused() {
    // The busiest benign destination, protocol and port of one hour of day two: a "victim" whose reference hour is
    // its own ordinary traffic.
    java.time.Instant hour = AnalystData.DAY2.plus(Duration.ofHours(14));
    Row busiest = spark.table(Warehouse.FLOWS)
        .where(col(FlowSchema.EVENT_TIME).geq(lit(hour)).and(col(FlowSchema.EVENT_TIME)
            .lt(lit(hour.plus(Duration.ofHours(1))))).and(col(FlowSchema.IP_DST).startsWith("203.0.113.").unary_$bang()))
        .groupBy(FlowSchema.IP_DST, FlowSchema.IP_PROTO, FlowSchema.PORT_DST).count()
        .orderBy(col("count").desc(), col(FlowSchema.IP_DST)).first();
    assertThat(busiest.getLong(3)).as("flows in the reference hour").isGreaterThanOrEqualTo(5);
    String host = busiest.getString(0) + "/32";
    java.time.Instant start = hour.plus(Duration.ofHours(1));
    IncidentSpan span = new IncidentSpan("00000000000000aa", "flow-ae", "dst-prefix", host, start,
        start.plus(Duration.ofMinutes(10)), null, 2, 3.0, 300, true);
    Incident incident = new Incident(span, 1, 10, 10_000, 1, 10, 10_000, 10,
        new AttackVector(List.of(busiest.getInt(1)), List.of(busiest.getInt(2)), List.of(), null, null, null, 0.9),
        List.of(), 1, List.of(), List.of(busiest.getString(0) + " (100%)"));

    List<Mitigations.Decision> decisions = MitigationCheck.decisions(spark, incident, OPTIONS);
    assertThat(decisions).hasSize(2).allSatisfy(d -> {
      assertThat(d.exposure().referenceHits()).isGreaterThanOrEqualTo(busiest.getLong(3));
      assertThat(d.refusal()).as(d.proposal().toString()).contains("more than mitigation.max-benign-share 1.0%");
    });
    Mitigations.Options rateLimit = new Mitigations.Options("192.0.2.1", "100::1", "rate-limit:1000",
        Mitigations.Format.BOTH, 0.01, List.of(), Duration.ofHours(1));
    assertThat(MitigationCheck.decisions(spark, incident, rateLimit)).extracting(Mitigations.Decision::allowed)
        .as("RTBH still drops; a rate limit only throttles").containsExactly(false, true);
  }

  @Test
  void announceWritesOnlyTheAllowedProposalsToExabgpsPipe() throws Exception {
    Incident flood = of(table().stream().map(IncidentRows::fromRow).toList(), Scenarios.demoAttacks().stream()
        .filter(a -> a.kind() == AttackKind.SYN_FLOOD).findFirst().orElseThrow());
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "exabgp-");
    java.nio.file.Path pipe = dir.resolve("exabgp.in");
    assertThat(new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start().waitFor()).isZero();
    java.util.concurrent.CompletableFuture<String> exabgp = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return java.nio.file.Files.readString(pipe);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Run run = mitigate("--incident", flood.id(), "--format", "exabgp", "-D", "mitigation.mode=announce",
        "-D", "mitigation.exabgp-pipe=" + pipe, "-D", "mitigation.never-blackhole=203.0.113.0/24");
    assertThat(run.code()).isZero();
    String read = exabgp.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(run.out()).contains("# REFUSED: 203.0.113.10/32 lies in 203.0.113.0/24, which"
        + " mitigation.never-blackhole protects.")
        .contains("# ANNOUNCED 1 route(s) through ExaBGP's pipe " + pipe + " (1 refused).")
        .doesNotContain("NOTHING HAS BEEN ANNOUNCED");
    List<String> printed = run.out().lines().filter(l -> l.startsWith("exabgp: ")).map(l -> l.substring(8)).toList();
    assertThat(printed).hasSize(1);
    assertThat(read).isEqualTo(printed.get(0) + "\n").startsWith("announce flow route { match { destination"
        + " 203.0.113.10/32; protocol =tcp; destination-port =80; tcp-flags syn&!ack; }");

    // Announce without a pipe is refused before anything runs.
    assertThat(mitigate("--incident", flood.id(), "-D", "mitigation.mode=announce").code()).isNotZero();
  }

  @Test
  void announceAddsOnlyTheAllowedProposalsToGobgp() throws Exception {
    Incident flood = of(table().stream().map(IncidentRows::fromRow).toList(), Scenarios.demoAttacks().stream()
        .filter(a -> a.kind() == AttackKind.SYN_FLOOD).findFirst().orElseThrow());
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "gobgp-");
    try (Gobgpd gobgpd = Gobgpd.start(dir)) {
      Run run = mitigate("--incident", flood.id(), "--format", "gobgp", "-D", "mitigation.mode=announce",
          "-D", "mitigation.gobgp-api=" + gobgpd.address(), "-D", "mitigation.never-blackhole=203.0.113.0/24");
      assertThat(run.code()).as(run.out()).isZero();
      assertThat(run.out()).contains("sent to GoBGP's API at " + gobgpd.address())
          .contains("# ANNOUNCED 1 route(s) through GoBGP's API at " + gobgpd.address() + " (1 refused).");
      assertThat(gobgpd.rib("ipv4")).as("the RTBH route was refused").doesNotContain("203.0.113.10/32");
      assertThat(gobgpd.rib("ipv4-flowspec")).contains("[destination: 203.0.113.10/32][protocol: ==tcp]"
          + "[destination-port: ==80][tcp-flags: S&!A]").contains("{Extcomms: [discard]}");

      // Both targets, or an address that is not host:port, are refused before anything runs.
      assertThat(mitigate("--incident", flood.id(), "-D", "mitigation.mode=announce", "-D",
          "mitigation.gobgp-api=" + gobgpd.address(), "-D", "mitigation.exabgp-pipe=" + dir.resolve("p")).code())
          .isNotZero();
      assertThat(mitigate("--incident", flood.id(), "-D", "mitigation.mode=announce", "-D",
          "mitigation.gobgp-api=gobgpd").code()).isNotZero();
    }
  }
}
