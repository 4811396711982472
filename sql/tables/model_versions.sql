-- Every model version published to the registry, appended by `kaminari train` right after the publish (and the
-- promotion gate). The registry (model.store, a Hadoop FS) stays the authority on files and on where aliases point
-- now; this table makes versions, metrics and the alias each version was granted at publication queryable next to
-- the scores. All times are UTC.
CREATE TABLE IF NOT EXISTS model_versions (
  model_name         STRING             COMMENT 'registry model name, e.g. flow-ae',
  model_version      INT                COMMENT 'registry version (1, 2, ...), immutable once published',
  created            TIMESTAMP          COMMENT 'when the version was published (UTC)',
  spec_id            STRING             COMMENT 'feature spec the model was trained on (see feature_specs)',
  threshold          DOUBLE             COMMENT 'anomaly threshold on the score (mean squared reconstruction error, unitless)',
  threshold_method   STRING             COMMENT 'how the threshold was derived, e.g. "p99.5 of validation scores"',
  val_loss           DOUBLE             COMMENT 'validation loss (mean squared error, unitless) that the promotion gate compares',
  metrics            MAP<STRING,DOUBLE> COMMENT 'every validation metric of the manifest, by name',
  train_from         TIMESTAMP          COMMENT 'start of the training period, inclusive (UTC)',
  train_to           TIMESTAMP          COMMENT 'end of the training period, exclusive (UTC)',
  train_samples      BIGINT             COMMENT 'training windows (vectors)',
  validation_samples BIGINT             COMMENT 'validation windows (vectors)',
  promoted_alias     STRING             COMMENT 'alias the promotion gate moved to this version at publication; null if none or refused',
  promotion          STRING             COMMENT 'the promotion decision as printed by the CLI; null when not offered to an alias',
  registry           STRING             COMMENT 'registry root URI the version lives in (model.store)',
  code_version       STRING             COMMENT 'Kaminari version that trained it'
)
COMMENT 'Published model versions with their metrics (a queryable copy of the registry manifests)'
STORED AS PARQUET;
