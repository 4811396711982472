-- The anomaly score of every window x scope key, written by `kaminari score` (batch) from kaminari.port_vectors.
-- Partitioned by the UTC hour of window_start and by the model version that scored it, so a rerun of one model
-- overwrites exactly its own partitions and the flags of two versions can be compared on the same windows.
CREATE TABLE IF NOT EXISTS kaminari.anomaly_scores (
  window_start TIMESTAMP     COMMENT 'window start, inclusive (UTC)',
  window_end   TIMESTAMP     COMMENT 'window end, exclusive (UTC)',
  scope        STRING        COMMENT 'global or dst-prefix',
  scope_key    STRING        COMMENT 'global, or the destination prefix (the victim network)',
  score        DOUBLE        COMMENT 'anomaly score: mean squared reconstruction error of the standardised log1p vector (unitless)',
  threshold    DOUBLE        COMMENT 'the model threshold the score was compared with (same unit as score)',
  is_anomaly   BOOLEAN       COMMENT 'score > threshold',
  explanation  ARRAY<STRING> COMMENT 'the 3 features with the largest share of the squared error, e.g. "dst_port 80 pps (87%)"',
  flows        BIGINT        COMMENT 'flow records in the window and key',
  packets      BIGINT        COMMENT 'packets in the window and key, scaled by the sampling rate',
  spec_id      STRING        COMMENT 'feature spec of the vector and the model',
  scored_at    TIMESTAMP     COMMENT 'when the scoring run wrote the row (UTC)'
)
COMMENT 'Anomaly scores per window and scope key, per model version'
PARTITIONED BY (dt STRING COMMENT 'UTC date of window_start, yyyy-MM-dd', hour INT COMMENT 'UTC hour of window_start, 0-23',
  model_name STRING COMMENT 'registry model name, e.g. flow-ae', model_version INT COMMENT 'registry version that scored the row')
STORED AS PARQUET;
