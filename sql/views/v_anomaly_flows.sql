-- The flows behind every anomalous window and scope key of v_anomalies, summarised: the top 10 values of
-- each dimension (source and destination address, source and destination port, protocol) by estimated packets.
-- Filter on window_start / scope_key / model_version (and dt, hour to prune both tables) to investigate one anomaly.
-- A flow belongs to a window when its event_time falls in [window_start, window_end) and, for the dst-prefix scope,
-- its ip_dst lies in the scope key's IPv4 prefix (IPv6 prefixes are not matched: Spark SQL has no address type).
CREATE OR REPLACE VIEW v_anomaly_flows (
  dt               COMMENT 'UTC date of window_start, yyyy-MM-dd',
  hour             COMMENT 'UTC hour of window_start, 0-23',
  window_start     COMMENT 'window start, inclusive (UTC)',
  window_end       COMMENT 'window end, exclusive (UTC)',
  scope            COMMENT 'global or dst-prefix',
  scope_key        COMMENT 'global, or the destination prefix',
  model_name       COMMENT 'registry model name',
  model_version    COMMENT 'registry version that flagged the window',
  score            COMMENT 'anomaly score of the window (unitless)',
  explanation_text COMMENT 'the explanation of the score, joined with "; "',
  dimension        COMMENT 'src_ip, dst_ip, src_port, dst_port or protocol',
  value            COMMENT 'the address, port or protocol number, as text',
  rank_in_window   COMMENT '1 = the value with the most est_packets in the window for that dimension',
  flows            COMMENT 'flow records with that value (count)',
  est_packets      COMMENT 'packets scaled by max(1, sampling_rate)',
  est_bytes        COMMENT 'bytes scaled by max(1, sampling_rate)',
  share            COMMENT 'est_packets / all est_packets of the window and key (0-1)',
  avg_packet_bytes COMMENT 'mean packet size in bytes: est_bytes / est_packets'
)
COMMENT 'Top sources, destinations, ports and protocols of the flows behind each anomaly'
AS
WITH matched AS (
  SELECT a.dt, a.hour, a.window_start, a.window_end, a.scope, a.scope_key, a.model_name, a.model_version, a.score,
    a.explanation_text, f.ip_src, f.ip_dst, f.port_src, f.port_dst, f.ip_proto,
    -- In DECIMAL(38,0) and clamped at 2^63-1 (as the vectors saturate): BIGINT products and sums wrap silently.
    least(CAST(f.packets AS DECIMAL(38,0)) * greatest(1L, coalesce(f.sampling_rate, 1L)), 9223372036854775807)
      AS est_packets,
    least(CAST(f.bytes AS DECIMAL(38,0)) * greatest(1L, coalesce(f.sampling_rate, 1L)), 9223372036854775807)
      AS est_bytes
  FROM v_anomalies a
  JOIN flows f
    ON f.dt = a.dt AND f.hour = a.hour AND f.event_time >= a.window_start AND f.event_time < a.window_end
  WHERE a.scope = 'global'
    OR (a.scope_key NOT LIKE '%:%' AND f.ip_dst NOT LIKE '%:%'
      AND shiftright(aggregate(split(f.ip_dst, '[.]'), 0L, (acc, x) -> acc * 256 + CAST(x AS BIGINT)),
            32 - CAST(substring_index(a.scope_key, '/', -1) AS INT))
        = shiftright(aggregate(split(substring_index(a.scope_key, '/', 1), '[.]'), 0L,
            (acc, x) -> acc * 256 + CAST(x AS BIGINT)), 32 - CAST(substring_index(a.scope_key, '/', -1) AS INT)))
), by_value AS (
  SELECT dt, hour, window_start, window_end, scope, scope_key, model_name, model_version, score, explanation_text,
    dimension, value, count(*) AS flows, CAST(least(sum(est_packets), 9223372036854775807) AS BIGINT) AS est_packets,
    CAST(least(sum(est_bytes), 9223372036854775807) AS BIGINT) AS est_bytes
  FROM (
    SELECT *, stack(5, 'src_ip', ip_src, 'dst_ip', ip_dst, 'src_port', CAST(port_src AS STRING),
        'dst_port', CAST(port_dst AS STRING), 'protocol', CAST(ip_proto AS STRING)) AS (dimension, value)
    FROM matched
  )
  GROUP BY dt, hour, window_start, window_end, scope, scope_key, model_name, model_version, score, explanation_text,
    dimension, value
), ranked AS (
  SELECT *,
    row_number() OVER w AS rank_in_window,
    -- The sum in DECIMAL (it must not wrap), the share back in DOUBLE, the view's declared type.
    CAST(est_packets / sum(CAST(est_packets AS DECIMAL(38,0)))
      OVER (PARTITION BY window_start, scope_key, model_name, model_version, dimension) AS DOUBLE) AS share
  FROM by_value
  WINDOW w AS (PARTITION BY window_start, scope_key, model_name, model_version, dimension
    ORDER BY est_packets DESC, value)
)
SELECT dt, hour, window_start, window_end, scope, scope_key, model_name, model_version, score, explanation_text,
  dimension, value, rank_in_window, flows, est_packets, est_bytes, share, est_bytes / est_packets AS avg_packet_bytes
FROM ranked
WHERE rank_in_window <= 10;
