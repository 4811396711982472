"""Kaminari hourly pipeline: ``land`` → ``compact --hour`` → ``verify`` → ``features`` → ``score`` → ``incidents``, one
interval a run.

Each run owns the *arrival* hour H = ``[data_interval_start, data_interval_end)``: ``compact --hour H`` makes landing
hour H (what reached Kafka in H) complete in ``kaminari.flows``, which is partitioned by *event* hour. Most of it lands
in event hour H, but its late records (flows of earlier hours that reached Kafka in H) are merged into earlier event
hours, whose vectors and scores are then stale.

The contract (docs/ingest.md): the compaction of arrival hour H records in ``kaminari.job_runs.event_hours`` the event
hours it wrote, and ``features --after-compact H`` and ``score --after-compact H`` rebuild exactly those event hours and
event hour H itself (so that a quiet hour still gets its global vectors and scores). They read the hours from
``job_runs``, not from the compact task's output, so both execution modes (a local subprocess, a SparkApplication) run
the same arguments. Every step overwrites exactly its own partitions, so a rerun or a backfill of any hour is safe;
``land`` consumes whatever is new in Kafka exactly once (its checkpoint holds the offsets), so it is idempotent too.

Landing hours that gained records after their compaction (a landing run that lagged behind, a producer's late
timestamps) are found and completed by ``verify --from H-23 --to H+1 --repair`` after ``compact``: it compares, per
landing hour of the last day, the landing rows with what the latest compaction covering the hour read
(``kaminari.job_runs``), and re-compacts, in one run from the first hour that does not reconcile through H, when any
does not. That run is then the latest compaction covering H, so ``features``/``score --after-compact H`` rebuild every
event hour the repair wrote too. With nothing to repair it only reads; when the repair cannot make the hours reconcile
it fails (and alerts).

``incidents --from H --to H+1`` then groups the anomalous windows of event hour H into ``kaminari.incidents``, reading
a day before H (``incidents.lookback``) so that an incident still open is brought up to date under its id rather than
started again. It replaces exactly the model's incidents that start in H, so it is idempotent too, and it groups the
scores of the newest version that scored H: the champion ``score`` just used. The incidents of an earlier event hour
that late records rescored are not regrouped by the hourly run (a range that reached back across a promotion would
replace the previous champion's incidents with the new one's, which never scored those hours); a backfill runs
``kaminari incidents`` over its range (docs/incidents.md).

Two runs share event hours (the late records of one are in the next), so ``land``, ``compact``, ``features``,
``score`` and ``incidents`` each run one task at a time across runs: two compactions at once could each rewrite the
same event hour from what it held before the other did, losing the other's rows; and the features (scores) of an
event hour are then written last by a task that read the flows (vectors) at least as late as any other did.

Backfill months with ``airflow backfill create --dag-id kaminari_hourly --from-date ... --to-date ...``.
The execution mode (``local`` or ``kubernetes``) is described in ``kaminari_ops``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, CronDataIntervalTimetable, Param

from kaminari_ops import DEFAULT_ARGS, JINJA_FILTERS, execution_mode, kaminari_task

DAG_ID = "kaminari_hourly"

#: The run's arrival hour H, ``yyyy-MM-ddTHH``: the start of its data interval.
ARRIVAL_HOUR = "{{ data_interval_start | kaminari_hour }}"
#: How many landing hours, up to and including H, ``verify`` reconciles each run.
VERIFY_HOURS = 24
#: The first of them, H - 23.
VERIFY_FROM = f"{{{{ data_interval_start | kaminari_hours_before({VERIFY_HOURS - 1}) | kaminari_hour }}}}"
#: The end of the run's data interval, H + 1 (exclusive).
INTERVAL_END = "{{ data_interval_end | kaminari_hour }}"

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
    # Arrival hour H in, the event hours its compaction wrote (read from kaminari.job_runs) out.
    compact = kaminari_task(
        "compact", f"compact --hour {ARRIVAL_HOUR}", mode=MODE, job="compact", max_active_tis_per_dag=1
    )
    # Re-compacts the landing hours of the last day that gained records after their compaction, through H.
    verify = kaminari_task(
        "verify",
        f"verify --from {VERIFY_FROM} --to {INTERVAL_END} --repair",
        mode=MODE,
        job="verify",
        max_active_tis_per_dag=1,
    )
    features = kaminari_task(
        "features",
        f"features --after-compact {ARRIVAL_HOUR} --spec {{{{ params.spec }}}}",
        mode=MODE,
        job="features",
        max_active_tis_per_dag=1,
    )
    score = kaminari_task(
        "score",
        f"score --after-compact {ARRIVAL_HOUR} --model {{{{ params.model }}}}",
        mode=MODE,
        job="score",
        max_active_tis_per_dag=1,
    )

    # The incidents that start in event hour H, an open one brought up to date (see the module's documentation).
    incidents = kaminari_task(
        "incidents",
        f"incidents --from {ARRIVAL_HOUR} --to {INTERVAL_END} --model {{{{ params.model | kaminari_model_name }}}}",
        mode=MODE,
        job="incidents",
        max_active_tis_per_dag=1,
    )

    land >> compact >> verify >> features >> score >> incidents
