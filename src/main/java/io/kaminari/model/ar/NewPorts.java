package io.kaminari.model.ar;

import io.kaminari.features.WindowAccumulator;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * The AR forecaster's new-ports rule (models/flow-ar/MODEL_CARD.md, "The new-ports rule"): a {@code global} window
 * fires when more of its service ports ({@link WindowAccumulator#servicePorts()}) are new, outside the training range's
 * inventory, than training windows show, by the margin of the rate rules ({@link RateRule#countThreshold}).
 *
 * <p><b>The inventory</b> is the service ports that at least {@value #KNOWN_WINDOWS} training windows had: a port one
 * window alone had (a scan inside the training range, a one-off) is no service of the network, so it stays new.
 *
 * <p><b>How much novelty is ordinary</b> is measured leaving each window out: left out, a training window finds new the
 * ports fewer than {@value #KNOWN_WINDOWS} other windows had. That count at the {@value #LEFT_OUT_QUANTILE} quantile of
 * the training windows ({@code m}, 0 when every service port recurs) sets the threshold, {@code max(1.2 × m, m + 3
 * sqrt(m))} with {@code m} at least 1, so at least 4 new ports a window. A quantile rather than the largest count
 * because a training range holding a scan would otherwise set the threshold above the scan (the rate rules' weakness),
 * and the margin covers the top percent of ordinary windows. Services come and go between training and scoring, which
 * the margin absorbs for a handful of ports at a time; a new service is one port, however busy.
 *
 * <p><b>Why.</b> A service moved to a port family of its own (a third of the web sessions on 8443-8458,
 * {@code port-mix-shift} in docs/evaluation.md) lands in the port vector's "other" slots, which it moves by 3-4
 * sigmas a window, so the AR forecaster's sustained score found it in the sixth window. Named by port, it is 5-13
 * ports no training window had, in the window it starts, against none new to any training window left out. A scan of
 * ports below the ephemeral range, or a flood to random ones, shows the same way.
 */
public final class NewPorts {
  /** Names the rule in an explanation and in {@link ArScore#rateRule()}. */
  public static final String LABEL = "new service ports";
  /** Training windows a service port needs to be in the inventory. */
  public static final int KNOWN_WINDOWS = 2;
  /** The quantile of the training windows' left-out counts that sets the threshold. */
  public static final double LEFT_OUT_QUANTILE = 0.99;
  /** How many of the new ports an explanation names. */
  static final int NAMED = 8;

  private final BitSet known;
  private final double threshold;

  /**
   * The rule of a calibrated forecaster.
   *
   * @param known the service ports of the training range, increasing, each below
   *     {@link WindowAccumulator#EPHEMERAL_PORTS_FROM}
   * @param threshold new ports a window above which the rule fires, finite and &gt; 0
   */
  NewPorts(int[] known, double threshold) {
    if (!(threshold > 0 && Double.isFinite(threshold))) {
      throw new IllegalArgumentException("new_ports_threshold must be finite and > 0, got " + threshold);
    }
    this.known = new BitSet(WindowAccumulator.EPHEMERAL_PORTS_FROM);
    checkPorts(known, "service_ports");
    for (int p : known) this.known.set(p);
    this.threshold = threshold;
  }

  /**
   * {@code score} with the rule applied to a window with these service ports (null = unknown: rows written before the
   * column existed): above the threshold, the AR score becomes at least {@code new / threshold × arThreshold}, unless
   * another rule already raised it further; otherwise {@code score} unchanged.
   */
  ArScore apply(ArScore score, int[] servicePorts, double arThreshold) {
    if (servicePorts == null) return score;
    List<Integer> fresh = new ArrayList<>();
    for (int p : servicePorts) {
      if (p < 0 || p >= WindowAccumulator.EPHEMERAL_PORTS_FROM || !known.get(p)) fresh.add(p);
    }
    double ratio = fresh.size() / threshold;
    if (!(ratio > 1 && ratio * arThreshold > score.rateScore())) return score;
    String named = fresh.size() <= NAMED ? join(fresh) : join(fresh.subList(0, NAMED)) + " and "
        + (fresh.size() - NAMED) + " more";
    return score.withRate(LABEL, fresh.size(), threshold, ratio * arThreshold, String.format(Locale.ROOT,
        "%s %d > %.1f (x%.1f): %s", LABEL, fresh.size(), threshold, ratio, named));
  }

  double threshold() {
    return threshold;
  }

  /** The training range's service ports, increasing. */
  int[] known() {
    return known.stream().toArray();
  }

  /**
   * Ports as compact text, increasing, runs as ranges: {@code 0, 20-23, 53, 80}; how {@value ArForecaster#FILE_NAME}
   * stores the training range's service ports (hundreds of ports a day, thousands on a backbone, in a line a reader can
   * search).
   */
  static String format(int[] ports) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < ports.length; ) {
      int j = i;
      while (j + 1 < ports.length && ports[j + 1] == ports[j] + 1) j++;
      if (out.length() > 0) out.append(", ");
      out.append(ports[i]);
      if (j > i) out.append('-').append(ports[j]);
      i = j + 1;
    }
    return out.toString();
  }

  /** Reads {@link #format}'s text back; an empty text is no ports. */
  static int[] parse(String text) {
    List<Integer> ports = new ArrayList<>();
    if (!text.isBlank()) {
      for (String part : text.split(",")) {
        String t = part.strip();
        int dash = t.indexOf('-');
        try {
          int from = Integer.parseInt(dash < 0 ? t : t.substring(0, dash));
          int to = dash < 0 ? from : Integer.parseInt(t.substring(dash + 1));
          if (to < from) throw new IllegalArgumentException("service_ports has a range that runs backwards: " + t);
          for (int p = from; p <= to; p++) ports.add(p);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("service_ports must list ports and ranges (\"0, 20-23, 53\"), got \""
              + t + "\"", e);
        }
      }
    }
    int[] out = ports.stream().mapToInt(Integer::intValue).toArray();
    checkPorts(out, "service_ports");
    return out;
  }

  /** Checks that {@code ports} are service ports in strictly increasing order. */
  static void checkPorts(int[] ports, String what) {
    for (int i = 0; i < ports.length; i++) {
      if (ports[i] < 0 || ports[i] >= WindowAccumulator.EPHEMERAL_PORTS_FROM) {
        throw new IllegalArgumentException(what + " must hold ports 0.." + (WindowAccumulator.EPHEMERAL_PORTS_FROM - 1)
            + " (below the ephemeral range), got " + ports[i]);
      }
      if (i > 0 && ports[i] <= ports[i - 1]) {
        throw new IllegalArgumentException(what + " must be strictly increasing, got " + ports[i - 1] + " then "
            + ports[i]);
      }
    }
  }

  private static String join(List<Integer> ports) {
    StringBuilder out = new StringBuilder();
    for (Integer p : ports) out.append(out.length() == 0 ? "" : " ").append(p);
    return out.toString();
  }
}
