package io.kaminari.model.ar;

import io.kaminari.features.WindowAccumulator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The windows an {@link ArForecaster} is fitted on, in time order: for each present window its start and one raw value
 * per named series (e.g. total packets/s, flows/s, distinct sources, then the port-vector features). Every added window
 * is validated, so a series that exists is strictly increasing, aligned to the window length and rectangular.
 *
 * <p>Only present windows are added. A window absent from the data (no vector for that start) is simply not added;
 * the fit knows it is missing from the gap in the starts. A window that exists but carried no traffic (a {@code global}
 * window with no flows) is present, with its zero values, and must be added.
 */
public final class ArTrainingSeries {
  private final int windowSeconds;
  private final long windowMicros;
  private final List<String> names;
  private final List<float[]> values = new ArrayList<>();
  private long[] starts = new long[64];
  /** The largest busiest-destination count of the windows added, -1 once one was added without it. */
  private long maxBusiestDstFlows;
  /** The largest busiest-pair count of the windows added, -1 once one was added without it. */
  private long maxBusiestPairFlows;
  /** Per service port, how many added windows had it; null once a window was added without its service ports. */
  private int[] portWindows = new int[WindowAccumulator.EPHEMERAL_PORTS_FROM];
  /**
   * Per service port, the indices of the first {@link NewPorts#KNOWN_WINDOWS} added windows that had it (port p's at
   * p × KNOWN_WINDOWS): a port new to a window left out is in at most KNOWN_WINDOWS windows, so these name every
   * window it counts for in {@link #newServicePorts()}, in memory of the port range rather than of every window's
   * ports (a week of 1-minute windows of a backbone's thousands of service ports would be 10^7-10^8 of them).
   */
  private final int[] firstWindows = new int[WindowAccumulator.EPHEMERAL_PORTS_FROM * NewPorts.KNOWN_WINDOWS];

