package io.kaminari.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kaminari.common.StrictJson;
import io.kaminari.model.ar.ArParameters;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The settings of one training run (the autoencoder, the AR forecaster beside it, and the false-alarm budget they
 * share), validated on construction (an {@link IllegalArgumentException} names
 * the offending field); {@link #DEFAULTS} is the single Java declaration of the defaults, and
 * {@code models/flow-ae/definition.json} must state the same values (a test compares them).
 *
 * <p>Defaults: hidden sizes [20, 20] (the seed's reference architecture), 50 epochs, batch 256, learning rate 1e-3,
 * Adam, seed 42, patience 5 (0 disables early stopping), the most recent 10% of windows for validation, a budget of
 * {@code pot:1/day} (at most one false alarm a day per scope, peaks over threshold; it needs a range of at least 170
 * windows and refuses a shorter one), trimmed retraining dropping 2% of the windows. The threshold method was chosen by
 * {@code kaminari evaluate-suite} (docs/evaluation.md, "Choosing the defaults"): it is the only candidate that
 * detected every event of every dataset, the contaminated training range included.
 *
 * @param hiddenSizes encoder layer widths, outermost first; the decoder mirrors them ({@link Autoencoder})
 * @param epochs maximum number of passes over the training windows
 * @param batchSize windows per optimiser step
 * @param learningRate fixed learning rate of the optimiser
 * @param optimiser {@code adam} or {@code sgd}
 * @param seed seeds parameter initialisation and the per-epoch shuffle: same data + same seed = same weights
 * @param patience stop after this many epochs without a lower validation loss; 0 = always run every epoch
 * @param validationFraction share of the windows, the most recent ones, held out for validation and the threshold
 * @param threshold the false-alarm budget of the production verdict, per scope, as the method that calibrates it
 *     (e.g. {@code pot:1/day}: at most one false alarm a day); the trainer shares it out
 *     ({@link ThresholdMethod#withRiskDividedBy}): half to each detector when the version has an AR forecaster, and
 *     under {@code dst-prefix} a prefix's share of its window (divided by the prefixes active per window). Each share
 *     calibrates that detector's threshold on its scores (the autoencoder's: the validation scores, see
 *     {@code Calibrator})
 * @param trimFraction trimmed retraining, in [0, 0.5): train, drop this share of the windows with the highest scores
 *     (of the training and of the validation windows, each) as presumed anomalies, train again on the rest with the
 *     same seed and calibrate on the kept windows, so that attacks inside the training range shape neither the model
 *     nor the threshold; 0 trains once
 * @param arOrder lags of the AR forecaster fitted beside the autoencoder on a {@code global} spec's windows
 *     ({@code models/flow-ar/MODEL_CARD.md}), 1 to 3; 0 = no AR forecaster (the autoencoder then gets the whole
 *     budget)
 * @param arQuorum how many series must rise together for the AR forecaster to score a window, 1 to 3
 *     ({@link ArParameters#quorum()})
 * @param arSustain windows of the AR forecaster's sustained score, 0 (none) or 2 to 30 ({@link ArParameters#sustain()})
 * @param fusion how the autoencoder and the AR forecaster make the verdict, {@code ar-led} (default) or {@code union}
 *     ({@link Fusion.Rule}); without an AR forecaster the verdict is the autoencoder's either way
 * @param arThreshold the method that calibrates the AR forecaster's share of the budget, read at the full budget and
 *     shared out as {@code threshold} is; null = {@code threshold}'s method
 */
@JsonPropertyOrder({"hidden_sizes", "epochs", "batch_size", "learning_rate", "optimiser", "seed", "patience",
    "validation_fraction", "threshold", "trim_fraction", "ar_order", "ar_quorum", "ar_sustain", "fusion",
    "ar_threshold"})
public record Hyperparameters(
    @JsonProperty("hidden_sizes") List<Integer> hiddenSizes,
    @JsonProperty("epochs") int epochs,
    @JsonProperty("batch_size") int batchSize,
    @JsonProperty("learning_rate") double learningRate,
    @JsonProperty("optimiser") String optimiser,
    @JsonProperty("seed") long seed,
    @JsonProperty("patience") int patience,
    @JsonProperty("validation_fraction") double validationFraction,
    @JsonProperty("threshold") ThresholdMethod threshold,
    @JsonProperty("trim_fraction") double trimFraction,
    @JsonProperty("ar_order") int arOrder,
    @JsonProperty("ar_quorum") int arQuorum,
    @JsonProperty("ar_sustain") int arSustain,
    @JsonProperty("fusion") String fusion,
    @JsonProperty("ar_threshold") @JsonInclude(JsonInclude.Include.NON_NULL) ThresholdMethod arThreshold) {

  // Declared before DEFAULTS: the constructor that builds DEFAULTS reads it.
  private static final Set<String> OPTIMISERS = Set.of("adam", "sgd");

  public static final Hyperparameters DEFAULTS = new Hyperparameters(List.of(20, 20), 50, 256, 1e-3, "adam", 42L, 5,
      0.1, ThresholdMethod.parse("pot:1/day"), 0.02, 2, ArParameters.DEFAULT_QUORUM, ArParameters.DEFAULT_SUSTAIN,
      Fusion.Rule.AR_LED.text(), null);

  public Hyperparameters {
    if (hiddenSizes == null || hiddenSizes.isEmpty()) {
      throw new IllegalArgumentException("hidden_sizes must list at least one layer width, e.g. [20, 20]");
    }
    if (hiddenSizes.stream().anyMatch(h -> h == null || h < 1)) {
      throw new IllegalArgumentException("hidden_sizes must hold widths >= 1, got " + hiddenSizes);
    }
    hiddenSizes = List.copyOf(hiddenSizes);
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
    }
    if (!(learningRate > 0 && Double.isFinite(learningRate))) {
      throw new IllegalArgumentException("learning_rate must be a finite number > 0, got " + learningRate);
    }
    if (optimiser == null || !OPTIMISERS.contains(optimiser)) {
      throw new IllegalArgumentException("optimiser must be \"adam\" or \"sgd\", got " + optimiser);
    }
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0 (0 disables early stopping), got " + patience);
    }
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("validation_fraction must be in (0, 1), got " + validationFraction);
    }
    if (threshold == null) {
      throw new IllegalArgumentException("threshold is required: " + ThresholdMethod.FORMS);
    }
    if (!(trimFraction >= 0 && trimFraction < 0.5)) {
      throw new IllegalArgumentException("trim_fraction must be in [0, 0.5) (0 = no trimmed retraining), got "
          + trimFraction);
    }
    if (arOrder < 0 || arOrder > ArParameters.MAX_ORDER) {
      throw new IllegalArgumentException("ar_order must be 0 (no AR forecaster) to "
          + ArParameters.MAX_ORDER + ", got " + arOrder);
    }
    ArParameters.checkQuorum(arQuorum);
    ArParameters.checkSustain(arSustain);
    Fusion.Rule.parse(fusion);
  }

  /** {@link #fusion()} as the rule. */
  public Fusion.Rule fusionRule() {
    return Fusion.Rule.parse(fusion);
  }

  /** The settings with trimmed retraining and the default AR forecaster. */
  public Hyperparameters(List<Integer> hiddenSizes, int epochs, int batchSize, double learningRate, String optimiser,
      long seed, int patience, double validationFraction, ThresholdMethod threshold, double trimFraction) {
    this(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience, validationFraction, threshold,
        trimFraction, 2, ArParameters.DEFAULT_QUORUM, ArParameters.DEFAULT_SUSTAIN, Fusion.Rule.AR_LED.text(), null);
  }

  /** The settings without trimmed retraining ({@code trim_fraction} 0), as before it existed. */
  public Hyperparameters(List<Integer> hiddenSizes, int epochs, int batchSize, double learningRate, String optimiser,
      long seed, int patience, double validationFraction, ThresholdMethod threshold) {
    this(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience, validationFraction, threshold, 0.0);
  }

  /** The method that calibrates the AR forecaster: {@link #arThreshold()}, or else {@link #threshold()}. */
  public ThresholdMethod arMethod() {
    return arThreshold != null ? arThreshold : threshold;
  }

  /** Builds from JSON fields, taking every absent field from {@link #DEFAULTS}; Jackson's entry point. */
  @JsonCreator
  static Hyperparameters fromJsonFields(
      @JsonProperty("hidden_sizes") List<Integer> hiddenSizes,
      @JsonProperty("epochs") Integer epochs,
      @JsonProperty("batch_size") Integer batchSize,
      @JsonProperty("learning_rate") Double learningRate,
      @JsonProperty("optimiser") String optimiser,
      @JsonProperty("seed") Long seed,
      @JsonProperty("patience") Integer patience,
      @JsonProperty("validation_fraction") Double validationFraction,
      @JsonProperty("threshold") String threshold,
      @JsonProperty("trim_fraction") Double trimFraction,
      @JsonProperty("ar_order") Integer arOrder,
      @JsonProperty("ar_quorum") Integer arQuorum,
      @JsonProperty("ar_sustain") Integer arSustain,
      @JsonProperty("fusion") String fusion,
      @JsonProperty("ar_threshold") String arThreshold) {
    Hyperparameters d = DEFAULTS;
    return new Hyperparameters(
        hiddenSizes == null ? d.hiddenSizes : hiddenSizes,
        epochs == null ? d.epochs : epochs,
        batchSize == null ? d.batchSize : batchSize,
        learningRate == null ? d.learningRate : learningRate,
        optimiser == null ? d.optimiser : optimiser,
        seed == null ? d.seed : seed,
        patience == null ? d.patience : patience,
        validationFraction == null ? d.validationFraction : validationFraction,
        threshold == null ? d.threshold : ThresholdMethod.parse(threshold),
        trimFraction == null ? d.trimFraction : trimFraction,
        arOrder == null ? d.arOrder : arOrder,
        arQuorum == null ? d.arQuorum : arQuorum,
        arSustain == null ? d.arSustain : arSustain,
        fusion == null ? d.fusion : fusion,
        arThreshold == null ? d.arThreshold : ThresholdMethod.parse(arThreshold));
  }

  /** Parses hyperparameter JSON; absent fields take the defaults, unknown fields and bad values throw. */
  public static Hyperparameters fromJson(String json) {
    return StrictJson.parse(json, Hyperparameters.class, "hyperparameters");
  }

  /** Reads a model definition file such as {@code models/flow-ae/definition.json}; errors name the file. */
  public static Hyperparameters read(Path file) {
    return StrictJson.read(file, Hyperparameters.class, "model definition");
  }

  /** These settings as indented JSON with a trailing newline; {@link #fromJson} reads it back. */
  public String toJson() {
    return StrictJson.write(this, "hyperparameters");
  }

  /** A copy with other epochs and patience, the two settings benches and tests change most. */
  public Hyperparameters withEpochs(int newEpochs, int newPatience) {
    return new Hyperparameters(hiddenSizes, newEpochs, batchSize, learningRate, optimiser, seed, newPatience,
        validationFraction, threshold, trimFraction, arOrder, arQuorum, arSustain, fusion, arThreshold);
  }

  /** A copy with another seed. */
  public Hyperparameters withSeed(long newSeed) {
    return new Hyperparameters(hiddenSizes, epochs, batchSize, learningRate, optimiser,
        newSeed, patience, validationFraction, threshold, trimFraction, arOrder, arQuorum, arSustain, fusion,
        arThreshold);
  }

  /** A copy with another threshold method. */
  public Hyperparameters withThreshold(ThresholdMethod newThreshold) {
    return new Hyperparameters(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience,
        validationFraction, newThreshold, trimFraction, arOrder, arQuorum, arSustain, fusion, arThreshold);
  }

  /** A copy with another trim fraction (0 = no trimmed retraining). */
  public Hyperparameters withTrimFraction(double newTrimFraction) {
    return new Hyperparameters(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience,
        validationFraction, threshold, newTrimFraction, arOrder, arQuorum, arSustain, fusion, arThreshold);
  }

  /** A copy with another AR order (0 = no AR forecaster) and AR method (null = {@link #threshold()}'s). */
  public Hyperparameters withAr(int newArOrder, ThresholdMethod newArThreshold) {
    return new Hyperparameters(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience,
        validationFraction, threshold, trimFraction, newArOrder, arQuorum, arSustain, fusion, newArThreshold);
  }

  /** A copy with another AR quorum. */
  public Hyperparameters withArQuorum(int newArQuorum) {
    return new Hyperparameters(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience,
        validationFraction, threshold, trimFraction, arOrder, newArQuorum, arSustain, fusion, arThreshold);
  }

  /** A copy with another fusion rule. */
  public Hyperparameters withFusion(Fusion.Rule newFusion) {
    return new Hyperparameters(hiddenSizes, epochs, batchSize, learningRate, optimiser, seed, patience,
        validationFraction, threshold, trimFraction, arOrder, arQuorum, arSustain, newFusion.text(), arThreshold);
  }
}
