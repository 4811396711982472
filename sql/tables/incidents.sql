-- One row per incident, written by `kaminari incidents` from anomaly_scores (which windows, which victim) and
-- flows (peaks, vector, sources): consecutive anomalous windows of one model, scope and victim, ending after
-- incidents.quiet-windows quiet windows (docs/incidents.md).
-- Partitioned by the UTC date of the start; a run over [from, to) replaces exactly the incidents of its model that start
-- in the range, and those started before it (within incidents.lookback) that it saw continue into the range.
CREATE TABLE IF NOT EXISTS incidents (
  incident_id         STRING        COMMENT 'deterministic id: first 16 hex digits of SHA-256(model_name, scope, victim, start_time); a recompute gives the same id',
  model_name          STRING        COMMENT 'registry model whose scores define the incident',
  model_version       INT           COMMENT 'registry version whose scores were grouped',
  scope               STRING        COMMENT 'global or dst-prefix',
  victim              STRING        COMMENT 'destination prefix: the scope key (dst-prefix) or the top destination prefix of the windows (global)',
  start_time          TIMESTAMP     COMMENT 'start of the first anomalous window (UTC)',
  last_update         TIMESTAMP     COMMENT 'end of the last anomalous window (UTC)',
  end_time            TIMESTAMP     COMMENT 'end of the last anomalous window once incidents.quiet-windows quiet windows followed it; null while open at the end of the data read',
  anomalous_windows   INT           COMMENT 'anomalous windows in the incident',
  peak_score          DOUBLE        COMMENT 'largest verdict score of its windows (threshold 1.0)',
  peak_pps            DOUBLE        COMMENT 'largest packets per second to the victim in one window, scaled by the sampling rate',
  peak_bps            DOUBLE        COMMENT 'largest bits per second to the victim in one window, scaled by the sampling rate',
  peak_fps            DOUBLE        COMMENT 'largest flow records per second to the victim in one window',
  packets             BIGINT        COMMENT 'packets to the victim from start_time to last_update, scaled by the sampling rate',
  bytes               BIGINT        COMMENT 'bytes to the victim from start_time to last_update, scaled by the sampling rate',
  flows               BIGINT        COMMENT 'flow records to the victim from start_time to last_update',
  protocols           ARRAY<INT>    COMMENT 'attack vector: IP protocol numbers, heaviest first',
  dst_ports           ARRAY<INT>    COMMENT 'attack vector: destination ports, heaviest first; empty when spread (any port)',
  reflected_src_ports ARRAY<INT>    COMMENT 'attack vector: reflection source ports (53, 123, 389, 1900, 11211, ...); empty if not a reflection',
  tcp_flags           INT           COMMENT 'attack vector: the TCP flags value of most of its packets (2 = SYN only); null if none dominates',
  packet_length_min   INT           COMMENT 'attack vector: smallest bytes per packet of its flow records',
  packet_length_max   INT           COMMENT 'attack vector: largest bytes per packet of its flow records',
  vector_share        DOUBLE        COMMENT 'share of the packets to the victim that the attack vector matches',
  attack_vector       STRING        COMMENT 'the attack vector as text, e.g. tcp dst port 80 flags SYN, 40-60 bytes/packet (97% of packets)',
  top_sources         ARRAY<STRING> COMMENT 'the 5 source addresses with the most packets to the victim, with their share',
  sources             BIGINT        COMMENT 'distinct source addresses (HyperLogLog estimate)',
  top_source_asns     ARRAY<STRING> COMMENT 'the 5 source ASNs with the most packets, with their share (AS64500 (40%)); empty when the flows carry no as_src',
  top_destinations    ARRAY<STRING> COMMENT 'the 3 destination addresses in the victim with the most packets, with their share',
  vector_fragments    BOOLEAN       COMMENT 'attack vector: a reflection whose non-first fragments (UDP without ports) are part of it, with a Flowspec rule of their own; null in rows written before the column'
)
COMMENT 'Incidents: runs of anomalous windows per model, scope and victim, with the attack vector and its sources'
PARTITIONED BY (dt STRING COMMENT 'UTC date of start_time, yyyy-MM-dd')
STORED AS PARQUET;
