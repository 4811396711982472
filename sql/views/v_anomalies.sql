-- Every scored window above its model's threshold, with the explanation and the model version that flagged it.
CREATE OR REPLACE VIEW v_anomalies (
  dt               COMMENT 'UTC date of window_start, yyyy-MM-dd',
  hour             COMMENT 'UTC hour of window_start, 0-23',
  window_start     COMMENT 'window start, inclusive (UTC)',
  window_end       COMMENT 'window end, exclusive (UTC)',
  scope            COMMENT 'global or dst-prefix',
  scope_key        COMMENT 'global, or the destination prefix (the victim network)',
  model_name       COMMENT 'registry model name',
  model_version    COMMENT 'registry version that scored the window',
  score            COMMENT 'anomaly score (mean squared reconstruction error, unitless)',
  threshold        COMMENT 'the threshold of that model version (same unit as score)',
  score_ratio      COMMENT 'score / threshold: how far above the threshold (> 1)',
  explanation      COMMENT 'the features with the largest share of the squared error, e.g. "dst_port 80 pps (87%)"',
  explanation_text COMMENT 'the explanation joined with "; "',
  flows            COMMENT 'flow records in the window and key',
  packets          COMMENT 'packets in the window and key, scaled by the sampling rate',
  spec_id          COMMENT 'feature spec of the vector and the model',
  scored_at        COMMENT 'when the scoring run wrote the row (UTC)'
)
COMMENT 'Anomalous windows (score above threshold) with explanation and model version'
AS
SELECT dt, hour, window_start, window_end, scope, scope_key, model_name, model_version, score, threshold,
  score / threshold AS score_ratio, explanation,
  array_join(explanation, '; ') AS explanation_text, flows, packets, spec_id, scored_at
FROM anomaly_scores
WHERE is_anomaly;
