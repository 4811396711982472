package io.kaminari.features.spark;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.pipeline.Warehouse;
import java.time.Instant;

/**
 * What {@link SelectPortsJob} does: rank ports over the reference period {@code [from, to)} and write a spec.
 *
 * @param from reference period start (inclusive), any instant
 * @param to reference period end (exclusive)
 * @param srcPorts how many source ports to select (0..1000)
 * @param dstPorts how many destination ports to select (0..1000)
 * @param scope scope of the new spec
 * @param windowSeconds window length of the new spec (validated by {@link FeatureSpec})
 * @param name name of the new spec (documentation only)
 * @param out where to write the spec (local path or Hadoop URI); null for {@code <modelStore>/specs/<id>.json}
 * @param modelStore the model store root ({@link Settings#MODEL_STORE})
 * @param database the Hive database holding {@code flows}
 */
public record SelectPortsConfig(Instant from, Instant to, int srcPorts, int dstPorts, Scope scope, int windowSeconds,
    String name, String out, String modelStore, String database) {
  private static final int MAX_PORTS = 1000;

  public SelectPortsConfig {
    if (from == null || to == null || !from.isBefore(to)) {
      throw new IllegalArgumentException("--from must be before --to, got [" + from + ", " + to + ")");
    }
    if (srcPorts < 0 || srcPorts > MAX_PORTS || dstPorts < 0 || dstPorts > MAX_PORTS) {
      throw new IllegalArgumentException("--src and --dst must be 0.." + MAX_PORTS + ", got " + srcPorts + " and " + dstPorts);
    }
    if (scope == null) throw new IllegalArgumentException("scope is required");
    if (name == null || name.isBlank()) name = "selected-" + from + "-" + to;
    // Fail on a bad window length now, not after the whole period was scanned.
    new FeatureSpec(name, null, windowSeconds, scope, FeatureSpec.DEFAULT_IPV4_PREFIX_LENGTH,
        FeatureSpec.DEFAULT_IPV6_PREFIX_LENGTH, java.util.List.of(), java.util.List.of(), FeatureSpec.DEFAULT_FEATURES, true);
  }

  public static SelectPortsConfig of(KaminariConfig config, Instant from, Instant to, int srcPorts, int dstPorts,
      Scope scope, int windowSeconds, String name, String out) {
    return new SelectPortsConfig(from, to, srcPorts, dstPorts, scope, windowSeconds, name, out,
        config.get(Settings.MODEL_STORE).toString(), config.get(Settings.DATABASE));
  }

  public String flowsTable() {
    return Warehouse.inDatabase(Warehouse.FLOWS, database);
  }
}
