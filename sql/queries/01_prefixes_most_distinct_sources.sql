-- Which /24s received the most distinct source IPs in the latest hour of data?
WITH latest AS (
  SELECT dt, hour FROM flows GROUP BY dt, hour ORDER BY dt DESC, hour DESC LIMIT 1
)
SELECT f.dt, f.hour, concat(substring_index(f.ip_dst, '.', 3), '.0/24') AS dst_prefix,
  count(DISTINCT f.ip_src) AS distinct_sources, count(*) AS flows,
  sum(f.packets * greatest(1L, coalesce(f.sampling_rate, 1L))) AS est_packets
FROM flows f
JOIN latest l ON f.dt = l.dt AND f.hour = l.hour
WHERE f.ip_dst NOT LIKE '%:%'
GROUP BY f.dt, f.hour, concat(substring_index(f.ip_dst, '.', 3), '.0/24')
ORDER BY distinct_sources DESC, dst_prefix
LIMIT 20;
