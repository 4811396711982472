package io.kaminari.incidents.spark;

import static io.kaminari.flow.FlowSchema.IP_DST;
import static io.kaminari.flow.FlowSchema.IP_PROTO;
import static io.kaminari.flow.FlowSchema.PORT_DST;
import static io.kaminari.flow.FlowSchema.PORT_SRC;
import static io.kaminari.flow.FlowSchema.TCP_FLAGS;

import io.kaminari.incidents.Incident;
import io.kaminari.incidents.Mitigations;
import io.kaminari.incidents.Mitigations.Decision;
import io.kaminari.incidents.Mitigations.Exposure;
import io.kaminari.incidents.Mitigations.Proposal;
import io.kaminari.incidents.Victims;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The safety check of an incident's mitigation proposals against the flows table: how many of the flow records to each
 * proposal's target (a host of the victim, or the victim prefix) it would hit in the incident's windows and in the
 * reference period before it, and the verdicts {@link Mitigations#decide} draws from that.
 */
public final class MitigationCheck {
  private MitigationCheck() {}

  /** The proposals for {@code incident}, each with its exposure and verdict under {@code options}. */
  public static List<Decision> decisions(SparkSession spark, Incident incident, Mitigations.Options options) {
    List<Proposal> proposals = Mitigations.proposals(incident);
    return Mitigations.decide(proposals, exposures(spark, incident, proposals, options), options);
  }

  /** The exposure of each of {@code proposals}, in order. */
  static List<Exposure> exposures(SparkSession spark, Incident incident, List<Proposal> proposals,
      Mitigations.Options options) {
    Dataset<Row> during = IncidentFlows.victimFlows(spark, incident.victim(), incident.start(),
        incident.span().lastUpdate()).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> before = IncidentFlows.victimFlows(spark, incident.victim(),
        incident.start().minus(options.reference()), incident.start()).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      List<Exposure> out = new ArrayList<>();
      for (Proposal p : proposals) {
        String target = p.target();
        FilterFunction<Row> toTarget = r -> Victims.contains(target, r.getAs(IP_DST));
        FilterFunction<Row> hit = r -> p.mayHit(r.getAs(IP_DST), r.<Integer>getAs(IP_PROTO),
            r.<Integer>getAs(PORT_SRC), r.<Integer>getAs(PORT_DST), r.<Integer>getAs(TCP_FLAGS),
            r.<Integer>getAs(IncidentFlows.LENGTH));
        out.add(new Exposure(during.filter(toTarget).count(), during.filter(hit).count(),
            before.filter(toTarget).count(), before.filter(hit).count()));
      }
      return out;
    } finally {
      during.unpersist();
      before.unpersist();
    }
  }
}
