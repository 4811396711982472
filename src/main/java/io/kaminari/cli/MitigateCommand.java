package io.kaminari.cli;

import static org.apache.spark.sql.functions.col;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.ExabgpPipe;
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
 * and then only the proposals that passed the checks, to ExaBGP's named pipe.
 */
@Command(name = "mitigate", description = "Print proposed mitigations for an incident: an RTBH route (RFC 7999) and a"
    + " Flowspec rule (RFC 8955), as ExaBGP API text and GoBGP CLI lines, each checked against the victim's flows."
    + " Nothing is announced unless mitigation.mode=announce.")
final class MitigateCommand extends SparkCommand {
  /** How long {@code announce} waits for ExaBGP to open its pipe for reading. */
  static final Duration PIPE_TIMEOUT = Duration.ofSeconds(10);

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
    if (announce && pipe.isBlank()) {
      throw new IllegalArgumentException("mitigation.mode=announce needs mitigation.exabgp-pipe, ExaBGP's API pipe");
    }
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
          ? "mitigation.mode=announce: the proposals below that passed the safety checks are written to ExaBGP's"
              + " pipe " + pipe + "."
          : "NOTHING HAS BEEN ANNOUNCED. These are proposals for a person to review; applying one is the operator's"
              + " decision.";
      System.out.print(Mitigations.render(found, decisions, options, header));
      if (announce) {
        List<String> commands = Mitigations.exabgpCommands(decisions, options);
        ExabgpPipe.write(Path.of(pipe), commands, PIPE_TIMEOUT);
        System.out.println("# ANNOUNCED " + commands.size() + " route(s) through " + pipe + " ("
            + (decisions.size() - commands.size()) + " refused).");
      }
      return 0;
    };
  }
}
