"""The DAGs as Airflow loads them: no import errors or warnings, and the graphs, schedules and retries designed."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta

import pytest
from conftest import DAGS_DIR, load_dagbag

HOURLY = "kaminari_hourly"
RETRAIN = "kaminari_retrain"
RETENTION = "kaminari_retention"
ALL = (HOURLY, RETENTION, RETRAIN)


def utc(*args) -> datetime:
    import pendulum

    return pendulum.datetime(*args, tz="UTC")


def scheduler_timetable(dag):
    """The timetable as the scheduler sees it: the DAG serialized and read back, as the DAG processor hands it on."""
    from airflow.serialization.serialized_objects import DagSerialization

    return DagSerialization.from_dict(DagSerialization.to_dict(dag)).timetable


def test_dagbag_imports_every_dag_without_errors_or_warnings(monkeypatch, mode):
    bag, caught = load_dagbag(monkeypatch, mode)
    assert bag.import_errors == {}
    assert bag.captured_warnings == {}
    assert caught == []
    assert sorted(bag.dag_ids) == list(ALL)


def test_each_file_is_one_dag_with_docstring_and_dag_id_constant():
    for name in ALL:
        source = (DAGS_DIR / f"{name}.py").read_text()
        tree = ast.parse(source)
        assert ast.get_docstring(tree), f"{name}.py has no module docstring"
        consts = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        assert consts.get("DAG_ID") == name
        assert source.count("with DAG(") == 1


def test_hourly_graph_schedule_and_retries(dagbag, mode):
    dag = dagbag.get_dag(HOURLY)
    tasks = ["land", "compact", "verify", "features", "score", "incidents"]
    assert [t.task_id for t in dag.topological_sort()] == tasks
    edges = list(zip(tasks[:-1], tasks[1:], strict=True))
    for upstream, downstream in edges:
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    timetable = scheduler_timetable(dag)
    assert type(timetable).__name__ == "CronDataIntervalTimetable"
    assert timetable.summary == "0 * * * *"
    assert dag.catchup is False
    assert dag.dagrun_timeout == timedelta(hours=2)
    for task in dag.tasks:
        assert task.retries == 3
        assert task.retry_exponential_backoff
        assert task.execution_timeout is not None and task.execution_timeout <= timedelta(minutes=40)
    # One landing checkpoint; and consecutive runs share event hours (late records), so no two compactions, features
    # or scores (or the incidents of the day they regroup) overlap.
    for task_id in tasks:
        assert dag.get_task(task_id).max_active_tis_per_dag == 1, task_id
    expected = "BashOperator" if mode == "local" else "KaminariSparkApplicationOperator"
    assert {type(t).__name__ for t in dag.tasks} == {expected}


def test_hourly_interval_is_the_hour_before_the_run(dagbag):
    """A manual run (or `airflow dags test`) at 11:00 covers [10:00, 11:00): start != end, unlike a cron trigger."""
    timetable = scheduler_timetable(dagbag.get_dag(HOURLY))
    interval = timetable.infer_manual_data_interval(run_after=utc(2024, 5, 1, 11))
    assert (interval.start, interval.end) == (utc(2024, 5, 1, 10), utc(2024, 5, 1, 11))


def test_hourly_scheduled_runs_are_consecutive_hours(dagbag):
    from airflow.timetables.base import DataInterval, TimeRestriction

    timetable = scheduler_timetable(dagbag.get_dag(HOURLY))
    restriction = TimeRestriction(earliest=utc(2024, 5, 1), latest=None, catchup=True)
    first = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert (first.data_interval.start, first.data_interval.end) == (utc(2024, 5, 1, 0), utc(2024, 5, 1, 1))
    second = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(first.data_interval.start, first.data_interval.end),
        restriction=restriction,
    )
    assert (second.data_interval.start, second.data_interval.end) == (utc(2024, 5, 1, 1), utc(2024, 5, 1, 2))


def test_retrain_graph_params_and_trigger_rules(dagbag, mode):
    dag = dagbag.get_dag(RETRAIN)
    assert scheduler_timetable(dag).summary == "0 3 * * *"
    assert dag.max_active_runs == 1
    assert dag.get_task("ports_or_train").downstream_task_ids == {"select_ports", "train"}
    assert dag.get_task("train").upstream_task_ids == {"ports_or_train", "select_ports"}
    assert dag.get_task("train").trigger_rule == "none_failed_min_one_success"
    assert dag.get_task("publish").upstream_task_ids == {"train"}
    assert dag.get_task("promotion_gate").upstream_task_ids == {"publish"}
    assert dag.get_task("promotion_gate").retries == 0
    assert dag.get_task("notify").upstream_task_ids == {"promotion_gate"}
    assert dag.get_task("notify").trigger_rule == "all_done"
    params = dag.params.dump()
    assert params["alias"] == "champion" and params["force"] is False and params["select_ports"] is False
    assert params["name"] == "flow-ae" and params["train_days"] == 7
    expected_train = "BashOperator" if mode == "local" else "KaminariSparkApplicationOperator"
    assert type(dag.get_task("train")).__name__ == expected_train


def test_retention_runs_daily_one_at_a_time_without_catch_up(dagbag):
    from airflow.timetables.base import TimeRestriction

    dag = dagbag.get_dag(RETENTION)
    assert [t.task_id for t in dag.tasks] == ["retain", "verify_rows"]
    assert not dag.get_task("verify_rows").upstream_task_ids, "the audit does not wait for retention, nor it for it"
    assert (dag.max_active_runs, dag.catchup) == (1, False)
    assert dag.params["older_than"] == "90d" and dag.params["dry_run"] is False
    restriction = TimeRestriction(earliest=utc(2024, 5, 1), latest=None, catchup=False)
    info = scheduler_timetable(dag).next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info.data_interval.end - info.data_interval.start == timedelta(days=1)


def test_mode_comes_from_the_airflow_variable_when_the_environment_does_not_say(monkeypatch):
    bag, _ = load_dagbag(monkeypatch, None, AIRFLOW_VAR_KAMINARI_MODE="kubernetes")
    assert bag.import_errors == {}
    assert type(bag.get_dag(HOURLY).get_task("compact")).__name__ == "KaminariSparkApplicationOperator"


def test_an_unknown_mode_is_an_import_error(monkeypatch):
    bag, _ = load_dagbag(monkeypatch, "yarn")
    assert len(bag.import_errors) == len(ALL)
    assert all("kaminari_mode must be one of" in e for e in bag.import_errors.values())


@pytest.mark.parametrize("name", ALL)
def test_top_level_code_is_cheap(monkeypatch, name):
    """Parsing both modes' DAG files takes well under Airflow's 30 s import timeout (here: under 2 s each)."""
    import time

    from airflow.dag_processing.dagbag import BundleDagBag

    monkeypatch.setenv("KAMINARI_MODE", "kubernetes")
    t0 = time.monotonic()
    bag = BundleDagBag(dag_folder=str(DAGS_DIR / f"{name}.py"), bundle_path=DAGS_DIR)
    assert bag.dag_ids == [name]
    assert time.monotonic() - t0 < 2.0


def test_every_task_reports_its_failure(dagbag):
    from kaminari_ops.alerts import on_failure

    for dag_id in ALL:
        for task in dagbag.get_dag(dag_id).tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert on_failure in callbacks, f"{dag_id}.{task.task_id}"


class Webhook:
    """An HTTP server on 127.0.0.1 that keeps the JSON bodies POSTed to it."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/kaminari"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_failed_task_is_logged_and_posted_to_the_webhook(tmp_path):
    """The real hourly DAG under `airflow dags test`, local mode, with a jar that does not exist: `land` fails, its
    callback logs the failure and POSTs it, and the run fails as it would without the callback."""
    from kaminari_env import airflow, airflow_env

    hook = Webhook()
    try:
        env = airflow_env(
            KAMINARI_MODE="local",
            KAMINARI_JAR=str(tmp_path / "missing.jar"),
            KAMINARI_HOME=str(tmp_path / "home"),
            KAMINARI_TASK_RETRIES="0",
            KAMINARI_FAILURE_WEBHOOK=hook.url,
        )
        p = airflow("dags", "test", HOURLY, "2024-05-01T11:00:00+00:00", env=env, timeout=600)
    finally:
        hook.close()
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "DagRun failed" in out, out[-3000:]
    assert "kaminari: task kaminari_hourly.land failed" in out, out[-3000:]
    (report,) = hook.received
    assert (report["dag_id"], report["task_id"], report["try_number"]) == (HOURLY, "land", 1)
    assert report["run_id"] and "non-zero exit code" in report["exception"]
    assert report["text"].startswith("kaminari: task kaminari_hourly.land failed (run ")


def test_an_unreachable_webhook_does_not_hide_the_failure(monkeypatch, caplog):
    import socket

    from kaminari_ops.alerts import WEBHOOK_ENV, on_failure

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{port}/")
    with caplog.at_level("ERROR", logger="kaminari.alerts"):
        on_failure({"exception": RuntimeError("compact failed"), "run_id": "manual__x"})
    messages = [r.getMessage() for r in caplog.records]
    assert any("RuntimeError: compact failed" in m and "run manual__x" in m for m in messages), messages
    assert any("did not take the report" in m for m in messages), messages
