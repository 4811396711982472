"""Kaminari hourly pipeline: ``land`` → ``compact --hour`` → ``features`` → ``score``, one data interval per run.

Each run owns the hour ``[data_interval_start, data_interval_end)`` and only that hour: ``compact`` makes landing hour
H complete in ``kaminari.flows``, ``features`` writes the hour's windows to ``kaminari.port_vectors`` and ``score``
writes the hour's ``kaminari.anomaly_scores``. Every step overwrites exactly its own partitions, so a rerun or a
backfill of any hour is safe; ``land`` consumes whatever is new in Kafka exactly once (its checkpoint holds the
offsets), so it is idempotent too but must not run twice at once.

Backfill months with ``airflow backfill create --dag-id kaminari_hourly --from-date ... --to-date ...``.
The execution mode (``local`` or ``kubernetes``) is described in ``kaminari_ops``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, CronDataIntervalTimetable, Param

from kaminari_ops import DEFAULT_ARGS, JINJA_FILTERS, execution_mode, kaminari_task

DAG_ID = "kaminari_hourly"

START = "{{ data_interval_start | kaminari_hour }}"
END = "{{ data_interval_end | kaminari_hour }}"

MODE = execution_mode()

with DAG(
    dag_id=DAG_ID,
    description="land, compact, features and score one hour of flows",
    doc_md=__doc__,
    # A data-interval timetable: the run at 11:00 covers [10:00, 11:00). (A plain cron string in Airflow 3 means a
    # trigger timetable whose interval is empty.)
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1 if MODE == "local" else 4,
    # SLA-style bound: an hour that is not scored within two hours fails (and alerts) instead of piling up.
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    params={
        "spec": Param("seed-global", type="string", description="feature spec of the port vectors"),
        "model": Param("flow-ae@champion", type="string", description="model reference to score with"),
    },
    user_defined_filters=JINJA_FILTERS,
    tags=["kaminari", MODE],
) as dag:
    land = kaminari_task(
        "land",
        "land",
        mode=MODE,
        job="land",
        # One landing checkpoint: two landings at once would fight over it.
        max_active_tis_per_dag=1,
        execution_timeout=timedelta(minutes=30),
    )
    compact = kaminari_task("compact", f"compact --hour {START}", mode=MODE, job="compact")
    features = kaminari_task(
        "features", f"features --from {START} --to {END} --spec {{{{ params.spec }}}}", mode=MODE, job="features"
    )
    score = kaminari_task(
        "score", f"score --from {START} --to {END} --model {{{{ params.model }}}}", mode=MODE, job="score"
    )

    land >> compact >> features >> score
