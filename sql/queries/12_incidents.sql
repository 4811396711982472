-- Which incidents of the two latest days with any lasted longest, and who hit whom with what?
SELECT incident_id, model_name, victim, status, start_time, end_time, duration_minutes, anomalous_windows,
  round(peak_score, 2) AS peak_score, round(peak_pps) AS peak_pps, round(peak_mbps, 2) AS peak_mbps, attack_vector,
  sources, top_sources_text, top_destinations_text
FROM v_incidents
WHERE dt >= (SELECT date_format(date_sub(to_date(max(dt)), 1), 'yyyy-MM-dd') FROM incidents)
ORDER BY duration_minutes DESC, start_time, incident_id;
