package io.kaminari.model.ar;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.PortFeature;
import java.util.ArrayList;
import java.util.List;

/**
 * The one definition of the AR forecaster's input series for a feature spec, shared by training, batch scoring and
 * the streaming scorer so that all three feed the forecaster identical values: the window's total packets/s, total
 * flows/s and distinct source addresses, then the spec's vector in its own order.
 *
 * <p>The inputs are those of a {@code port_vectors} row (or of the accumulator that becomes one): {@code packets}
 * (scaled by sampling), {@code flows} (records), {@code sources} and {@code vector}. Rates are per second of the spec's
 * window, as the vector's are.
 */
public final class ArSeries {
  /** The names of the three totals, before the vector's feature names. */
  public static final List<String> TOTALS = List.of("total pps", "total flows/s", "distinct sources");

  private ArSeries() {}

  /**
   * Whether series {@code name} counts flows or distinct endpoints (total flows/s, distinct sources, a port's opposite
   * ports, flows/s or distinct addresses: the <em>breadth</em> of the traffic) rather than its volume (total pps, a
   * port's pps or bytes/s). An attack on a network spreads over flows, sources or ports; one bulk transfer moves
   * volume alone (docs/evaluation.md, "The breadth witness"). A name that is not one of {@link #names} is taken as
   * breadth, so the witness rule never silences it.
   */
  public static boolean isBreadth(String name) {
    if (name.equals(TOTALS.get(0))) return false;
    if (TOTALS.contains(name)) return true;
    PortFeature f = PortFeature.ofSlotLabel(name.substring(name.lastIndexOf(' ') + 1));
    return f == null || !f.isVolume();
  }

  /** The series names: {@link #TOTALS}, then {@link FeatureSpec#featureNames()}. */
  public static List<String> names(FeatureSpec spec) {
    List<String> names = new ArrayList<>(TOTALS);
    names.addAll(spec.featureNames());
    return List.copyOf(names);
  }

  /**
   * The series values of one window: {@code packets / window seconds}, {@code flows / window seconds},
   * {@code sources}, then {@code vector}.
   *
   * @throws IllegalArgumentException if {@code vector} is not of the spec's dimension
   */
  public static float[] values(FeatureSpec spec, long packets, long flows, long sources, float[] vector) {
    if (vector.length != spec.dimension()) {
      throw new IllegalArgumentException("a vector of " + vector.length + " values for spec " + spec.id()
          + " of dimension " + spec.dimension());
    }
    double seconds = spec.windowSeconds();
    float[] out = new float[TOTALS.size() + vector.length];
    out[0] = (float) (packets / seconds);
    out[1] = (float) (flows / seconds);
    out[2] = sources;
    System.arraycopy(vector, 0, out, TOTALS.size(), vector.length);
    return out;
  }
}
