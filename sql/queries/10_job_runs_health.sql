-- Is the pipeline healthy: per job, how many runs, how many failed, rows written and when it last succeeded?
SELECT job, count(*) AS runs, count_if(status = 'FAILED') AS failed, sum(output_rows) AS output_rows,
  sum(rejected) AS rejected, max(CASE WHEN status = 'SUCCEEDED' THEN finished END) AS last_success,
  max_by(message, finished) AS last_message
FROM job_runs
GROUP BY job
ORDER BY job;
