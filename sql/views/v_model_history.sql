-- Every model version: its registration (model_versions, appended by `kaminari train`) next to what it did
-- (anomaly_scores). A version that scored but was published before the table existed still appears, with
-- registered = false and only what the scores tell. Where aliases point now is the registry's: `kaminari models`.
CREATE OR REPLACE VIEW v_model_history (
  model_name         COMMENT 'registry model name',
  model_version      COMMENT 'registry version',
  registered         COMMENT 'true when model_versions has the version (published by kaminari train)',
  created            COMMENT 'when the version was published (UTC)',
  spec_id            COMMENT 'feature spec of the model',
  threshold          COMMENT 'anomaly threshold on the score (unitless)',
  threshold_method   COMMENT 'how the threshold was derived',
  val_loss           COMMENT 'validation loss (mean squared error, unitless)',
  metrics            COMMENT 'every validation metric, by name',
  train_from         COMMENT 'start of the training period, inclusive (UTC)',
  train_to           COMMENT 'end of the training period, exclusive (UTC)',
  train_samples      COMMENT 'training windows',
  validation_samples COMMENT 'validation windows',
  promoted_alias     COMMENT 'alias the promotion gate moved to the version at publication (null if none or refused)',
  promotion          COMMENT 'the promotion decision at publication',
  scored_windows     COMMENT 'rows the version wrote to anomaly_scores (windows x scope keys)',
  anomalies          COMMENT 'of those, rows above the threshold',
  first_window       COMMENT 'earliest window_start it scored (UTC)',
  last_window        COMMENT 'latest window_end it scored (UTC)',
  last_scored_at     COMMENT 'when it last wrote scores (UTC)'
)
COMMENT 'Model versions with metrics, promotion at publication, and scoring activity'
AS
WITH scored AS (
  SELECT model_name, model_version, max(threshold) AS threshold, max(spec_id) AS spec_id, count(*) AS scored_windows,
    count_if(is_anomaly) AS anomalies, min(window_start) AS first_window, max(window_end) AS last_window,
    max(scored_at) AS last_scored_at
  FROM anomaly_scores
  GROUP BY model_name, model_version
)
SELECT coalesce(v.model_name, s.model_name) AS model_name, coalesce(v.model_version, s.model_version) AS model_version,
  v.model_name IS NOT NULL AS registered,
  v.created, coalesce(v.spec_id, s.spec_id) AS spec_id, coalesce(v.threshold, s.threshold) AS threshold, v.threshold_method, v.val_loss,
  v.metrics, v.train_from, v.train_to, v.train_samples, v.validation_samples, v.promoted_alias, v.promotion,
  coalesce(s.scored_windows, 0L) AS scored_windows, coalesce(s.anomalies, 0L) AS anomalies, s.first_window, s.last_window, s.last_scored_at
FROM model_versions v
FULL OUTER JOIN scored s ON v.model_name = s.model_name AND v.model_version = s.model_version;
