-- Raw pmacct records exactly as landed from Kafka (or JSON-lines files), before any parsing: the lossless source of
-- truth that compaction reads. One row per Kafka message (which may hold several newline-separated JSON objects).
-- Partitioned by the UTC hour of arrival (Kafka record timestamp; file modification time for file landing).
CREATE TABLE IF NOT EXISTS flows_landing (
  source           STRING    COMMENT 'Kafka topic, or the file URI for file landing',
  source_partition INT       COMMENT 'Kafka partition; -1 for files',
  source_offset    BIGINT    COMMENT 'Kafka offset; 0-based line number for files',
  arrival_time     TIMESTAMP COMMENT 'Kafka record timestamp (UTC); file modification time for files',
  value            BINARY    COMMENT 'the record value, byte for byte',
  landed_at        TIMESTAMP COMMENT 'when the landing micro-batch ran (UTC)',
  landing_run      STRING    COMMENT 'streaming query id and batch that wrote the row'
)
COMMENT 'Raw landed pmacct records (exactly once per Kafka offset or file line per landing checkpoint)'
PARTITIONED BY (dt STRING COMMENT 'UTC date of arrival_time, yyyy-MM-dd', hour INT COMMENT 'UTC hour of arrival_time, 0-23')
STORED AS PARQUET;
