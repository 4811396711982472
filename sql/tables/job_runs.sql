-- One row per job run (successful or not): what ran, on which window, and counts that reconcile.
-- For compaction: input_objects = output_rows + duplicates + rejected + markers.
-- event_hours was added after the first release: Warehouse.ADDED_COLUMNS adds it to a table created before.
CREATE TABLE IF NOT EXISTS job_runs (
  run_id        STRING    COMMENT 'unique id of the run',
  job           STRING    COMMENT 'land, land-files, compact, ...',
  window_start  TIMESTAMP COMMENT 'start of the window the run covered (UTC), null when not windowed',
  window_end    TIMESTAMP COMMENT 'end (exclusive) of the window (UTC)',
  started       TIMESTAMP COMMENT 'run start (UTC)',
  finished      TIMESTAMP COMMENT 'run end (UTC)',
  status        STRING    COMMENT 'SUCCEEDED or FAILED',
  input_records BIGINT    COMMENT 'records read (landing rows, Kafka messages)',
  input_objects BIGINT    COMMENT 'JSON objects in those records (multi-value messages hold several)',
  output_rows   BIGINT    COMMENT 'new rows written to the output table',
  duplicates    BIGINT    COMMENT 'objects already present (replays), not written again',
  rejected      BIGINT    COMMENT 'objects quarantined in flows_rejected',
  markers       BIGINT    COMMENT 'purge_init/purge_close markers (counted, not flows)',
  message       STRING    COMMENT 'details: partitions written, offsets, or the error',
  event_hours   ARRAY<STRING> COMMENT 'UTC event hours (yyyy-MM-ddTHH) whose partitions the run wrote (compact: what --after-compact redoes)'
)
COMMENT 'Audit log of every job run'
STORED AS PARQUET;
