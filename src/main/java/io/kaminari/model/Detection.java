package io.kaminari.model;

import io.kaminari.model.ar.ArScore;
import java.util.List;

/**
 * The production verdict of one window × scope key with what made it: each detector's score and threshold, the
 * fusion, and the explanation; what both the batch {@code ScoreJob} and the streaming scorer write
 * ({@link ScoringModel#score}).
 *
 * @param window the scored window
 * @param ae the autoencoder's score and top features
 * @param aeThreshold its threshold (the key's group's under {@code dst-prefix})
 * @param ar the AR score, or null when there is none (no forecaster, or the window lacks its distinct sources)
 * @param arThreshold the AR threshold, NaN when {@code ar} is null
 * @param verdict the fused verdict: score, anomaly, which detector fired
 * @param group the key's traffic-level group under {@code dst-prefix}; -1 under {@code global}
 * @param explanation the autoencoder's top features ({@code dst_port 80 pps (87%)}), then the AR's top series
 *     ({@code AR distinct sources +66.6σ}), then the window's top talkers ({@code dst prefix 203.0.113.0/24 (91%)},
 *     {@code src 198.51.100.7 (12%)}, {@code dst port 80 (95%)})
 */
public record Detection(ScoringModel.Window window, Score ae, double aeThreshold, ArScore ar, double arThreshold,
    Fusion.Verdict verdict, int group, List<String> explanation) {

  public Detection {
    explanation = List.copyOf(explanation);
  }

  /** The AR score, NaN when there is none. */
  public double arScore() {
    return ar == null ? Double.NaN : ar.score();
  }
}
