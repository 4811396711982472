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
   * <p>With trimmed retraining, {@code train} and {@code validation} are the kept windows; the trimmed ones are not
   * scored, and reach the method only as a count ({@link ThresholdMethod.Context#trimmed()}), which pot treats as
   * censored peaks.
   */
  static TrainingResult calibrate(VectorSource train, VectorSource validation, Normalizer normalizer,
      Hyperparameters hp, Path outDir, List<EpochProgress> history, EpochProgress best, Trimming trimming,
      double windowSeconds, long started) {
    ThresholdMethod method = hp.threshold();
    double[] scores;
    double[] calibration;
    String basis;
    String basisText;
    int trimmedInSample;
    try (AnomalyModel model = AnomalyModel.load(outDir, normalizer, hp.hiddenSizes())) {
      scores = model.scores(validation);
      long needed = method.minimumScores();
      if (scores.length < needed) {
        double[] trained = model.scores(train);
        calibration = Arrays.copyOf(trained, trained.length + scores.length);
        System.arraycopy(scores, 0, calibration, trained.length, scores.length);
        basis = Calibration.TRAINING_RANGE;
        trimmedInSample = trimming.trimmed();
        basisText = trimming.trimmed() == 0
            ? "scores of all " + calibration.length + " windows of the training range (" + scores.length
                + " validation windows < " + needed + ")"
            : "scores of all " + calibration.length + " kept windows of the training range (" + trimming.trimmed()
                + " of " + (calibration.length + trimming.trimmed()) + " trimmed; " + scores.length
                + " validation windows < " + needed + ")";
      } else {
        calibration = scores;
        basis = Calibration.VALIDATION;
        trimmedInSample = trimming.trimmedValidation();
        basisText = trimming.trimmed() == 0 ? "validation scores" : "validation scores (" + trimmedInSample + " of "
            + (scores.length + trimmedInSample) + " validation windows trimmed)";
      }
    }
    ThresholdMethod.Calibrated calibrated = method.calibrate(calibration,
        new ThresholdMethod.Context(windowSeconds, trimmedInSample));
    double threshold = calibrated.threshold();
    Calibration record = new Calibration(method.text(), basis, calibration.length, hp.trimFraction(),
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
    metrics.put("threshold_windows", (double) calibration.length);
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
}
