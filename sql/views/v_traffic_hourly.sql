-- Traffic per UTC hour and IP protocol, from flows. A filter on dt and hour reaches the table's partition
-- columns, so a query on one hour reads one partition. "est_" columns scale by the sampling rate (wire estimates).
CREATE OR REPLACE VIEW v_traffic_hourly (
  dt          COMMENT 'UTC date, yyyy-MM-dd',
  hour        COMMENT 'UTC hour, 0-23',
  hour_start  COMMENT 'start of the hour (UTC)',
  ip_proto    COMMENT 'IP protocol number',
  protocol    COMMENT 'protocol name (tcp, udp, icmp, icmpv6, gre, esp) or the number as text',
  flows       COMMENT 'flow records (count, not scaled by sampling)',
  packets     COMMENT 'packets as exported (not scaled)',
  bytes       COMMENT 'bytes as exported (not scaled)',
  est_packets COMMENT 'packets scaled by max(1, sampling_rate): estimated packets on the wire',
  est_bytes   COMMENT 'bytes scaled by max(1, sampling_rate): estimated bytes on the wire',
  pps         COMMENT 'mean packets per second over the hour: est_packets / 3600',
  bps         COMMENT 'mean bits per second over the hour: est_bytes * 8 / 3600'
)
COMMENT 'Packets, bytes and flow records per UTC hour and IP protocol'
AS
SELECT dt, hour,
  timestamp_seconds(unix_date(to_date(dt)) * 86400L + hour * 3600L) AS hour_start,
  ip_proto,
  CASE ip_proto WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' WHEN 58 THEN 'icmpv6' WHEN 47 THEN 'gre'
    WHEN 50 THEN 'esp' ELSE CAST(ip_proto AS STRING) END AS protocol,
  count(*) AS flows,
  sum(packets) AS packets,
  sum(bytes) AS bytes,
  CAST(least(sum(est_packets), 9223372036854775807) AS BIGINT) AS est_packets,
  CAST(least(sum(est_bytes), 9223372036854775807) AS BIGINT) AS est_bytes,
  CAST(least(sum(est_packets), 9223372036854775807) AS DOUBLE) / 3600D AS pps,
  CAST(least(sum(est_bytes), 9223372036854775807) AS DOUBLE) * 8 / 3600D AS bps
-- The estimates in DECIMAL(38,0), clamped at 2^63-1 (as the vectors saturate): BIGINT products and sums wrap silently
-- (2^62 packets x 1000 is 0).
FROM (
  SELECT dt, hour, ip_proto, packets, bytes,
    least(CAST(packets AS DECIMAL(38,0)) * greatest(1L, coalesce(sampling_rate, 1L)), 9223372036854775807)
      AS est_packets,
    least(CAST(bytes AS DECIMAL(38,0)) * greatest(1L, coalesce(sampling_rate, 1L)), 9223372036854775807) AS est_bytes
  FROM flows
) f
GROUP BY dt, hour, ip_proto;