  /**
   * An empty series of windows of {@code windowSeconds} (a divisor of 3,600, as every feature spec's window) with these
   * series names, which must be non-blank and distinct.
   */
  public ArTrainingSeries(int windowSeconds, List<String> names) {
    checkWindowSeconds(windowSeconds);
    if (names == null || names.isEmpty()) {
      throw new IllegalArgumentException("an AR forecaster needs at least one series");
    }
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (n == null || n.isBlank()) throw new IllegalArgumentException("series names must be non-blank, got " + names);
      if (!seen.add(n)) throw new IllegalArgumentException("series name \"" + n + "\" appears twice in " + names);
    }
    this.windowSeconds = windowSeconds;
    this.windowMicros = windowSeconds * 1_000_000L;
    this.names = List.copyOf(names);
  }

  /**
   * Adds the window starting at {@code windowStartMicros} (epoch microseconds, aligned to the window length, after the
   * last added window) with one raw value per series, in {@link #names()} order; the values are copied.
   */
  public ArTrainingSeries add(long windowStartMicros, float[] windowValues) {
    return add(windowStartMicros, windowValues, -1, -1, null);
  }

  /**
   * {@link #add(long, float[])}, with the flow records to the window's busiest destination
   * ({@code port_vectors.busiest_dst_flows}) and of its busiest (source, destination) pair
   * ({@code port_vectors.busiest_pair_flows}), -1 = unknown, for the rate rules' thresholds
   * ({@link #maxBusiestDstFlows()}, {@link #maxBusiestPairFlows()}), and its service ports
   * ({@code port_vectors.service_ports}, increasing; null = unknown) for the new-ports rule ({@link #servicePorts()},
   * {@link #newServicePorts()}).
   */
  public ArTrainingSeries add(long windowStartMicros, float[] windowValues, long busiestDstFlows,
      long busiestPairFlows, int[] servicePorts) {
    if (windowValues == null || windowValues.length != names.size()) {
      throw new IllegalArgumentException("window " + windowStartMicros + " has " + (windowValues == null ? "no"
          : windowValues.length) + " values, expected " + names.size() + " (one per series)");
    }
    if (Math.floorMod(windowStartMicros, windowMicros) != 0) {
      throw new IllegalArgumentException("window start " + windowStartMicros + " µs is not aligned to "
          + windowSeconds + " s windows");
    }
    int n = values.size();
    if (n > 0 && windowStartMicros <= starts[n - 1]) {
      throw new IllegalArgumentException("windows must be added in increasing time order: " + windowStartMicros
          + " µs after " + starts[n - 1] + " µs");
    }
    if (servicePorts != null) NewPorts.checkPorts(servicePorts, "the service ports of window " + windowStartMicros);
    if (n == starts.length) starts = java.util.Arrays.copyOf(starts, n * 2);
    starts[n] = windowStartMicros;
    values.add(windowValues.clone());
    maxBusiestDstFlows = largest(maxBusiestDstFlows, busiestDstFlows);
    maxBusiestPairFlows = largest(maxBusiestPairFlows, busiestPairFlows);
    if (servicePorts == null) {
      portWindows = null;
    } else if (portWindows != null) {
      for (int p : servicePorts) {
        if (portWindows[p] < NewPorts.KNOWN_WINDOWS) firstWindows[p * NewPorts.KNOWN_WINDOWS + portWindows[p]] = n;
        portWindows[p]++;
      }
    }
    return this;
  }

  /** The larger count, or -1 once either is unknown (an unknown window leaves the rule without a threshold). */
  private static long largest(long max, long count) {
    return count < 0 || max < 0 ? -1 : Math.max(max, count);
  }

  /**
   * The most flow records any window's busiest destination received, or -1 when a window was added without the count
   * (rows written before the column existed) or none was added: the destination-rate rule then has no threshold.
   */
  public long maxBusiestDstFlows() {
    return values.isEmpty() ? -1 : maxBusiestDstFlows;
  }

  /**
   * The most flow records any window's busiest (source, destination) pair had, or -1 as for
   * {@link #maxBusiestDstFlows()} (rows written before {@code busiest_pair_flows} existed): the pair-rate rule then has
   * no threshold.
   */
  public long maxBusiestPairFlows() {
    return values.isEmpty() ? -1 : maxBusiestPairFlows;
  }

  /**
   * The service ports at least {@value NewPorts#KNOWN_WINDOWS} added windows had, increasing: the new-ports rule's
   * inventory ({@link NewPorts}); null when a window was added without its ports (rows written before
   * {@code service_ports} existed) or none was added: the rule then has none.
   */
  public int[] servicePorts() {
    if (portWindows == null || values.isEmpty()) return null;
    int n = 0;
    for (int c : portWindows) n += c >= NewPorts.KNOWN_WINDOWS ? 1 : 0;
    int[] out = new int[n];
    for (int p = 0, i = 0; p < portWindows.length; p++) {
      if (portWindows[p] >= NewPorts.KNOWN_WINDOWS) out[i++] = p;
    }
    return out;
  }

  /**
   * How many of a window's service ports are new to the range without it, at the {@value NewPorts#LEFT_OUT_QUANTILE}
   * quantile (nearest rank) over the added windows: left out, a window finds the ports new that fewer than
   * {@value NewPorts#KNOWN_WINDOWS} other windows had ({@link NewPorts}); -1 when {@link #servicePorts()} is null.
   */
  public long newServicePorts() {
    if (portWindows == null || values.isEmpty()) return -1;
    long[] fresh = new long[values.size()];
    for (int p = 0; p < portWindows.length; p++) {
      if (portWindows[p] > NewPorts.KNOWN_WINDOWS) continue;
      for (int k = 0; k < portWindows[p]; k++) fresh[firstWindows[p * NewPorts.KNOWN_WINDOWS + k]]++;
    }
    java.util.Arrays.sort(fresh);
    return fresh[(int) Math.ceil(NewPorts.LEFT_OUT_QUANTILE * fresh.length) - 1];
  }

  public int windowSeconds() {
    return windowSeconds;
  }

  /** The series names, in value order. */
  public List<String> names() {
    return names;
  }

  /** Number of present windows. */
  public int size() {
    return values.size();
  }

  /** Start of the {@code i}-th present window, epoch microseconds. */
  public long start(int i) {
    if (i < 0 || i >= values.size()) throw new IndexOutOfBoundsException(i);
    return starts[i];
  }

  /** The raw values of the {@code i}-th present window (the stored array: do not modify). */
  float[] values(int i) {
    return values.get(i);
  }

  static void checkWindowSeconds(int windowSeconds) {
    if (windowSeconds <= 0 || 3600 % windowSeconds != 0) {
      throw new IllegalArgumentException("window length must divide an hour (e.g. 60 or 300 s), got " + windowSeconds
          + " s");
    }
  }
}
