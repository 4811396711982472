package io.kaminari.cli;

import static org.apache.spark.sql.functions.col;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.ExabgpPipe;
import io.kaminari.incidents.GobgpApi;
import io.kaminari.incidents.Incident;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.Mitigations.Decision;
import io.kaminari.incidents.spark.IncidentRows;
import io.kaminari.incidents.spark.MitigationCheck;
import io.kaminari.pipeline.Warehouse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari mitigate}: prints the RTBH and Flowspec mitigations it would propose for an incident, each checked
 * against the victim's flows ({@link MitigationCheck}). Announces nothing unless {@code mitigation.mode=announce},
 * and then only the proposals that passed the checks, to ExaBGP's named pipe or to GoBGP's API ({@link GobgpApi}).
 */
@Command(name = "mitigate", description = "Print proposed mitigations for an incident: an RTBH route (RFC 7999) and a"
    + " Flowspec rule (RFC 8955), as ExaBGP API text and GoBGP CLI lines, each checked against the victim's flows."
    + " Nothing is announced unless mitigation.mode=announce.")
final class MitigateCommand extends SparkCommand {
  /** How long {@code announce} waits for ExaBGP to open its pipe for reading, or for GoBGP to answer one command. */
  static final Duration ANNOUNCE_TIMEOUT = Duration.ofSeconds(10);

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
    boolean announce = config.get(Settings.MITIGATION_MODE).equals("announce");
    String pipe = config.get(Settings.MITIGATION_EXABGP_PIPE);
    String gobgp = config.get(Settings.MITIGATION_GOBGP_API);
    if (announce && pipe.isBlank() == gobgp.isBlank()) {
      throw new IllegalArgumentException("mitigation.mode=announce needs exactly one of mitigation.exabgp-pipe"
          + " (ExaBGP's API pipe) and mitigation.gobgp-api (GoBGP's API address)");
    }
    if (!gobgp.isBlank()) GobgpApi.connection(gobgp);
    String target = pipe.isBlank() ? "GoBGP's API at " + gobgp : "ExaBGP's pipe " + pipe;
    return spark -> {
      List<Row> rows = spark.table(Warehouse.INCIDENTS).where(col(Columns.INCIDENT_ID).equalTo(incident))
          .collectAsList();
      if (rows.isEmpty()) {
        throw new IllegalArgumentException("no incident " + incident + " in " + Warehouse.INCIDENTS
            + " (run `kaminari incidents` for its period first)");
      }
      Incident found = IncidentRows.fromRow(rows.get(0));
      List<Decision> decisions = MitigationCheck.decisions(spark, found, options);
      String header = announce
          ? "mitigation.mode=announce: the proposals below that passed the safety checks are sent to " + target
              + "."
          : "NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's"
              + " decision.";
      System.out.print(Mitigations.render(found, decisions, options, header));
      if (announce) {
        int sent;
        if (pipe.isBlank()) {
          List<List<String>> routes = Mitigations.gobgpCommands(decisions, options);
          GobgpApi.announce(gobgp, routes, ANNOUNCE_TIMEOUT);
          sent = routes.size();
        } else {
          List<String> commands = Mitigations.exabgpCommands(decisions, options);
          ExabgpPipe.write(Path.of(pipe), commands, ANNOUNCE_TIMEOUT);
          sent = commands.size();
        }
        System.out.println("# ANNOUNCED " + sent + " route(s) through " + (pipe.isBlank() ? gobgp : pipe) + " ("
            + (decisions.size() - sent) + " refused).");
      }
      return 0;
    };
  }
}
