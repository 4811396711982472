-- One port-feature vector per window x scope key x feature spec, built by `kaminari features` from flows.
-- Partitioned by the UTC hour of window_start (windows never straddle an hour), then by spec: a rerun of one spec
-- overwrites exactly its own (dt, hour, spec_id) partitions, so vectors of other specs in the same hours survive.
-- Rates are per second of window length; all times are UTC.
CREATE TABLE IF NOT EXISTS port_vectors (
  window_start     TIMESTAMP     COMMENT 'window start, inclusive (UTC), epoch-aligned to the spec window length',
  window_end       TIMESTAMP     COMMENT 'window end, exclusive (UTC): window_start + window_seconds',
  scope            STRING        COMMENT 'global (one vector per window) or dst-prefix (one per destination prefix with traffic)',
  scope_key        STRING        COMMENT 'global, or the destination prefix in canonical text (192.0.2.0/24, 2001:db8::/64)',
  vector           ARRAY<FLOAT>  COMMENT 'the values in the spec layout (FeatureSpec.featureNames): rates in units per second, distinct counts as counts',
  flows            BIGINT        COMMENT 'flow records in the window and key (count, not scaled by sampling)',
  packets          BIGINT        COMMENT 'packets in the window and key, scaled by max(1, sampling_rate): estimated packets on the wire',
  sources          BIGINT        COMMENT 'distinct source addresses in the window and key: exact up to 1024, a HyperLogLog estimate above (1.6% standard error); null in rows written before the column existed',
  top_dst_prefixes ARRAY<STRING> COMMENT 'global scope: the 3 destination prefixes (spec prefix lengths) with the most packets, with their share, e.g. 203.0.113.0/24 (91%); empty under dst-prefix, whose key is the prefix',
  top_sources      ARRAY<STRING> COMMENT 'the 3 source addresses with the most packets, with their share, e.g. 198.51.100.7 (12%); (>=12%) when the list is an estimate',
  top_dst_ports    ARRAY<STRING> COMMENT 'the 3 destination ports with the most packets, with their share, e.g. 80 (95%); protocols without ports count as port 0',
  estimated_counts INT           COMMENT 'how many of the distinct counts and top lists of the row passed their exact cap and are estimates (0 = every figure exact)',
  busiest_dst_flows BIGINT       COMMENT 'global scope: flow records to the busiest destination address of the window (of the busiest of 4096 bins of destination addresses: at least the busiest address); 0 under dst-prefix; null in rows written before the column existed',
  busiest_pair_flows BIGINT      COMMENT 'global scope: flow records from one source address to one destination address, of the busiest pair of the window (of the busiest of 4096 bins of address pairs: at least the busiest pair); 0 under dst-prefix; null in rows written before the column existed',
  service_ports    ARRAY<INT>    COMMENT 'global scope: the service ports of the window, increasing: per flow record with ports, the lower of its two ports when below 32768 (the ephemeral range); null under dst-prefix and in rows written before the column existed'
)
COMMENT 'Port-feature vectors per window and scope key, one layout per spec_id (see feature_specs)'
PARTITIONED BY (dt STRING COMMENT 'UTC date of window_start, yyyy-MM-dd', hour INT COMMENT 'UTC hour of window_start, 0-23',
  spec_id STRING COMMENT 'FeatureSpec.id() of the layout: 16 hex digits')
STORED AS PARQUET;
