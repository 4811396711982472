-- Which destinations received the most SYN-without-ACK TCP flows in an hour of the latest day (SYN flood candidates)?
WITH latest AS (SELECT max(dt) AS dt FROM flows)
SELECT f.dt, f.hour, f.ip_dst, count(*) AS syn_flows, count(DISTINCT f.ip_src) AS sources,
  sum(f.packets * greatest(1L, coalesce(f.sampling_rate, 1L))) / 3600.0 AS pps,
  collect_set(f.port_dst) AS dst_ports
FROM flows f
JOIN latest l ON f.dt = l.dt
WHERE f.ip_proto = 6 AND (f.tcp_flags & 18) = 2
GROUP BY f.dt, f.hour, f.ip_dst
ORDER BY syn_flows DESC, f.hour, f.ip_dst
LIMIT 20;
