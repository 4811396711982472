-- Which windows did the newest model version flag that the version before it did not (scored on the same windows)?
WITH versions AS (
  SELECT model_name, model_version,
    dense_rank() OVER (PARTITION BY model_name ORDER BY model_version DESC) AS age
  FROM (SELECT DISTINCT model_name, model_version FROM anomaly_scores)
),
newer AS (
  SELECT s.* FROM anomaly_scores s JOIN versions v USING (model_name, model_version) WHERE v.age = 1
),
older AS (
  SELECT s.* FROM anomaly_scores s JOIN versions v USING (model_name, model_version) WHERE v.age = 2
)
SELECT n.window_start, n.scope, n.scope_key, n.model_name,
  n.model_version AS newer_version, n.score AS newer_score, n.threshold AS newer_threshold,
  o.model_version AS older_version, o.score AS older_score, o.threshold AS older_threshold,
  array_join(n.explanation, '; ') AS newer_explanation
FROM newer n
JOIN older o ON n.model_name = o.model_name AND n.dt = o.dt AND n.hour = o.hour
  AND n.window_start = o.window_start AND n.scope = o.scope AND n.scope_key = o.scope_key
WHERE n.is_anomaly AND NOT o.is_anomaly
ORDER BY n.score / n.threshold DESC, n.window_start;
