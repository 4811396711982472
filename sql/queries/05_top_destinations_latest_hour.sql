-- Which destinations received the most packets in the latest hour of data, and from how many sources and ports?
WITH latest AS (
  SELECT dt, hour FROM flows GROUP BY dt, hour ORDER BY dt DESC, hour DESC LIMIT 1
)
SELECT t.hour_start, t.rank_in_hour, t.ip, t.est_packets, round(t.pps, 2) AS pps, t.flows, t.peers AS sources,
  t.ports AS source_ports
FROM v_top_talkers t
JOIN latest l ON t.dt = l.dt AND t.hour = l.hour
WHERE t.direction = 'dst'
ORDER BY t.rank_in_hour
LIMIT 10;
