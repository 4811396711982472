-- Which model versions exist, how good were they at validation, and how much did each flag once scoring?
SELECT model_name, model_version, registered, created, round(val_loss, 5) AS val_loss, round(threshold, 5) AS threshold,
  threshold_method, promoted_alias, scored_windows, anomalies,
  round(anomalies / greatest(scored_windows, 1L), 4) AS anomaly_rate, first_window, last_window
FROM v_model_history
ORDER BY model_name, model_version;
