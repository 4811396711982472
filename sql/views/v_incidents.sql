-- Every incident with its status and duration, the vector and sources as text: what on-call reads first.
CREATE OR REPLACE VIEW v_incidents (
  dt                COMMENT 'UTC date of start_time, yyyy-MM-dd',
  incident_id       COMMENT 'deterministic incident id (`kaminari mitigate --incident ID`)',
  model_name        COMMENT 'registry model whose scores define the incident',
  model_version     COMMENT 'registry version whose scores were grouped',
  scope             COMMENT 'global or dst-prefix',
  victim            COMMENT 'destination prefix under attack',
  status            COMMENT 'open (no end yet) or closed',
  start_time        COMMENT 'start of the first anomalous window (UTC)',
  last_update       COMMENT 'end of the last anomalous window (UTC)',
  end_time          COMMENT 'end, once the quiet windows followed; null while open',
  duration_minutes  COMMENT 'minutes from start_time to last_update',
  anomalous_windows COMMENT 'anomalous windows in the incident',
  peak_score        COMMENT 'largest verdict score (threshold 1.0)',
  peak_pps          COMMENT 'largest packets per second to the victim in one window (sampling-scaled)',
  peak_mbps         COMMENT 'largest megabits per second to the victim in one window (sampling-scaled)',
  peak_fps          COMMENT 'largest flow records per second to the victim in one window',
  attack_vector     COMMENT 'the attack vector as text',
  sources           COMMENT 'distinct source addresses (estimate)',
  top_sources_text  COMMENT 'the top sources with their share, joined with ", "',
  top_source_asns_text COMMENT 'the top source ASNs with their share, joined with ", " (empty without as_src)',
  top_destinations_text COMMENT 'the top destination addresses with their share, joined with ", "'
)
COMMENT 'Incidents with status, duration, vector and sources as text'
AS
SELECT dt, incident_id, model_name, model_version, scope, victim,
  CASE WHEN end_time IS NULL THEN 'open' ELSE 'closed' END AS status,
  start_time, last_update, end_time,
  CAST((unix_timestamp(last_update) - unix_timestamp(start_time)) / 60 AS DOUBLE) AS duration_minutes,
  anomalous_windows, peak_score, peak_pps, CAST(peak_bps / 1000000 AS DOUBLE) AS peak_mbps, peak_fps, attack_vector, sources,
  array_join(top_sources, ', ') AS top_sources_text, array_join(top_source_asns, ', ') AS top_source_asns_text,
  array_join(top_destinations, ', ') AS top_destinations_text
FROM incidents;
