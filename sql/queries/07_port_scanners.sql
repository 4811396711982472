-- Which source touched the most distinct destination ports of one destination within an hour (port scans)?
SELECT dt, hour, ip_src, ip_dst, count(DISTINCT port_dst) AS distinct_dst_ports, count(*) AS flows,
  sum(bytes) / sum(packets) AS avg_packet_bytes
FROM flows
WHERE ip_proto = 6
GROUP BY dt, hour, ip_src, ip_dst
ORDER BY distinct_dst_ports DESC, dt, hour, ip_src, ip_dst
LIMIT 20;
