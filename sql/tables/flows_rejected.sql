-- Every landed JSON object that could not become a flow, with why. Partitioned by the landing (arrival) hour that
-- compaction processed, since a rejected record may have no usable event time.
CREATE TABLE IF NOT EXISTS flows_rejected (
  source           STRING    COMMENT 'Kafka topic or file URI',
  source_partition INT       COMMENT 'Kafka partition (-1 for files)',
  source_offset    BIGINT    COMMENT 'Kafka offset or file line',
  source_index     INT       COMMENT 'index of the object within a multi-value message',
  arrival_time     TIMESTAMP COMMENT 'Kafka record timestamp / file time (UTC)',
  raw              STRING    COMMENT 'the rejected object as text (invalid UTF-8 replaced; the bytes stay in flows_landing)',
  reason           STRING    COMMENT 'why it was rejected',
  compacted_at     TIMESTAMP COMMENT 'when the compaction run wrote it (UTC)'
)
COMMENT 'Quarantined pmacct records that did not parse, with the reason'
PARTITIONED BY (dt STRING COMMENT 'UTC date of the landing partition', hour INT COMMENT 'UTC hour of the landing partition')
STORED AS PARQUET;
