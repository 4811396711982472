-- The 20 busiest source and the 20 busiest destination addresses of every UTC hour, by estimated packets. Filter on
-- dt and hour: the predicate passes the ranking (it partitions by hour) down to the flows partitions.
CREATE OR REPLACE VIEW v_top_talkers (
  dt          COMMENT 'UTC date, yyyy-MM-dd',
  hour        COMMENT 'UTC hour, 0-23',
  hour_start  COMMENT 'start of the hour (UTC)',
  direction   COMMENT 'src (the address sent the traffic) or dst (it received it)',
  rank_in_hour COMMENT '1 = busiest address of the hour in that direction, by est_packets (ties by address)',
  ip          COMMENT 'the IP address',
  flows       COMMENT 'flow records (count)',
  est_packets COMMENT 'packets scaled by max(1, sampling_rate)',
  est_bytes   COMMENT 'bytes scaled by max(1, sampling_rate)',
  pps         COMMENT 'mean packets per second over the hour: est_packets / 3600',
  peers       COMMENT 'distinct addresses on the other side (destinations of a source, sources of a destination)',
  ports       COMMENT 'distinct ports on the other side (destination ports of a source, source ports of a destination)'
)
COMMENT 'Top 20 source and destination addresses per UTC hour'
AS
WITH per_host AS (
  SELECT dt, hour, 'src' AS direction, ip_src AS ip, count(*) AS flows,
    sum(packets * greatest(1L, coalesce(sampling_rate, 1L))) AS est_packets,
    sum(bytes * greatest(1L, coalesce(sampling_rate, 1L))) AS est_bytes,
    count(DISTINCT ip_dst) AS peers, count(DISTINCT port_dst) AS ports
  FROM flows GROUP BY dt, hour, ip_src
  UNION ALL
  SELECT dt, hour, 'dst', ip_dst, count(*),
    sum(packets * greatest(1L, coalesce(sampling_rate, 1L))),
    sum(bytes * greatest(1L, coalesce(sampling_rate, 1L))),
    count(DISTINCT ip_src), count(DISTINCT port_src)
  FROM flows GROUP BY dt, hour, ip_dst
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY dt, hour, direction ORDER BY est_packets DESC, ip) AS rank_in_hour
  FROM per_host
)
SELECT dt, hour, timestamp_seconds(unix_date(to_date(dt)) * 86400L + hour * 3600L) AS hour_start, direction, rank_in_hour, ip, flows,
  est_packets, est_bytes, est_packets / 3600D AS pps, peers, ports
FROM ranked
WHERE rank_in_hour <= 20;
