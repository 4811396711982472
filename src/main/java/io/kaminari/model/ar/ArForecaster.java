package io.kaminari.model.ar;

import io.kaminari.common.StrictJson;
import io.kaminari.model.Calibration;
import io.kaminari.model.ThresholdMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fitted seasonal autoregressive forecaster of a scope's per-window series, whose score is the standardised one-step
 * forecast residual: Kaminari's second detector beside the port-vector autoencoder (the seed's {@code AR_scores}).
 *
 * <p>Per series, on the level {@code y = log1p(max(x, 0))} (as the autoencoder's input, for the same reason: rates are
 * heavy-tailed, and a change of log1p is a relative change):
 * <ul>
 *   <li>a time-of-day <b>profile</b>: the median level of each bucket of the day over the training days, read at a
 *       window's centre by linear interpolation between bucket centres on the circle of the day. Buckets are as narrow
 *       as the data allows ({@link DailyProfile#bucketSeconds(int, int)}: about {@value #TARGET_BUCKET_WINDOWS}
 *       windows each, so an hour from one day of 5-minute windows, 10 minutes from a week). Fitted when the training
 *       range spans at least a day and at least half the buckets hold {@value #MIN_BUCKET_WINDOWS} windows (an
 *       emptier bucket is interpolated from its nearest neighbours); otherwise the profile is flat, the median level,
 *       and {@link #profileNote} says why. Only the daily cycle: a weekly one (quiet weekends) is not modelled, so
 *       train on whole weeks or expect weekend windows to sit below their forecast (drops, which do not score);
 *   <li>an <b>AR(p)</b> on the deseasonalised level {@code d = y − profile}, least squares with a light ridge over the
 *       windows whose p predecessors are all present, then shrunk if needed so that the sum of |coefficients| is at
 *       most {@value #MAX_PERSISTENCE}: stationary, so forecasts across a gap revert to the profile;
 *   <li>a robust <b>scale</b> of the one-step residuals: the larger of 1.4826·MAD and the 0.99 quantile of the absolute
 *       deviations / 2.5758 (both equal σ for normal residuals; the quantile term keeps a series that is idle most of
 *       the time, whose MAD is 0, from scoring every ordinary burst as 20σ), at least {@value #SCALE_FLOOR}
 *       (a 5% change of {@code 1 + x}); a series constant over training gets {@value #CONSTANT_SCALE}, so new traffic
 *       on it scores as its plain log1p deviation, as the autoencoder's {@code Normalizer} does;
 *   <li>coefficients and scale are then refitted (up to three rounds) as the scorer sees the data, where an
 *       <b>outlier</b> (a deviation beyond {@link ArState#OUTLIER_SPREADS} stationary spreads) is never a lag: the
 *       coefficients without the windows that touch one, the scale without those that use one as a lag. So an attack
 *       inside the training range bends neither: an outlier lag spoils p residuals, and the scale's 0.99 quantile
 *       tolerates only 1% of spoiled ones.
 * </ul>
 *
 * <p>Scoring, missing windows and the score are {@link ArState}'s; this class holds the fitted model, its stored form
 * ({@link #write}, {@link #read}) and its calibration ({@link #trainingScores}, {@link #calibrated}), the
 * destination-rate rule's included ({@link #dstRate}). It stays one file of about 470 lines, a third of them
 * documentation, because the three share the model's private layout (the slot profile, coefficients and scales that
 * {@link ArState} reads); the fit is {@link ArFit}'s.
 */
public final class ArForecaster {
  /** The file name inside a registry version directory. */
  public static final String FILE_NAME = "ar-forecaster.json";
  /**
   * Layout version of {@link #FILE_NAME}: 2 added {@code quorum}, 3 {@code sustain} and {@code sustained_threshold},
   * 4 {@code witness}, 5 {@code dst_rate_threshold}, 6 {@code pair_rate_threshold}, 7 {@code new_ports_threshold} and
   * {@code service_ports} (formats 1 to 6 are still read, see {@link ArModelFile}).
   */
  public static final int FORMAT = 7;
  /** Fewer present training windows are refused: the scales and coefficients would be guesses. */
  public static final int MIN_TRAINING_WINDOWS = 48;
  /** Fewer windows with p present predecessors are refused (the range is mostly gaps). */
  public static final int MIN_REGRESSION_WINDOWS = 32;
  /** Training windows a time-of-day bucket is sized to hold on average. */
  public static final int TARGET_BUCKET_WINDOWS = 12;
  /** A time-of-day bucket with fewer training windows is treated as empty and interpolated. */
  public static final int MIN_BUCKET_WINDOWS = 6;
  /** Upper bound of the sum of |AR coefficients|, which keeps the autoregression stationary. */
  public static final double MAX_PERSISTENCE = 0.98;
  /** The most missing windows a gap may have and still be filled with forecasts rather than reset the lags. */
  public static final int MAX_IMPUTED_WINDOWS = 12;
  /**
   * The most {@link #memoryWindows()} any forecaster has ({@link ArParameters#MAX_ORDER} + {@value
   * #MAX_IMPUTED_WINDOWS} + {@link ArParameters#MAX_SUSTAIN} − 1): a warm-up of this many windows suits every
   * forecaster, since a state remembers only its own memory's worth.
   */
  public static final int MAX_MEMORY_WINDOWS = ArParameters.MAX_ORDER + MAX_IMPUTED_WINDOWS
      + ArParameters.MAX_SUSTAIN - 1;
  /** Least residual scale, in log1p units. */
  public static final double SCALE_FLOOR = 0.05;
  /** Residual scale of a series constant over training. */
  public static final double CONSTANT_SCALE = 1.0;
  /**
   * Least calibrated threshold, in robust sigmas: a forecast missed by 3σ is the least that can be evidence, and a
   * training range where nothing varies would otherwise calibrate a threshold of 0 that every window exceeds.
   */
  public static final double MIN_THRESHOLD = 3.0;
  /**
   * Least calibrated sustained threshold. Calibrated in-sample, the sustained threshold comes out too low: the
   * time-of-day profile is fitted on the training windows themselves, in buckets of about 12 windows, and so absorbs
   * the slow drifts of the training range that the sustained score sees out of sample (4.07 on the evaluation sets,
   * whose next days then reached 4.9 on benign traffic). Independent residuals would allow 4.5 (the largest sustained
   * z of ~70 standard normal series passes it about once a month of 1-minute windows); 6 is above every benign
   * sustained score the evaluation suite's test days reached, by a fifth, and costs the attacks it exists for one
   * window of delay (docs/evaluation.md, "The sustained score").
   */
  public static final double MIN_SUSTAINED_THRESHOLD = 6.0;

  final ArModelFile file;
  final int series;
  final int order;
  /** How many of the largest upward z the window's score is the geometric mean of: 1 = the largest alone. */
  final int quorum;
  /** Windows of the sustained score, 0 = none. */
  final int sustain;
  /** Whether a quorum of two or more needs a breadth series among its witnesses ({@link ArState}). */
  final boolean breadthWitness;
  /** Per series, whether it counts flows or distinct endpoints rather than packets or bytes ({@link ArSeries}). */
  final boolean[] breadth;
  /**
   * threshold / sustained threshold: the factor that puts a sustained score on the instant score's scale, so one
   * threshold judges both; 0 before calibration and without a sustained score.
   */
  final double sustainedToInstant;
  final long windowMicros;
  final int slotsPerDay;
  final int maxImputedWindows;
  /** Horizon indices per series: 0 = no recent history (unconditional), 1..maxImputed+1 = steps since the last one. */
  final int horizons;
  /** Profile level at each window slot of the day, {@code [slot * series + i]}. */
  final double[] slotProfile;
  /** AR coefficients, {@code [i * order + k]}, lag k + 1. */
  final double[] phi;
  /** 1 / (scale × forecast-error growth at the horizon), {@code [i * horizons + h]}. */
  final double[] inverseScale;
  /** Per series, the deviation beyond which a value is an outlier: OUTLIER_SPREADS × scale × stationary growth. */
  final double[] outlier;
  /** The new-ports rule, null without it (before calibration, format 7, or the training rows' service ports). */
  private final NewPorts newPorts;
  private final List<String> names;

  ArForecaster(ArModelFile file) {
    this.file = file;
    this.newPorts = file.newPortsThreshold() == null ? null
        : new NewPorts(NewPorts.parse(file.servicePorts()), file.newPortsThreshold());
    this.series = file.series().size();
    this.order = file.order();
    this.quorum = file.quorum();
    this.sustain = file.sustain();
    this.breadthWitness = ArModelFile.WITNESS_BREADTH.equals(file.witness()) && quorum > 1;
    this.sustainedToInstant = file.sustainedThreshold() == null ? 0 : file.threshold() / file.sustainedThreshold();
    this.windowMicros = file.windowSeconds() * 1_000_000L;
    this.slotsPerDay = 86_400 / file.windowSeconds();
    this.maxImputedWindows = file.maxImputedWindows();
    this.horizons = maxImputedWindows + 2;
    this.slotProfile = new double[slotsPerDay * series];
    this.phi = new double[series * order];
    this.inverseScale = new double[series * horizons];
    this.outlier = new double[series];
    this.breadth = new boolean[series];
    List<String> n = new ArrayList<>(series);
    for (int i = 0; i < series; i++) {
      ArModelFile.Series s = file.series().get(i);
      n.add(s.name());
      breadth[i] = ArSeries.isBreadth(s.name());
      for (int slot = 0; slot < slotsPerDay; slot++) {
        slotProfile[slot * series + i] =
            DailyProfile.atSlot(s.profile(), file.bucketSeconds(), file.windowSeconds(), slot);
      }
      System.arraycopy(s.coefficients(), 0, phi, i * order, order);
      double[] growth = ArFit.errorGrowth(s.coefficients(), maxImputedWindows + 1);
      for (int h = 0; h < horizons; h++) {
        inverseScale[i * horizons + h] = 1 / (s.scale() * growth[h]);
      }
      outlier[i] = ArState.OUTLIER_SPREADS * s.scale() * growth[0];
    }
    this.names = List.copyOf(n);
  }

  /** Fits a forecaster on {@code data}; see the class doc. Refuses (with the reason) a range too short or too gappy. */
  public static ArForecaster fit(ArTrainingSeries data, ArParameters parameters) {
    return new ArForecaster(ArFit.fit(data, parameters));
  }

  /** A fresh scoring state for one scope key: no history, so its first window is scored against the profile alone. */
  public ArState newState() {
    return new ArState(this);
  }

  /**
   * The largest upward z of each training window (0 where none rose), rolling one {@link ArState} forward through
   * them as the scorer does (the first from no history, windows after a gap from imputed lags): the scores the
   * threshold is calibrated on. For {@link #quorum()} 1 they are exactly the scorer's instant scores of those windows.
   *
   * <p>Why the largest z also for a larger quorum: the score (a mean of the largest few) is at most the largest, so a
   * threshold the largest exceeds at most α of the time is one the score exceeds at most α of the time, and the
   * false-alarm budget holds (conservatively). Calibrating on the second-largest z itself would spend the budget
   * exactly, but its in-sample tail over a day is thin: on the demo it put the threshold at 3.4σ (against 6.1σ), and
   * day two then raised four false alarms from two ports wobbling together at 3.4-5σ.
   *
   * <p>The scores are in-sample (the profile, coefficients and scales were fitted on the same windows), so they run
   * slightly low; the calibration floor and the threshold method's margin absorb that.
   */
  public double[] trainingScores(ArTrainingSeries data) {
    return roll(data).largest();
  }

  /**
   * Per training window, its largest z ({@link #trainingScores}) and its largest sustained z
   * ({@link ArScore#largestSustained()}, 0 without a sustained score), from one roll of a state through the windows.
   * The sustained threshold is calibrated on the latter, for the same reason (the largest, not the quorum's mean).
   */
  private record TrainingScores(double[] largest, double[] sustained) {}

  private TrainingScores roll(ArTrainingSeries data) {
    requireSameLayout(data);
    ArState state = newState();
    double[] largest = new double[data.size()];
    double[] sustained = new double[data.size()];
    for (int t = 0; t < largest.length; t++) {
      ArScore s = state.update(data.start(t), data.values(t));
      largest[t] = s.largestZ();
      sustained[t] = s.largestSustained();
    }
    return new TrainingScores(largest, sustained);
  }

  /**
   * A copy with the AR threshold calibrated by {@code method} on the {@link #trainingScores} of {@code data}, at least
   * {@value #MIN_THRESHOLD}; {@link #thresholdMethod()} records the method and how many scores it saw.
   */
  public ArForecaster calibrated(ThresholdMethod method, ArTrainingSeries data) {
    return calibrate(method, data).forecaster();
  }

  /** A calibrated forecaster and the record of its calibration, as the manifest stores it. */
  public record Calibrated(ArForecaster forecaster, Calibration calibration) {}

  /**
   * Calibrates as {@link #calibrated} does and also returns the record: the method, the training range as basis, the
   * scores used, and the method's fitted values plus {@code floor} ({@value #MIN_THRESHOLD}) and {@code raw_threshold}
   * (the method's threshold before the floor). The method gets the window length, so {@code pot:R/day} works.
   *
   * <p>With a sustained score, {@code method}'s risk is shared by the two scores (each gets half, as the {@code union}
   * fusion shares the verdict's budget: by the union bound the AR score then fires at most as often as {@code method}
   * allows), the sustained threshold is calibrated on the training windows' largest sustained z in the same way, and
   * the record's parameters gain {@code sustained_threshold} (at least {@value #MIN_SUSTAINED_THRESHOLD}) and
   * {@code sustained_raw_threshold}.
   *
   * <p>When every window of {@code data} has its busiest destination's count ({@link
   * ArTrainingSeries#maxBusiestDstFlows()} is not -1), the destination-rate rule is calibrated too ({@link
   * RateRule#threshold(long, int)}), and the parameters gain {@code dst_rate_threshold} (flow records per second) and
   * {@code dst_rate_max_busiest_flows} (the training windows' largest count it was set from); likewise the pair-rate
   * rule from {@link ArTrainingSeries#maxBusiestPairFlows()}, as {@code pair_rate_threshold} and
   * {@code pair_rate_max_busiest_flows}. When every window has its service ports ({@link
   * ArTrainingSeries#servicePorts()} is not null), the new-ports rule is calibrated as {@link NewPorts} says, and the
   * parameters gain {@code new_ports_threshold} and {@code new_ports_left_out} (the count it was set from).
   */
  public Calibrated calibrate(ThresholdMethod method, ArTrainingSeries data) {
    ThresholdMethod share = sustain == 0 ? method : method.withRiskDividedBy(2);
    ThresholdMethod.Context context = new ThresholdMethod.Context(file.windowSeconds());
    TrainingScores rolled = roll(data);
    double[] scores = rolled.largest();
    ThresholdMethod.Calibrated c = share.calibrate(scores, context);
    double threshold = Math.max(MIN_THRESHOLD, c.threshold());
    Map<String, Double> parameters = new LinkedHashMap<>(c.parameters());
    parameters.put("floor", MIN_THRESHOLD);
    parameters.put("raw_threshold", c.threshold());
    Double sustainedThreshold = null;
    if (sustain > 0) {
      ThresholdMethod.Calibrated cs = share.calibrate(rolled.sustained(), context);
      sustainedThreshold = Math.max(MIN_SUSTAINED_THRESHOLD, cs.threshold());
      parameters.put("sustained_threshold", sustainedThreshold);
      parameters.put("sustained_raw_threshold", cs.threshold());
    }
    long busiest = data.maxBusiestDstFlows();
    Double dstRateThreshold = RateRule.DST.calibrate(busiest, file.windowSeconds(), parameters);
    long busiestPair = data.maxBusiestPairFlows();
    Double pairRateThreshold = RateRule.PAIR.calibrate(busiestPair, file.windowSeconds(), parameters);
    int[] servicePorts = data.servicePorts();
    long leftOut = data.newServicePorts();
    Double newPortsThreshold = servicePorts == null ? null : RateRule.countThreshold(leftOut);
    if (newPortsThreshold != null) {
      parameters.put("new_ports_threshold", newPortsThreshold);
      parameters.put("new_ports_left_out", (double) leftOut);
    }
    String how = String.format(Locale.ROOT, "%s of %d one-step training scores, at least %.1f%s%s", share.text(),
        scores.length, MIN_THRESHOLD, quorum == 1 ? "" : "; fires when " + quorum + " series are above it",
        sustain == 0 ? "" : String.format(Locale.ROOT, "; or when the sum of their last %d z / sqrt(%d) is above %.3f"
            + " (the same method on the training windows' sustained scores, at least %.1f)", sustain, sustain,
            sustainedThreshold, MIN_SUSTAINED_THRESHOLD))
        + RateRule.DST.describe(dstRateThreshold, busiest) + RateRule.PAIR.describe(pairRateThreshold, busiestPair)
        + (newPortsThreshold == null ? "" : String.format(Locale.ROOT, "; or when more than %.1f of a window's service"
            + " ports are none of the training range's %d (%d new to a training window left out, at the %.2f quantile)",
            newPortsThreshold, servicePorts.length, leftOut, NewPorts.LEFT_OUT_QUANTILE));
    ArModelFile f = file;
    ArForecaster calibrated = new ArForecaster(new ArModelFile(f.format(), f.windowSeconds(), f.order(), f.quorum(),
        f.sustain(), f.witness(), f.seasonal(), f.profileNote(), f.bucketSeconds(), f.maxImputedWindows(),
        f.trainFrom(), f.trainTo(), f.trainWindows(), threshold, how, sustainedThreshold, dstRateThreshold,
        pairRateThreshold, newPortsThreshold, servicePorts == null ? null : NewPorts.format(servicePorts), f.series()));
    return new Calibrated(calibrated, new Calibration(share.text(), Calibration.TRAINING_RANGE, c.scores(), 0, 0,
        List.of(), parameters));
  }

  /** The series names, in value order. */
  public List<String> names() {
    return names;
  }

  public int windowSeconds() {
    return file.windowSeconds();
  }

  public int order() {
    return order;
  }

  /** How many series must rise together for a window to score ({@link ArParameters#quorum()}). */
  public int quorum() {
    return quorum;
  }

  /** Windows of the sustained score ({@link ArParameters#sustain()}), 0 = none. */
  public int sustain() {
    return sustain;
  }

  /** The destination-rate rule's threshold in flow records per second; NaN without the rule. */
  public double dstRateThreshold() {
    return file.dstRateThreshold() == null ? Double.NaN : file.dstRateThreshold();
  }

  /** The pair-rate rule's threshold in flow records per second; NaN without the rule. */
  public double pairRateThreshold() {
    return file.pairRateThreshold() == null ? Double.NaN : file.pairRateThreshold();
  }

  /**
   * {@code score} with the rate rules applied for a window whose busiest destination received {@code busiestDstFlows}
   * flow records, whose busiest (source, destination) pair had {@code busiestPairFlows} (-1 = unknown) and whose
   * service ports are {@code servicePorts} (null = unknown; the {@link NewPorts} rule): above a rule's threshold, the
   * AR score becomes at least {@code count / threshold × AR threshold}, so {@code ar_score / ar_threshold} keeps its
   * meaning and the verdict fires (the rule with the larger ratio names it); otherwise, or without the rules,
   * {@code score} unchanged.
   */
  public ArScore rates(ArScore score, long busiestDstFlows, long busiestPairFlows, int[] servicePorts) {
    int w = file.windowSeconds();
    ArScore s = RateRule.DST.apply(score, busiestDstFlows, file.dstRateThreshold(), w, threshold());
    s = RateRule.PAIR.apply(s, busiestPairFlows, file.pairRateThreshold(), w, threshold());
    return newPorts == null ? s : newPorts.apply(s, servicePorts, threshold());
  }

  /** The new-ports rule's threshold in new service ports a window; NaN without the rule. */
  public double newPortsThreshold() {
    return newPorts == null ? Double.NaN : newPorts.threshold();
  }

  /** The sustained score's threshold; NaN without a sustained score. */
  public double sustainedThreshold() {
    if (!isCalibrated()) throw new IllegalStateException("this AR forecaster has not been calibrated");
    return file.sustainedThreshold() == null ? Double.NaN : file.sustainedThreshold();
  }

  /** Whether the profile varies with the time of day. */
  public boolean seasonal() {
    return file.seasonal();
  }

  /** Why the profile is diurnal or flat. */
  public String profileNote() {
    return file.profileNote();
  }

  /** Width of a time-of-day bucket, chosen by the fit (see {@link #bucketSeconds(int, int)}). */
  public int bucketSeconds() {
    return file.bucketSeconds();
  }

  /**
   * The longest gap, in windows, that {@link ArState} fills with forecasts (an hour of windows, at most
   * {@value #MAX_IMPUTED_WINDOWS}); a longer one resets the lags.
   */
  public int maxImputedWindows() {
    return maxImputedWindows;
  }

  /**
   * How many window slots before a window its score depends on: {@link #lagMemory()}, plus {@link #sustain()} − 1
   * with a sustained score (it sums the z of that many earlier windows, each of which depends on the lag memory
   * before it). Batch scoring of a range feeds a state the present windows of these slots before the range first, and
   * then scores exactly as a stream that saw them (see {@link ArState}).
   */
  public int memoryWindows() {
    return lagMemory() + Math.max(0, sustain - 1);
  }

  /** How many window slots before a window its z depend on: order + {@link #maxImputedWindows()}. */
  int lagMemory() {
    return order + maxImputedWindows;
  }

  public Instant trainFrom() {
    return file.trainFromInstant();
  }

  public Instant trainTo() {
    return file.trainToInstant();
  }

  public long trainWindows() {
    return file.trainWindows();
  }

  /** Whether {@link #calibrated} set a threshold. */
  public boolean isCalibrated() {
    return file.threshold() != null;
  }

  /** The calibrated threshold; a window's AR score fires when strictly above it. */
  public double threshold() {
    if (file.threshold() == null) throw new IllegalStateException("this AR forecaster has not been calibrated");
    return file.threshold();
  }

  /** How the threshold was calibrated; null before calibration. */
  public String thresholdMethod() {
    return file.thresholdMethod();
  }

  /** The fitted AR coefficients of series {@code i}, lag 1 first (a copy). */
  public double[] coefficients(int i) {
    return file.series().get(i).coefficients().clone();
  }

  /** The robust one-step residual scale of series {@code i}, log1p units. */
  public double scale(int i) {
    return file.series().get(i).scale();
  }

  /** The profile level (log1p units) of series {@code i} for the window starting at {@code windowStartMicros}. */
  public double profile(int i, long windowStartMicros) {
    return slotProfile[slot(windowStartMicros) * series + i];
  }

  /** The stored JSON form; {@link #fromJson} reads it back into a forecaster that scores identically. */
  public String toJson() {
    return StrictJson.write(file, "AR forecaster");
  }

  /** Parses and validates the stored form; any problem is an {@link IllegalArgumentException} saying what. */
  public static ArForecaster fromJson(String json) {
    return new ArForecaster(StrictJson.parse(json, ArModelFile.class, "AR forecaster"));
  }

  /** Writes {@value #FILE_NAME} into {@code dir}, beside the autoencoder's files of the same version. */
  public Path write(Path dir) {
    Path target = dir.resolve(FILE_NAME);
    try {
      Files.writeString(target, toJson(), StandardCharsets.UTF_8);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write AR forecaster " + target, e);
    }
  }

  /** Reads {@value #FILE_NAME} from {@code dir}; a missing or invalid file throws naming it. */
  public static ArForecaster read(Path dir) {
    return new ArForecaster(StrictJson.read(dir.resolve(FILE_NAME), ArModelFile.class, "AR forecaster"));
  }

  /** The window slot of the day (0 = the window starting at midnight UTC). */
  int slot(long windowStartMicros) {
    return (int) (Math.floorMod(windowStartMicros, 86_400_000_000L) / windowMicros);
  }

  void requireSameLayout(ArTrainingSeries data) {
    if (data.windowSeconds() != file.windowSeconds() || !data.names().equals(names)) {
      throw new IllegalArgumentException("these windows (" + data.windowSeconds() + " s, " + data.names().size()
          + " series) are not the forecaster's layout (" + file.windowSeconds() + " s, series " + names + ")");
    }
  }

  @Override
  public String toString() {
    return "ArForecaster{" + series + " series, " + file.windowSeconds() + " s windows, order " + order
        + (file.seasonal() ? ", diurnal" : ", flat") + ", quorum " + quorum
        + (sustain == 0 ? "" : ", sustain " + sustain)
        + (isCalibrated() ? ", threshold " + file.threshold() : "")
        + (file.sustainedThreshold() == null ? "" : ", sustained threshold " + file.sustainedThreshold()) + "}";
  }
}
