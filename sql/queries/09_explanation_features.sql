-- Which features explain anomalies most often, per model version (first feature of the explanation, and any)?
SELECT model_name, model_version, regexp_extract(feature, '^(.*) \\([0-9.]+%\\)$', 1) AS feature,
  count_if(position = 0) AS times_first, count(*) AS times_listed, count(DISTINCT window_start) AS windows
FROM v_anomalies
LATERAL VIEW posexplode(explanation) e AS position, feature
GROUP BY model_name, model_version, regexp_extract(feature, '^(.*) \\([0-9.]+%\\)$', 1)
ORDER BY model_name, model_version, times_first DESC, times_listed DESC, feature;
