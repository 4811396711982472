package io.kaminari.model.ar;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The stored form of a fitted {@link ArForecaster} ({@value ArForecaster#FILE_NAME}), validated on construction so that
 * a file that parses is one the scorer can use: every number finite, every array of the length the header implies, the
 * autoregression stationary, every scale positive. An {@link IllegalArgumentException} names the field and series.
 *
 * <p>{@code format} is the layout version: a reader refuses any it does not know, so a layout change must bump it.
 * Format 1 (before {@code quorum}) is still read, with quorum 1, and format 2 (before {@code sustain}) with sustain 0,
 * which is how each scored when it was published: a champion of an older format keeps its verdicts across the
 * upgrade. Profiles and coefficients are doubles, which JSON
 * carries exactly (Jackson writes the shortest text that reads back as the same double), so a forecaster read back
 * scores bit for bit as the one that was written.
 *
 * @param format layout version, {@value ArForecaster#FORMAT}
 * @param windowSeconds window length the forecaster was fitted on, a divisor of 3,600
 * @param order lags of the autoregression
 * @param quorum how many series must rise together ({@link ArParameters#quorum()}); absent in format 1
 * @param sustain windows of the sustained score ({@link ArParameters#sustain()}), 0 = none; absent before format 3
 * @param seasonal whether the profile varies with the time of day (false: one flat level per series)
 * @param profileNote why the profile is diurnal or flat, for the operator
 * @param bucketSeconds width of a time-of-day bucket, 86,400 (one bucket) for a flat profile; 86,400 / bucketSeconds
 *     values per profile
 * @param maxImputedWindows the longest gap filled with forecasts; a longer one resets the lags
 * @param trainFrom start of the first training window (ISO-8601 UTC)
 * @param trainTo end of the last training window
 * @param trainWindows present windows the fit used
 * @param threshold the calibrated AR threshold, or null before calibration
 * @param thresholdMethod how {@code threshold} was calibrated, e.g.
 *     {@code quantile:0.995 of 288 one-step training scores, at least 3.0}
 * @param sustainedThreshold the calibrated threshold of the sustained score; null before calibration and when
 *     {@code sustain} is 0
 * @param dstRateThreshold the destination-rate rule's threshold in flow records per second to the busiest destination
 *     ({@link ArForecaster#dstRate}); null before calibration, when the training rows lacked the column, and before
 *     format 5
 * @param pairRateThreshold the pair-rate rule's threshold in flow records per second of the busiest (source,
 *     destination) pair ({@link ArForecaster#rates}); null as {@code dstRateThreshold} is, and before format 6
 * @param newPortsThreshold the new-ports rule's threshold ({@link NewPorts}), in service ports a window that no
 *     training window had; null before calibration, when the training rows lacked {@code service_ports}, and before
 *     format 7
 * @param servicePorts the training range's service ports as {@link NewPorts#format} writes them; present exactly when
 *     {@code newPortsThreshold} is
 * @param series one entry per series, in value order
 */
@JsonPropertyOrder({"format", "window_seconds", "order", "quorum", "sustain", "witness", "seasonal", "profile_note",
    "bucket_seconds", "max_imputed_windows", "train_from", "train_to", "train_windows", "threshold", "threshold_method",
    "sustained_threshold", "dst_rate_threshold", "pair_rate_threshold", "new_ports_threshold", "service_ports",
    "series"})
@JsonInclude(JsonInclude.Include.NON_NULL)
record ArModelFile(
    @JsonProperty("format") int format,
    @JsonProperty("window_seconds") int windowSeconds,
    @JsonProperty("order") int order,
    @JsonProperty("quorum") Integer quorum,
    @JsonProperty("sustain") Integer sustain,
    @JsonProperty("witness") String witness,
    @JsonProperty("seasonal") boolean seasonal,
    @JsonProperty("profile_note") String profileNote,
    @JsonProperty("bucket_seconds") int bucketSeconds,
    @JsonProperty("max_imputed_windows") int maxImputedWindows,
    @JsonProperty("train_from") String trainFrom,
    @JsonProperty("train_to") String trainTo,
    @JsonProperty("train_windows") long trainWindows,
    @JsonProperty("threshold") Double threshold,
    @JsonProperty("threshold_method") String thresholdMethod,
    @JsonProperty("sustained_threshold") Double sustainedThreshold,
    @JsonProperty("dst_rate_threshold") Double dstRateThreshold,
    @JsonProperty("pair_rate_threshold") Double pairRateThreshold,
    @JsonProperty("new_ports_threshold") Double newPortsThreshold,
    @JsonProperty("service_ports") String servicePorts,
    @JsonProperty("series") List<Series> series) {

  /**
   * One series' fitted model, all in log1p units.
   *
   * @param name the caller's name of the series, e.g. {@code total pps} or {@code dst_port 80 pps}
   * @param profile the expected level at the centre of each time-of-day bucket
   * @param coefficients the autoregression on the deseasonalised level, lag 1 first
   * @param scale the robust scale of the one-step forecast residual
   */
  @JsonPropertyOrder({"name", "profile", "coefficients", "scale"})
  record Series(
      @JsonProperty("name") String name,
      @JsonProperty("profile") double[] profile,
      @JsonProperty("coefficients") double[] coefficients,
      @JsonProperty("scale") double scale) {

    Series {
      if (name == null || name.isBlank()) throw new IllegalArgumentException("a series has no name");
      if (profile == null || coefficients == null) {
        throw new IllegalArgumentException("series \"" + name + "\" needs profile and coefficients");
      }
      profile = profile.clone();
      coefficients = coefficients.clone();
    }

    // Records compare arrays by identity; a round trip must compare by content.
    @Override
    public boolean equals(Object o) {
      return o instanceof Series s && name.equals(s.name) && Arrays.equals(profile, s.profile)
          && Arrays.equals(coefficients, s.coefficients) && Double.compare(scale, s.scale) == 0;
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + Arrays.hashCode(profile);
    }

    @Override
    public String toString() {
      return "Series[" + name + ", scale=" + scale + ", coefficients=" + Arrays.toString(coefficients) + "]";
    }
  }

  /** The layout before {@code quorum}: every window scored by its largest z. */
  static final int FORMAT_BEFORE_QUORUM = 1;
  /** The layout before {@code sustain}: no sustained score. */
  static final int FORMAT_BEFORE_SUSTAIN = 2;
  /** The layout before {@code witness}: any series may witness a rise. */
  static final int FORMAT_BEFORE_WITNESS = 3;
  /** The layout before {@code dst_rate_threshold}: no destination-rate rule. */
  static final int FORMAT_BEFORE_DST_RATE = 4;
  /** The layout before {@code pair_rate_threshold}: no pair-rate rule. */
  static final int FORMAT_BEFORE_PAIR_RATE = 5;
  /** The layout before {@code new_ports_threshold} and {@code service_ports}: no new-ports rule. */
  static final int FORMAT_BEFORE_NEW_PORTS = 6;
  /** {@code witness}: any series of the quorum may be a packet or byte rate (formats 1 to 3). */
  static final String WITNESS_ANY = "any";
  /** {@code witness}: the quorum must include a breadth series, see {@link ArState} (format 4, every new fit). */
  static final String WITNESS_BREADTH = "breadth";

  ArModelFile {
    if (format < FORMAT_BEFORE_QUORUM || format > ArForecaster.FORMAT) {
      throw new IllegalArgumentException("format " + format + " is not an AR forecaster layout this code reads ("
          + FORMAT_BEFORE_QUORUM + " to " + ArForecaster.FORMAT + ")");
    }
    if (format == FORMAT_BEFORE_QUORUM) {
      if (quorum != null) throw new IllegalArgumentException("format 1 has no quorum; the quorum came with format 2");
      quorum = 1;
    } else if (quorum == null) {
      throw new IllegalArgumentException("quorum is required from format 2");
    }
    if (format <= FORMAT_BEFORE_SUSTAIN) {
      if (sustain != null || sustainedThreshold != null) {
        throw new IllegalArgumentException("format " + format + " has no sustained score; it came with format 3");
      }
      sustain = 0;
    } else if (sustain == null) {
      throw new IllegalArgumentException("sustain is required from format 3 (0 = no sustained score)");
    }
    if (format <= FORMAT_BEFORE_WITNESS) {
      if (witness != null) {
        throw new IllegalArgumentException("format " + format + " has no witness rule; it came with format 4");
      }
      witness = WITNESS_ANY;
    } else if (!WITNESS_ANY.equals(witness) && !WITNESS_BREADTH.equals(witness)) {
      throw new IllegalArgumentException("witness must be \"" + WITNESS_ANY + "\" or \"" + WITNESS_BREADTH
          + "\" from format 4, got " + witness);
    }
    if (format <= FORMAT_BEFORE_DST_RATE && dstRateThreshold != null) {
      throw new IllegalArgumentException("format " + format + " has no destination-rate rule; it came with format 5");
    }
    if (format <= FORMAT_BEFORE_PAIR_RATE && pairRateThreshold != null) {
      throw new IllegalArgumentException("format " + format + " has no pair-rate rule; it came with format 6");
    }
    checkRateThreshold("dst_rate_threshold", dstRateThreshold, threshold);
    checkRateThreshold("pair_rate_threshold", pairRateThreshold, threshold);
    if (format <= FORMAT_BEFORE_NEW_PORTS && (newPortsThreshold != null || servicePorts != null)) {
      throw new IllegalArgumentException("format " + format + " has no new-ports rule; it came with format 7");
    }
    if ((newPortsThreshold == null) != (servicePorts == null)) {
      throw new IllegalArgumentException("new_ports_threshold and service_ports come together, got "
          + newPortsThreshold + " and " + (servicePorts == null ? "none" : "a list"));
    }
    checkRateThreshold("new_ports_threshold", newPortsThreshold, threshold);
    if (servicePorts != null) NewPorts.parse(servicePorts); // refused here, so the message names the file
    format = ArForecaster.FORMAT; // read as what it is now; written back, it states its quorum, sustain and witness
    ArTrainingSeries.checkWindowSeconds(windowSeconds);
    new ArParameters(order, seasonal, quorum, sustain); // the bounds and messages live there
    if (profileNote == null) throw new IllegalArgumentException("profile_note is required");
    if (!DailyProfile.validBucket(bucketSeconds, windowSeconds)) {
      throw new IllegalArgumentException("bucket_seconds must be a multiple of window_seconds (" + windowSeconds
          + ") that divides 86400, got " + bucketSeconds);
    }
    if (!seasonal && bucketSeconds != 86_400) {
      throw new IllegalArgumentException("a flat profile (seasonal false) has one bucket of 86400 s, got "
          + "bucket_seconds " + bucketSeconds);
    }
    if (maxImputedWindows < 1) {
      throw new IllegalArgumentException("max_imputed_windows must be >= 1, got " + maxImputedWindows);
    }
    if (!instant("train_from", trainFrom).isBefore(instant("train_to", trainTo))) {
      throw new IllegalArgumentException("train_from " + trainFrom + " must be before train_to " + trainTo);
    }
    if (trainWindows < ArForecaster.MIN_TRAINING_WINDOWS) {
      throw new IllegalArgumentException("train_windows must be >= " + ArForecaster.MIN_TRAINING_WINDOWS + ", got "
          + trainWindows);
    }
    if ((threshold == null) != (thresholdMethod == null)) {
      throw new IllegalArgumentException("threshold and threshold_method go together (both absent before calibration)");
    }
    if (threshold != null && !(threshold > 0 && Double.isFinite(threshold))) {
      throw new IllegalArgumentException("threshold must be finite and > 0, got " + threshold);
    }
    if (sustainedThreshold != null && !(sustainedThreshold > 0 && Double.isFinite(sustainedThreshold))) {
      throw new IllegalArgumentException("sustained_threshold must be finite and > 0, got " + sustainedThreshold);
    }
    if ((sustainedThreshold != null) != (threshold != null && sustain > 0)) {
      throw new IllegalArgumentException("sustained_threshold goes with threshold when sustain > 0, and only then"
          + " (sustain " + sustain + ", threshold " + threshold + ", sustained_threshold " + sustainedThreshold + ")");
    }
    if (series == null || series.isEmpty()) throw new IllegalArgumentException("series must list at least one series");
    if (quorum > series.size()) {
      throw new IllegalArgumentException("quorum " + quorum + " needs at least as many series, got " + series.size());
    }
    series = List.copyOf(series);
    int buckets = 86_400 / bucketSeconds;
    Set<String> names = new HashSet<>();
    for (Series s : series) {
      String where = "series \"" + s.name() + "\"";
      if (!names.add(s.name())) throw new IllegalArgumentException(where + " appears twice");
      if (s.profile().length != buckets) {
        throw new IllegalArgumentException(where + " has " + s.profile().length + " profile values, expected "
            + buckets + " (86400 / bucket_seconds)");
      }
      if (s.coefficients().length != order) {
        throw new IllegalArgumentException(where + " has " + s.coefficients().length + " coefficients, expected order "
            + order);
      }
      double persistence = 0;
      for (double v : s.profile()) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(where + " has a non-finite profile value " + v);
      }
      for (double c : s.coefficients()) {
        if (!Double.isFinite(c)) throw new IllegalArgumentException(where + " has a non-finite coefficient " + c);
        persistence += Math.abs(c);
      }
      if (persistence > ArForecaster.MAX_PERSISTENCE + 1e-12) {
        throw new IllegalArgumentException(where + ": the sum of |coefficients| is " + persistence + ", above "
            + ArForecaster.MAX_PERSISTENCE + " (the fit keeps the autoregression stationary)");
      }
      if (!(s.scale() > 0 && Double.isFinite(s.scale()))) {
        throw new IllegalArgumentException(where + " has scale " + s.scale() + "; it must be finite and > 0");
      }
    }
  }

  Instant trainFromInstant() {
    return Instant.parse(trainFrom);
  }

  Instant trainToInstant() {
    return Instant.parse(trainTo);
  }

  private static Instant instant(String field, String text) {
    if (text == null) throw new IllegalArgumentException(field + " is required");
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(field + " must be an ISO-8601 UTC instant, got \"" + text + "\"");
    }
  }

  private static void checkRateThreshold(String name, Double rateThreshold, Double threshold) {
    if (rateThreshold != null && !(rateThreshold > 0 && Double.isFinite(rateThreshold) && threshold != null)) {
      throw new IllegalArgumentException(name + " must be finite and > 0, and only on a calibrated forecaster, got "
          + rateThreshold + " (threshold " + threshold + ")");
    }
  }
}
