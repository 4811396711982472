package io.kaminari.cli;

import io.kaminari.analyst.ReportConfig;
import io.kaminari.analyst.ReportJob;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.time.Hour;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaminari report}: writes a self-contained HTML report of a period (traffic, anomalies, model) to a directory. */
@Command(name = "report", description = "Write a self-contained HTML report of a period: traffic, anomalies, model.")
final class ReportCommand extends SparkCommand {
  @Option(names = "--from", required = true, paramLabel = "yyyy-MM-ddTHH", description = "first hour (UTC)")
  String from;

  @Option(names = "--to", required = true, paramLabel = "yyyy-MM-ddTHH", description = "end hour, exclusive (UTC)")
  String to;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "directory to write report.html into")
  Path out;

  @Option(names = "--model", defaultValue = ReportConfig.DEFAULT_MODEL, description = "model name; default ${DEFAULT-VALUE}")
  String model;

  @Option(names = "--model-version", paramLabel = "N",
      description = "version to show; default: the newest version that scored the period")
  Integer version;

  @Option(names = "--max-anomalies", defaultValue = "50", description = "rows of the anomaly table; default ${DEFAULT-VALUE}")
  int maxAnomalies;

  @Override
  protected Schema schema() {
    return Schema.READ;
  }

  @Override
  protected Task prepare(KaminariConfig config) {
    ReportConfig report = new ReportConfig(Hour.parse(from).start(), Hour.parse(to).start(), out, model, version,
        maxAnomalies);
    return spark -> {
      ReportJob.Result r = new ReportJob(spark, report).run();
      System.out.printf("wrote %s: %d hours, %d global windows scored, %d anomalies, model %s%n", r.html(), r.hours(),
          r.scoredWindows(), r.anomalies(), r.modelVersion() == null ? "none" : model + " v" + r.modelVersion());
      return 0;
    };
  }
}
