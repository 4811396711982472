"""Kaminari retraining: ``select-ports`` (optional) → ``train`` → ``publish`` → promotion gate → notify.

Runs daily on the days before its data interval end, and on demand: trigger it manually with params (training range,
hyperparameters, alias to promote, force) to retrain now. ``train`` trains the autoencoder on the port vectors of the
range and publishes a new version to the model registry; ``publish`` verifies the published version's files against
their SHA-256; the gate moves the alias (``champion`` by default) to it only if, on the new version's held-out windows,
neither its autoencoder's error nor its AR forecaster's is worse than the current version's by more than
``promotion.margin`` (or ``force``; docs/models.md); ``notify`` reports the outcome whatever happened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from kaminari_ops import DEFAULT_ARGS, JINJA_FILTERS, execution_mode, kaminari_task

DAG_ID = "kaminari_retrain"

MODE = execution_mode()

#: The training range: the params if given, else ``train_days`` days up to the end of the data interval.
TRAIN_FROM = (
    "{{ params.train_from if params.train_from else "
    "(data_interval_end | kaminari_hours_before(24 * params.train_days) | kaminari_hour) }}"
)
TRAIN_TO = "{{ params.train_to if params.train_to else (data_interval_end | kaminari_hour) }}"
RANGE = f"--from {TRAIN_FROM} --to {TRAIN_TO}"
HYPERPARAMETERS = (
    "--epochs {{ params.epochs }}{% for k, v in params.hyperparameters.items() %} --{{ k }} {{ v }}{% endfor %}"
)
PORTS_FILE = "{{ params.ports_file }}"
NAME = "{{ params.name }}"

with DAG(
    dag_id=DAG_ID,
    description="train, publish and (gate permitting) promote a new flow autoencoder",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 3 * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    # Two trainings at once would race for the alias.
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    default_args={**DEFAULT_ARGS, "retries": min(1, DEFAULT_ARGS["retries"]), "execution_timeout": timedelta(hours=3)},
    params={
        "train_from": Param(
            "", type="string", description="first training hour yyyy-MM-ddTHH (empty: train_days before the end)"
        ),
        "train_to": Param("", type="string", description="end hour yyyy-MM-ddTHH, exclusive (empty: interval end)"),
        "train_days": Param(7, type="integer", minimum=1, description="days of training data if train_from is empty"),
        "spec": Param("seed-global", type="string", description="feature spec of the port vectors"),
        "name": Param("flow-ae", type="string", description="registered model name"),
        "epochs": Param(20, type="integer", minimum=1),
        "hyperparameters": Param(
            {}, type="object", description='further train options as {"option": value}, e.g. {"batch-size": 256}'
        ),
        "alias": Param("champion", type="string", description="alias the promotion gate moves"),
        "force": Param(False, type="boolean", description="promote even if the gate refuses"),
        "select_ports": Param(False, type="boolean", description="re-select the ports of the spec first"),
        "ports_file": Param("ports.json", type="string", description="where select-ports writes its selection"),
    },
    user_defined_filters=JINJA_FILTERS,
    tags=["kaminari", MODE],
) as dag:

    @task.branch
    def ports_or_train(params: dict | None = None) -> str:
        """Runs select-ports only when asked to."""
        return "select_ports" if params and params.get("select_ports") else "train"

    choose = ports_or_train()
    select_ports = kaminari_task(
        "select_ports", f"select-ports {RANGE} --src 15 --dst 15 --out {PORTS_FILE}", mode=MODE, job="select-ports"
    )
    train = kaminari_task(
        "train",
        # --promote none: promotion is the gate's task, so a refused gate never hides a published version.
        f"train {RANGE} --spec {{{{ params.spec }}}} --name {NAME} --promote none {HYPERPARAMETERS}",
        mode=MODE,
        job="train",
        trigger_rule="none_failed_min_one_success",
    )
    # The version just published, verified, as JSON: the gate promotes exactly that version (the XCom), not whatever
    # @latest is by the time the gate runs.
    publish = kaminari_task(
        "publish", f"models show {NAME}@latest --verify --format json", mode=MODE, returns_json=True
    )
    gate = kaminari_task(
        "promotion_gate",
        "",
        mode=MODE,
        script=(
            f"kaminari models promote {NAME} {{{{ ti.xcom_pull(task_ids='publish') | kaminari_model_version }}}}"
            " --alias {{ params.alias }}"
            "{{ ' --force' if params.force else '' }}"
        ),
        retries=0,
    )

    @task(trigger_rule="all_done", retries=0)
    def notify(params: dict | None = None, ti=None) -> dict:
        """Reports the gate's decision (the log line is the hook for an alerting callback).

        The gate prints its decision (``ALLOWED``/``FORCED``/``REFUSED: ...``) as its last line, which Airflow keeps as
        the task's XCom; a gate that failed or did not run leaves none.
        """
        decision = ti.xcom_pull(task_ids="promotion_gate") if ti else None
        promoted = bool(decision) and str(decision).startswith(("ALLOWED", "FORCED"))
        summary = {"model": params["name"], "alias": params["alias"], "promoted": promoted, "decision": decision}
        print(f"kaminari_retrain: {'promoted' if promoted else 'NOT promoted'} {summary}")
        return summary

    choose >> [select_ports, train]
    select_ports >> train >> publish >> gate >> notify()
