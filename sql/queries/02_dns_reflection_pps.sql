-- What was the hourly pps of UDP from source port 53 (DNS answers: the DNS reflection signature) on the latest day?
WITH latest AS (SELECT max(dt) AS dt FROM flows)
SELECT f.dt, f.hour, count(*) AS flows,
  sum(f.packets * greatest(1L, coalesce(f.sampling_rate, 1L))) / 3600.0 AS pps,
  count(DISTINCT f.ip_src) AS reflectors, count(DISTINCT f.ip_dst) AS targets,
  sum(f.bytes) / sum(f.packets) AS avg_packet_bytes
FROM flows f
JOIN latest l ON f.dt = l.dt
WHERE f.ip_proto = 17 AND f.port_src = 53
GROUP BY f.dt, f.hour
ORDER BY f.dt, f.hour;
