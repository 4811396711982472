package io.kaminari.cli;

import static org.apache.spark.sql.functions.col;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.Announcer;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.Mitigations.Decision;
import io.kaminari.incidents.spark.IncidentRows;
import io.kaminari.incidents.spark.MitigationCheck;
import io.kaminari.pipeline.Warehouse;
import java.util.List;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari mitigate}: prints the RTBH and Flowspec mitigations it would propose for an incident, each checked
 * against the victim's flows ({@link MitigationCheck}). Announces nothing unless {@code mitigation.mode} is
 * {@code announce} (or {@code auto}), and then only the proposals that passed the checks, to ExaBGP's named pipe or to
 * GoBGP's API ({@link Announcer}).
 */
@Command(name = "mitigate", description = "Print proposed mitigations for an incident: an RTBH route (RFC 7999) and a"
    + " Flowspec rule (RFC 8955), as ExaBGP API text and GoBGP CLI lines, each checked against the victim's flows."
    + " Nothing is announced unless mitigation.mode is announce (or auto).")
final class MitigateCommand extends SparkCommand {
  @Option(names = "--incident", required = true, paramLabel = "ID", description = "incident id (kaminari.incidents)")
  String incident;

  @Option(names = "--format", defaultValue = "both", paramLabel = "exabgp|gobgp|both",
      description = "syntax to print; default ${DEFAULT-VALUE}")
  String format;

  @Override
  protected Schema schema() {
    return Schema.READ;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    if (!incident.matches("[0-9a-f]{16}")) {
      throw new IllegalArgumentException("--incident must be an incident id (16 hex digits), got '" + incident + "'");
    }
    Mitigations.Options options = Mitigations.Options.of(config, Mitigations.Format.parse(format));
    Announcer announcer = Announcer.of(config);
    return spark -> {
      List<Row> rows = spark.table(Warehouse.INCIDENTS).where(col(Columns.INCIDENT_ID).equalTo(incident))
          .collectAsList();
      if (rows.isEmpty()) {
        throw new IllegalArgumentException("no incident " + incident + " in " + Warehouse.INCIDENTS
            + " (run `kaminari incidents` for its period first)");
      }
      Incident found = IncidentRows.fromRow(rows.get(0));
      List<Decision> decisions = MitigationCheck.decisions(spark, found, options);
      String header = announcer != null
          ? "mitigation.mode=" + config.get(Settings.MITIGATION_MODE) + ": the proposals below that passed the safety"
              + " checks are sent to " + announcer.target() + "."
          : "NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's"
              + " decision.";
      System.out.print(Mitigations.render(found, decisions, options, header));
      if (announcer != null) {
        List<List<String>> routes = announcer.routes(decisions, options);
        announcer.announce(routes);
        System.out.println("# ANNOUNCED " + routes.size() + " route(s) through " + announcer.target() + " ("
            + (decisions.size() - routes.size()) + " refused).");
      }
      return 0;
    };
  }
}
