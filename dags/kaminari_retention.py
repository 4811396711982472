"""Kaminari retention and audit, once a day: ``retain --older-than`` and ``verify --rows`` of the previous UTC day.

Drops the partitions of the time-partitioned tables (``flows_landing``, ``flows``, ``flows_rejected``,
``port_vectors``, ``anomaly_scores``, ``incidents``) that lie wholly before now minus the ``older_than`` param; the
tables are managed, so their files go too (docs/operations.md, "Retention"). Each run is idempotent (a rerun drops
nothing more) and is recorded in ``kaminari.job_runs``. Trigger it by hand with ``dry_run`` to see what would go.

``verify_rows`` looks every record landed in the previous UTC day up in ``flows`` and ``flows_rejected`` by its
coordinates (``kaminari verify --rows``, docs/ingest.md): it finds rows lost after the compaction that wrote them,
which the hourly ``verify`` (counts only) cannot, and names the ``land`` runs of that day that recorded a data loss
(records Kafka deleted before they were landed). It does not repair, because a repair must be followed by
``features`` and ``score`` of the event hours it wrote: it fails, which alerts, and the runbook says what to run
(docs/operations.md, "Rows lost from flows after their compaction").
The execution mode (``local`` or ``kubernetes``) is described in ``kaminari_ops``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, CronDataIntervalTimetable, Param

from kaminari_ops import DEFAULT_ARGS, JINJA_FILTERS, execution_mode, kaminari_task

DAG_ID = "kaminari_retention"

MODE = execution_mode()

with DAG(
    dag_id=DAG_ID,
    description="drop the partitions older than the retention period",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("30 4 * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    # Retention is about now, not about a past interval: catching up would only repeat today's run.
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args={**DEFAULT_ARGS, "execution_timeout": timedelta(hours=1)},
    params={
        "older_than": Param(
            "90d", type="string", pattern="^[1-9][0-9]*[smhd]$", description="retention period, e.g. 90d or 2160h"
        ),
        "dry_run": Param(False, type="boolean", description="only list what would be dropped"),
    },
    user_defined_filters=JINJA_FILTERS,
    tags=["kaminari", MODE],
) as dag:
    kaminari_task(
        "retain",
        "retain --older-than {{ params.older_than }}{{ ' --dry-run' if params.dry_run else '' }}",
        mode=MODE,
        job="retain",
    )
    kaminari_task(
        "verify_rows",
        "verify --from {{ data_interval_end | kaminari_hours_before(24) | kaminari_day }}"
        " --to {{ data_interval_end | kaminari_day }} --rows",
        mode=MODE,
        job="verify",
    )
