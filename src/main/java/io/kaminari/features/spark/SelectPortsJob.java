package io.kaminari.features.spark;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.FeatureSpecs;
import io.kaminari.features.PortSelection;
import io.kaminari.flow.FlowSchema;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.JobRuns;
import io.kaminari.pipeline.Warehouse;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code select-ports}: ranks source and destination ports by packets over a reference period of {@code flows} and
 * writes a new feature spec with the top ones (see {@link PortSelection}).
 *
 * <p>Only the flows partitions of the period are read. The spec goes to {@code <model.store>/specs/<id>.json} unless
 * {@link SelectPortsConfig#out()} says otherwise; {@code kaminari features --spec <id>} then finds it there.
 */
public final class SelectPortsJob {
  public static final String JOB = "select-ports";

  /** What a run chose and where it wrote it. */
  public record Selection(JobRun run, FeatureSpec spec, String path) {}

  private final SparkSession spark;
  private final SelectPortsConfig config;

  public SelectPortsJob(SparkSession spark, SelectPortsConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /** Tallies the period, writes the spec and prints its path and id. */
  public Selection run() throws Exception {
    FeatureSpec[] spec = new FeatureSpec[1];
    String[] path = new String[1];
    JobRun run = JobRuns.run(spark, JOB, config.from(), config.to(), runId -> {
      PortSelection.Tally tally = tally(FeaturesJob.readFlows(spark, config.flowsTable(), config.from(), config.to()));
      if (tally.flows() == 0) {
        throw new IllegalStateException("no flows in [" + config.from() + ", " + config.to() + ") of "
            + config.flowsTable() + ": nothing to select ports from");
      }
      spec[0] = PortSelection.spec(tally, config.srcPorts(), config.dstPorts(), config.scope(), config.windowSeconds(),
          config.name(), "Top " + config.srcPorts() + " source and " + config.dstPorts()
              + " destination ports by packets (scaled by sampling) over [" + config.from() + ", " + config.to() + ").");
      path[0] = config.out() != null ? config.out() : FeatureSpecs.storePath(config.modelStore(), spec[0].id());
      FeatureSpecs.write(spec[0], path[0]);
      return JobRuns.counts(tally.flows(), 0, 1, 0, 0, 0, "spec " + spec[0].id() + " written to " + path[0]);
    });
    System.out.println("spec " + spec[0].id() + " " + path[0]);
    return new Selection(run, spec[0], path[0]);
  }

  /** Packets per port of {@code flows} (rows with the flow columns), with one tally per task merged on the driver. */
  public static PortSelection.Tally tally(Dataset<Row> flows) {
    List<PortSelection.Tally> partials = flows
        .select(FlowSchema.PORT_SRC, FlowSchema.PORT_DST, FlowSchema.IP_PROTO, FlowSchema.PACKETS,
            FlowSchema.SAMPLING_RATE)
        .mapPartitions((MapPartitionsFunction<Row, PortSelection.Tally>) SelectPortsJob::tallyOf,
            Encoders.javaSerialization(PortSelection.Tally.class))
        .collectAsList();
    PortSelection.Tally total = new PortSelection.Tally();
    partials.forEach(total::merge);
    return total;
  }

  private static Iterator<PortSelection.Tally> tallyOf(Iterator<Row> rows) {
    PortSelection.Tally t = new PortSelection.Tally();
    while (rows.hasNext()) {
      Row r = rows.next();
      t.add(r.getInt(0), r.getInt(1), r.getInt(2), r.getLong(3), r.isNullAt(4) ? 0 : r.getLong(4));
    }
    return List.of(t).iterator();
  }
}
