-- Which were the 50 biggest flows of the top global anomaly (highest score / threshold) of the latest scored day?
WITH top AS (
  SELECT dt, hour, window_start, window_end, model_name, model_version, score_ratio, explanation_text
  FROM v_anomalies
  WHERE scope = 'global' AND dt = (SELECT max(dt) FROM anomaly_scores)
  ORDER BY score_ratio DESC, window_start
  LIMIT 1
)
SELECT t.window_start, t.model_name, t.model_version, round(t.score_ratio, 2) AS score_ratio, t.explanation_text,
  f.event_time, f.ip_src, f.port_src, f.ip_dst, f.port_dst, f.ip_proto, f.tcp_flags, f.packets, f.bytes
FROM flows f
JOIN top t ON f.dt = t.dt AND f.hour = t.hour AND f.event_time >= t.window_start AND f.event_time < t.window_end
ORDER BY f.packets DESC, f.event_time
LIMIT 50;
