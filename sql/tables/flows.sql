-- One row per pmacct flow record: typed, deduplicated by source coordinates, partitioned by event time.
-- Counters are as exported (not scaled by sampling_rate); all times are UTC.
CREATE TABLE IF NOT EXISTS flows (
  event_type           STRING             COMMENT 'pmacct event type (purge)',
  peer_ip_src          STRING             COMMENT 'address of the exporting router',
  ip_src               STRING             COMMENT 'source IP address',
  ip_dst               STRING             COMMENT 'destination IP address',
  port_src             INT                COMMENT 'source port (0 when the protocol has none)',
  port_dst             INT                COMMENT 'destination port (0 when the protocol has none)',
  ip_proto             INT                COMMENT 'IP protocol number (6 tcp, 17 udp, 1 icmp)',
  tcp_flags            INT                COMMENT 'OR of TCP flags (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128)',
  tos                  INT                COMMENT 'IP type of service byte',
  packets              BIGINT             COMMENT 'packets, as exported',
  bytes                BIGINT             COMMENT 'bytes, as exported',
  flows                BIGINT             COMMENT 'flows aggregated into the record, when reported',
  timestamp_start      TIMESTAMP          COMMENT 'flow start (UTC)',
  timestamp_end        TIMESTAMP          COMMENT 'flow end (UTC)',
  timestamp_arrival    TIMESTAMP          COMMENT 'collector receive time (UTC)',
  timestamp_export     TIMESTAMP          COMMENT 'export packet time (UTC)',
  iface_in             INT                COMMENT 'input interface index',
  iface_out            INT                COMMENT 'output interface index',
  as_src               BIGINT             COMMENT 'source AS number',
  as_dst               BIGINT             COMMENT 'destination AS number',
  sampling_rate        BIGINT             COMMENT '1-in-N sampling rate (null or 0 = unsampled)',
  writer_id            STRING             COMMENT 'pmacct writer (plugin name/pid)',
  export_proto_version INT                COMMENT 'NetFlow/IPFIX version (5, 9, 10)',
  export_proto_seqno   BIGINT             COMMENT 'export packet sequence number, per exporter (gaps are lost exports)',
  label                STRING             COMMENT 'pmacct label',
  event_time           TIMESTAMP          COMMENT 'time the flow is attributed to (UTC): timestamp_start, else end, arrival, export, Kafka time',
  extra                MAP<STRING,STRING> COMMENT 'every other pmacct key, as text',
  source               STRING             COMMENT 'coordinates: Kafka topic or file URI',
  source_partition     INT                COMMENT 'coordinates: Kafka partition (-1 for files)',
  source_offset        BIGINT             COMMENT 'coordinates: Kafka offset or file line',
  source_index         INT                COMMENT 'coordinates: index of the object within a multi-value message'
)
COMMENT 'pmacct flow records, one row per record, exactly once'
PARTITIONED BY (dt STRING COMMENT 'UTC date of event_time, yyyy-MM-dd', hour INT COMMENT 'UTC hour of event_time, 0-23')
STORED AS PARQUET
-- No Parquet dictionary for columns whose values are nearly unique per flow (times, offsets) or spread too widely for
-- one (ports, counters): Parquet fills the dictionary and then falls back to plain in every row group anyway, and with
-- zstd the plain pages come out as small or smaller. The dictionary build was a tenth of compaction's time. Spark's
-- Parquet writer and Hive's both read these properties. (docs/ingest.md, "File layout")
TBLPROPERTIES (
  'parquet.enable.dictionary#port_src'='false',
  'parquet.enable.dictionary#port_dst'='false',
  'parquet.enable.dictionary#packets'='false',
  'parquet.enable.dictionary#bytes'='false',
  'parquet.enable.dictionary#timestamp_start'='false',
  'parquet.enable.dictionary#timestamp_end'='false',
  'parquet.enable.dictionary#timestamp_arrival'='false',
  'parquet.enable.dictionary#event_time'='false',
  'parquet.enable.dictionary#source_offset'='false'
);
