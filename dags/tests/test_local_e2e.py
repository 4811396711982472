"""End to end in local mode: `airflow dags test` of both DAGs against flows produced to a real local broker.

Needs target/kaminari.jar with every pipeline subcommand (`mvn -B package`). It FAILS, never skips, while a
subcommand is missing, so an incomplete jar cannot pass CI.
"""

from __future__ import annotations

import json

import pytest
from kaminari_env import (
    TARGET,
    TEST_JVM_OPTS,
    Broker,
    airflow,
    airflow_env,
    hive_counts,
    kaminari,
    missing_subcommands,
)

HOURS = {"2024-05-01T11:00:00+00:00": 10, "2024-05-01T12:00:00+00:00": 11}  # `dags test` date -> interval hour
TABLES = ["flows", "port_vectors", "anomaly_scores"]


@pytest.fixture(scope="module")
def home():
    missing = missing_subcommands()
    if missing:
        pytest.fail(f"target/kaminari.jar lacks the subcommands {missing}: build the merged tree (mvn -B package)")
    import shutil

    h = TARGET / "e2e-local"
    shutil.rmtree(h, ignore_errors=True)
    h.mkdir(parents=True)
    return h


def json_rows(stdout: str) -> list:
    """The JSON array Airflow printed, skipping the log lines (e.g. a graphviz warning) it may print before it."""
    lines = stdout.splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("[")), None)
    return json.loads("\n".join(lines[first:])) if first is not None else []


def dags_test(dag_id: str, date: str, env: dict, conf: dict | None = None) -> None:
    args = ["dags", "test", dag_id, date] + (["--conf", json.dumps(conf)] if conf else [])
    p = airflow(*args, env=env, timeout=1800)
    runs = airflow("dags", "list-runs", dag_id, "-o", "json", env=env)
    states = {r["logical_date"][:19]: r["state"] for r in json_rows(runs.stdout)} if runs.returncode == 0 else {}
    assert p.returncode == 0 and states.get(date[:19]) == "success", (
        f"airflow dags test {dag_id} {date}: exit {p.returncode}, runs {states}\n{p.stdout[-6000:]}\n{p.stderr[-6000:]}"
    )


def partition_counts(home) -> dict:
    queries = {}
    for t in TABLES:
        queries[t + ":partitions"] = f"SHOW PARTITIONS kaminari.{t}"
        queries[t + ":rows"] = (
            f"SELECT hour, count(*) FROM kaminari.{t} WHERE dt = '2024-05-01' AND hour IN (10, 11) GROUP BY hour"
        )
    return hive_counts(home, queries)


CONTRACT_JOBS = ["compact", "features", "score"]


def contract_queries() -> dict:
    """The compact, features and score runs in order: job, arrival hour (window start) and event hours."""
    return {
        "utc": "SET spark.sql.session.timeZone=UTC",
        "runs": "SELECT job, date_format(window_start, \"yyyy-MM-dd'T'HH\"), event_hours FROM kaminari.job_runs"
        " WHERE status = 'SUCCEEDED' AND job IN ('compact', 'features', 'score') ORDER BY finished",
        "incidents": "SELECT date_format(window_start, \"yyyy-MM-dd'T'HH\"),"
        " date_format(window_end, \"yyyy-MM-dd'T'HH\") FROM kaminari.job_runs"
        " WHERE status = 'SUCCEEDED' AND job = 'incidents' ORDER BY finished",
    }


def test_hourly_and_retrain_end_to_end(home):
    broker = Broker(home / "broker")
    try:
        env = airflow_env(
            KAMINARI_MODE="local",
            KAMINARI_HOME=str(home),
            KAMINARI_JAVA_OPTS=" ".join(TEST_JVM_OPTS),
            KAMINARI_TASK_RETRIES="0",
        )
        kafka = ["--set", f"kafka.bootstrap.servers={broker.bootstrap}"]
        # Four hours of traffic (08..11), a few thousand flows an hour, produced to the broker like nfacctd would.
        kaminari("generate", "--to-kafka", "--start", "2024-05-01T08:00:00Z", "--duration", "4h", "--flows", "12000",
                 "--hosts", "400", *kafka, home=home)  # fmt: skip
        # The deployment's one schema step (k8s/spark/init.yaml), then training data for the retrain DAG: hours 08 and
        # 09 through the CLI.
        kaminari("init", home=home)
        kaminari("land", *kafka, home=home)
        kaminari("compact", "--from", "2024-05-01T08", "--to", "2024-05-01T10", home=home)
        kaminari("features", "--from", "2024-05-01T08", "--to", "2024-05-01T10", "--spec", "seed-global", home=home)

        # kaminari.yaml of the run: the broker of this test.
        config = home / "kaminari.yaml"
        config.write_text(f"kafka.bootstrap.servers: {broker.bootstrap}\n")
        env["KAMINARI_CONFIG"] = str(config)

        before = kaminari("models", "list", home=home).stdout
        dags_test("kaminari_retrain", "2024-05-02T03:00:00+00:00", env,
                  # Two hours are 24 windows: too few for the default pot budget, which refuses them.
                  {"train_from": "2024-05-01T08", "train_to": "2024-05-01T10", "epochs": 2,
                   "hyperparameters": {"threshold": "quantile:0.999"}})  # fmt: skip
        after = kaminari("models", "list", home=home).stdout
        assert "flow-ae" in after and after != before, f"no new version published:\n{before}\n{after}"
        assert "champion=" in after, after

        for date in HOURS:
            dags_test("kaminari_hourly", date, env)
        first = partition_counts(home)
        for t in TABLES:
            parts = [p[0] for p in first[t + ":partitions"]]
            for hour in (10, 11):
                hits = [p for p in parts if f"dt=2024-05-01/hour={hour}" in p]
                assert len(hits) >= 1 and len(hits) == len(set(hits)), f"{t} hour {hour}: {parts}"
            rows = dict(map(tuple, first[t + ":rows"]))
            assert set(rows) == {10, 11} and all(n > 0 for n in rows.values()), f"{t}: {rows}"

        # Rerun one hour: every table keeps exactly its rows.
        dags_test("kaminari_hourly", "2024-05-01T11:00:00+00:00", env)
        second = partition_counts(home)
        assert second == first

        # The hourly contract: each run's features and score rebuilt the event hours its compaction of arrival hour H
        # wrote (recorded in job_runs), and H.
        contract = hive_counts(home, contract_queries())
        runs = contract["runs"]
        triplets = [runs[i : i + 3] for i in range(len(runs) - 2) if [r[0] for r in runs[i : i + 3]] == CONTRACT_JOBS]
        assert [t[0][1] for t in triplets] == ["2024-05-01T10", "2024-05-01T11", "2024-05-01T10"], runs
        for (_, arrival, compacted), (_, _, built), (_, _, scored) in triplets:
            assert arrival in set(built) and set(built) == set(scored) == set(compacted) | {arrival}, runs
        # Each run then grouped the incidents of its hour.
        incidents = [tuple(r) for r in contract["incidents"]]
        assert incidents == [("2024-05-01T10", "2024-05-01T11"), ("2024-05-01T11", "2024-05-01T12"),
                             ("2024-05-01T10", "2024-05-01T11")], incidents  # fmt: skip
    finally:
        broker.stop()
