package io.kaminari.analyst;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.cli.Main;
import io.kaminari.common.Columns;
import io.kaminari.common.Settings;
import io.kaminari.incidents.AttackVector;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.spark.IncidentRows;
import io.kaminari.incidents.spark.IncidentsJob;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.testing.TestSpark;
import io.kaminari.tools.generate.AttackKind;
import io.kaminari.tools.generate.AttackSpec;
import io.kaminari.tools.generate.Scenarios;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("mitigate", "--home", TestSpark.config().get(Settings.HOME), "--incident", flood.id());
    } finally {
      System.setOut(old);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    System.out.print(text);
    assertThat(code).isZero();
    assertThat(text).contains("NOTHING HAS BEEN ANNOUNCED")
        .contains("exabgp: announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666 65535:65281]")
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
}
