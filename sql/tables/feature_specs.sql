-- Every feature spec that vectors were built with, so that any reader of port_vectors can resolve a spec_id
-- to its layout. Appended by `kaminari features` the first time it writes vectors of a spec; never updated.
CREATE TABLE IF NOT EXISTS feature_specs (
  spec_id    STRING    COMMENT 'FeatureSpec.id(): 16 hex digits of SHA-256 over the canonical layout',
  name       STRING    COMMENT 'spec name when first registered (documentation only, not part of the id)',
  scope      STRING    COMMENT 'global or dst-prefix',
  dimension  INT       COMMENT 'vector length (values)',
  spec_json  STRING    COMMENT 'the spec as JSON (FeatureSpec.toJson), readable with FeatureSpec.fromJson',
  created_at TIMESTAMP COMMENT 'when it was registered (UTC)'
)
COMMENT 'Feature spec layouts by id (the dictionary of port_vectors.spec_id)'
STORED AS PARQUET;
