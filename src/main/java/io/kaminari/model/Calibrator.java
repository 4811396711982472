package io.kaminari.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The trainer's last step: scores the kept windows with the saved weights, calibrates the threshold, writes model.json. */
final class Calibrator {
  private static final Logger LOG = LoggerFactory.getLogger(Calibrator.class);

  private Calibrator() {}

  /**
   * Scores the validation windows with the saved (best) weights, derives the threshold and writes model.json.
   *
   * <p>Minimum-count rule: a quantile {@code Q} needs at least {@code 1 / (1 - Q)} scores to be more than the largest
   * of them (1,000 for 0.999), mad and pot need enough for their estimates ({@link ThresholdMethod#minimumScores}).
   * With fewer validation windows (a one-day range of 5-minute windows holds 29) the threshold would rest on a couple
   * of hours at the end of the range, which swing with what those hours held. Then the method calibrates on the scores
   * of every window of the range, training windows included: the whole daily cycle, about ten times the sample.
   * Training windows score a little lower than unseen ones (the model fitted them), which this accepts for a sample
   * that covers every hour; the validation windows are still in the set, so a quantile is never below their maximum
   * when the set is also short of the count. {@code sigma:K} needs one score and always uses the validation windows.
   *
   * <p>With trimmed retraining the sample is the kept windows; the trimmed windows of the same basis are scored too and
   * passed apart ({@link ThresholdMethod.Context#trimmedScores()}): quantile, sigma and mad ignore them, pot adds them
   * back. Pot needs them: without the top few percent, its tail ends early and the threshold sinks (on the synthetic
   * data of {@code TrainerTest}, trimming 5% tripled pot's false alarms), while the windows trimmed for being anomalous
   * are exactly what its fit already keeps out (far outliers dropped, the top censored).
   *
   * @param allTrain every training window, trimmed ones included
   * @param allValidation every validation window, trimmed ones included
   */
  static TrainingResult calibrate(VectorSource allTrain, VectorSource allValidation, Normalizer normalizer,
      Hyperparameters hp, Path outDir, List<EpochProgress> history, EpochProgress best, Trimming trimming,
      double windowSeconds, long started) {
    ThresholdMethod method = hp.threshold();
    VectorSource train = trimming.keptTrain(allTrain);
    VectorSource validation = trimming.keptValidation(allValidation);
    double[] scores;
    double[] calibration;
    double[] trimmedScores;
    String basis;
    String basisText;
    try (AnomalyModel model = AnomalyModel.load(outDir, normalizer, hp.hiddenSizes())) {
      scores = model.scores(validation);
      double[] trimmedValidation = scoresOrNone(model, trimming.trimmedValidation(allValidation));
      long needed = method.minimumScores();
      if (scores.length < needed) {
        calibration = concat(model.scores(train), scores);
        trimmedScores = concat(scoresOrNone(model, trimming.trimmedTrain(allTrain)), trimmedValidation);
        basis = Calibration.TRAINING_RANGE;
        basisText = trimming.trimmed() == 0
            ? "scores of all " + calibration.length + " windows of the training range (" + scores.length
                + " validation windows < " + needed + ")"
            : "scores of all " + calibration.length + " kept windows of the training range (" + trimming.trimmed()
                + " of " + (calibration.length + trimming.trimmed()) + " trimmed; " + scores.length
                + " validation windows < " + needed + ")";
      } else {
        calibration = scores;
        trimmedScores = trimmedValidation;
        basis = Calibration.VALIDATION;
        basisText = trimming.trimmed() == 0 ? "validation scores" : "validation scores (" + trimming.trimmedValidation()
            + " of " + (scores.length + trimming.trimmedValidation()) + " validation windows trimmed)";
      }
    }
    ThresholdMethod.Calibrated calibrated = method.calibrate(calibration,
        new ThresholdMethod.Context(windowSeconds, trimmedScores));
    double threshold = calibrated.threshold();
    Calibration record = new Calibration(method.text(), basis, calibrated.scores(), hp.trimFraction(),
        trimming.trimmed(), trimming.trimmedStarts(), calibrated.parameters());
    double[] sorted = scores.clone();
    Arrays.sort(sorted);
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("val_loss", best.validationLoss());
    metrics.put("val_score_mean", Arrays.stream(scores).average().orElse(Double.NaN));
    metrics.put("val_score_p50", new ThresholdMethod.Quantile(0.5).threshold(scores));
    metrics.put("val_score_p99", new ThresholdMethod.Quantile(0.99).threshold(scores));
    metrics.put("val_score_max", sorted[sorted.length - 1]);
    metrics.put("val_above_threshold", Arrays.stream(scores).filter(s -> s > threshold).count() / (double) scores.length);
    metrics.put("threshold_windows", (double) calibrated.scores());
    metrics.put("trimmed_windows", (double) trimming.trimmed());
    String engine = DjlRuntime.describe();
    new ModelMetadata(normalizer.dimension(), hp, normalizer.mean(), normalizer.std(), threshold, best.epoch(),
        train.size(), validation.size(), engine, record).write(outDir);
    boolean earlyStopped = history.size() < hp.epochs();
    LOG.info("kept epoch {} (val_loss {}), threshold {} by {} of {} {}{}", best.epoch(), best.validationLoss(),
        threshold, method.text(), basisText, calibrated.parameters(), earlyStopped ? ", stopped early" : "");
    return new TrainingResult(history, best.epoch(), earlyStopped, normalizer, threshold, method, basisText, record,
        metrics, train.size(), validation.size(), engine, outDir.resolve(Autoencoder.NAME + "-0000.params"),
        (System.nanoTime() - started) / 1e9);
  }

  private static double[] scoresOrNone(AnomalyModel model, VectorSource windows) {
    return windows == null ? new double[0] : model.scores(windows);
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
