-- The production verdict of every window x scope key, written by `kaminari score` (batch) from port_vectors,
-- with each detector's score and threshold (the autoencoder's, the AR forecaster's) and which one fired.
-- The columns after scored_at were added after the first release: Warehouse.ADDED_COLUMNS adds them to a table
-- created before, whose older rows read them as null.
-- Partitioned by the UTC hour of window_start and by the model version that scored it, so a rerun of one model
-- overwrites exactly its own partitions and the flags of two versions can be compared on the same windows.
CREATE TABLE IF NOT EXISTS anomaly_scores (
  window_start  TIMESTAMP     COMMENT 'window start, inclusive (UTC)',
  window_end    TIMESTAMP     COMMENT 'window end, exclusive (UTC)',
  scope         STRING        COMMENT 'global or dst-prefix',
  scope_key     STRING        COMMENT 'global, or the destination prefix (the victim network)',
  score         DOUBLE        COMMENT 'the verdict score against 1.0: ar_score / ar_threshold (ar-led), max of both ratios (union), ae_score / ae_threshold (no forecaster; dst-prefix: sustained over 5 windows if the prefix has its own threshold, or the prefix rate if larger); older: ae score',
  threshold     DOUBLE        COMMENT 'the verdict threshold the score was compared with: 1.0 (rows of versions without detectors: the autoencoder threshold)',
  is_anomaly    BOOLEAN       COMMENT 'score > threshold: the AR forecaster fired (ar-led), either detector fired (union), or the autoencoder fired (no forecaster); under dst-prefix also the prefix rate',
  explanation   ARRAY<STRING> COMMENT 'the 3 features with the largest share of the squared error ("dst_port 80 pps (87%)"), the 3 AR series furthest above their forecast ("AR distinct sources +66.6 sigma"), and the top talkers ("dst prefix 203.0.113.0/24 (91%)", "src ...", "dst port ...")',
  flows         BIGINT        COMMENT 'flow records in the window and key',
  packets       BIGINT        COMMENT 'packets in the window and key, scaled by the sampling rate',
  spec_id       STRING        COMMENT 'feature spec of the vector and the model',
  scored_at     TIMESTAMP     COMMENT 'when the scoring run wrote the row (UTC)',
  ae_score      DOUBLE        COMMENT 'the autoencoder score: mean squared reconstruction error of the standardised log1p vector (unitless); null in rows written before the column existed',
  ae_threshold  DOUBLE        COMMENT 'the autoencoder threshold (under dst-prefix: the threshold of the prefix itself when it has one, else that of its traffic group)',
  ar_score      DOUBLE        COMMENT 'the AR forecaster score (robust sigmas): geometric mean of the 2 largest upward forecast residuals, or of their sustained sums on the same scale if larger; null without a forecaster',
  ar_threshold  DOUBLE        COMMENT 'the AR forecaster threshold (robust sigmas); null without a forecaster',
  fired         STRING        COMMENT 'which detectors were above their own thresholds: none, ae, ar or ae+ar; under dst-prefix also rate or ae+rate, the prefix rate (under ar-led, ae alone is not a verdict)',
  traffic_group INT           COMMENT 'dst-prefix: the traffic-level group of the prefix (0 = quietest, also every prefix unseen in training); null under global'
)
COMMENT 'Anomaly scores per window and scope key, per model version'
PARTITIONED BY (dt STRING COMMENT 'UTC date of window_start, yyyy-MM-dd', hour INT COMMENT 'UTC hour of window_start, 0-23',
  model_name STRING COMMENT 'registry model name, e.g. flow-ae', model_version INT COMMENT 'registry version that scored the row')
STORED AS PARQUET;
