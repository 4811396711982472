-- How did each hour of the latest day compare with the same hour of the day before (packet ratio, biggest rise first)?
WITH hourly AS (
  SELECT dt, hour, sum(est_packets) AS est_packets, sum(flows) AS flows
  FROM v_traffic_hourly GROUP BY dt, hour
),
latest AS (SELECT max(dt) AS dt FROM hourly)
SELECT cur.dt, cur.hour, cur.est_packets, prev.est_packets AS est_packets_day_before,
  round(cur.est_packets / prev.est_packets, 2) AS packet_ratio, cur.flows, prev.flows AS flows_day_before
FROM hourly cur
JOIN latest l ON cur.dt = l.dt
JOIN hourly prev ON prev.dt = date_format(date_sub(to_date(cur.dt), 1), 'yyyy-MM-dd') AND prev.hour = cur.hour
ORDER BY packet_ratio DESC, cur.hour;
