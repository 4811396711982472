-- The 15 busiest source ports and the 15 busiest destination ports of every UTC hour, with the seed port table's
-- two features: packets per second and distinct opposite ports. TCP and UDP share a port, as in the feature specs.
CREATE OR REPLACE VIEW v_port_usage (
  dt             COMMENT 'UTC date, yyyy-MM-dd',
  hour           COMMENT 'UTC hour, 0-23',
  hour_start     COMMENT 'start of the hour (UTC)',
  direction      COMMENT 'src (source port) or dst (destination port)',
  rank_in_hour   COMMENT '1 = busiest port of the hour in that direction, by est_packets (ties by port)',
  port           COMMENT 'the port number (0 when the protocol has none)',
  flows          COMMENT 'flow records (count)',
  est_packets    COMMENT 'packets scaled by max(1, sampling_rate)',
  est_bytes      COMMENT 'bytes scaled by max(1, sampling_rate)',
  pps            COMMENT 'mean packets per second over the hour: est_packets / 3600',
  opposite_ports COMMENT 'distinct ports on the other side (destination ports of a source port and vice versa)',
  protocols      COMMENT 'IP protocol numbers seen on the port, comma-separated'
)
COMMENT 'Top 15 source and destination ports per UTC hour (the seed port table, by hour)'
AS
WITH per_port AS (
  SELECT dt, hour, 'src' AS direction, port_src AS port, count(*) AS flows,
    sum(packets * greatest(1L, coalesce(sampling_rate, 1L))) AS est_packets,
    sum(bytes * greatest(1L, coalesce(sampling_rate, 1L))) AS est_bytes,
    count(DISTINCT port_dst) AS opposite_ports, array_join(array_sort(collect_set(ip_proto)), ',') AS protocols
  FROM flows GROUP BY dt, hour, port_src
  UNION ALL
  SELECT dt, hour, 'dst', port_dst, count(*),
    sum(packets * greatest(1L, coalesce(sampling_rate, 1L))),
    sum(bytes * greatest(1L, coalesce(sampling_rate, 1L))),
    count(DISTINCT port_src), array_join(array_sort(collect_set(ip_proto)), ',')
  FROM flows GROUP BY dt, hour, port_dst
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY dt, hour, direction ORDER BY est_packets DESC, port) AS rank_in_hour
  FROM per_port
)
SELECT dt, hour, timestamp_seconds(unix_date(to_date(dt)) * 86400L + hour * 3600L) AS hour_start, direction, rank_in_hour, port,
  flows, est_packets, est_bytes, est_packets / 3600D AS pps, opposite_ports, protocols
FROM ranked
WHERE rank_in_hour <= 15;
