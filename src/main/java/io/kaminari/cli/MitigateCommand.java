package io.kaminari.cli;

import static org.apache.spark.sql.functions.col;

import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.spark.IncidentRows;
import io.kaminari.pipeline.Warehouse;
import java.util.List;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaminari mitigate}: prints the RTBH and Flowspec mitigations it would propose for an incident. Announces
 * nothing.
 */
@Command(name = "mitigate", description = "Print proposed mitigations for an incident: an RTBH route (RFC 7999) and a"
    + " Flowspec rule (RFC 8955), as ExaBGP API text and GoBGP CLI lines. Nothing is announced.")
final class MitigateCommand extends SparkCommand {
  @Option(names = "--incident", required = true, paramLabel = "ID", description = "incident id (kaminari.incidents)")
  String incident;

  @Option(names = "--format", defaultValue = "both", paramLabel = "exabgp|gobgp|both",
      description = "syntax to print; default ${DEFAULT-VALUE}")
  String format;

  @Override
  protected Task prepare(KaminariConfig config) {
    if (!incident.matches("[0-9a-f]{16}")) {
      throw new IllegalArgumentException("--incident must be an incident id (16 hex digits), got '" + incident + "'");
    }
    Mitigations.Options options = new Mitigations.Options(config.get(Settings.MITIGATION_NEXT_HOP_V4),
        config.get(Settings.MITIGATION_NEXT_HOP_V6), config.get(Settings.MITIGATION_FLOWSPEC_ACTION),
        Mitigations.Format.parse(format));
    return spark -> {
      Warehouse.ensure(spark);
      List<Row> rows = spark.table(Warehouse.INCIDENTS).where(col(Columns.INCIDENT_ID).equalTo(incident))
          .collectAsList();
      if (rows.isEmpty()) {
        throw new IllegalArgumentException("no incident " + incident + " in " + Warehouse.INCIDENTS
            + " (run `kaminari incidents` for its period first)");
      }
      System.out.print(Mitigations.propose(IncidentRows.fromRow(rows.get(0)), options));
      return 0;
    };
  }
}
