"""Distributed for real on one machine: kaminari-spark.jar submitted to a Spark 3.5.7 standalone master and worker
(separate JVMs, from pyspark's distribution), running compact → features → score for one hour, and the training of
a dst-prefix model, whose traffic groups train on the executor.

What local mode hides shows here: closures that do not serialise, classes missing from the shaded jar, DJL loading
on executors. Needs target/kaminari-spark.jar and target/kaminari.jar (`mvn -B package`); FAILS while a pipeline
subcommand is missing.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyspark
import pytest
from kaminari_env import SPARK_JAR, TARGET, TEST_JVM_OPTS, airflow_env, hive_counts, kaminari, missing_subcommands

SPARK_HOME = Path(pyspark.__file__).parent
HOUR = "2024-05-01T10"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"port {port} not open:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def cluster():
    assert SPARK_JAR.is_file(), "target/kaminari-spark.jar missing: mvn -B package"
    assert pyspark.__version__ == "3.5.7", pyspark.__version__
    work = TARGET / "spark-standalone"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = airflow_env(SPARK_HOME=str(SPARK_HOME), SPARK_LOG_DIR=str(work / "logs"), SPARK_LOCAL_DIRS=str(work / "tmp"))
    env.pop("PYSPARK_SUBMIT_ARGS", None)
    port, ui, wui = free_port(), free_port(), free_port()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    procs = []
    mlog, wlog = work / "master.log", work / "worker.log"
    master = subprocess.Popen(
        [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
         "--webui-port", str(ui)],
        stdout=mlog.open("w"), stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    procs.append(master)
    try:
        wait_port(port, master, mlog)
        worker = subprocess.Popen(
            [spark_class, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", "--host", "127.0.0.1",
             "--cores", "2", "--memory", "4g", "--webui-port", str(wui), "--work-dir", str(work / "work")],
            stdout=wlog.open("w"), stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        procs.append(worker)
        deadline = time.monotonic() + 90
        while "Successfully registered with master" not in wlog.read_text():
            assert time.monotonic() < deadline and worker.poll() is None, wlog.read_text()[-4000:]
            time.sleep(0.5)
        yield f"spark://127.0.0.1:{port}", work, env
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def submit(master: str, env: dict, work: Path, *args: str) -> None:
    cmd = [
        str(SPARK_HOME / "bin" / "spark-submit"), "--master", master, "--deploy-mode", "client",
        "--class", "io.kaminari.cli.Main", "--driver-memory", "2g", "--executor-memory", "2g",
        "--total-executor-cores", "2",
        "--conf", "spark.driver.extraJavaOptions=" + " ".join(TEST_JVM_OPTS),
        "--conf", "spark.executor.extraJavaOptions=" + " ".join(TEST_JVM_OPTS),
        "--conf", "spark.ui.enabled=false",
        str(SPARK_JAR), *args, "--home", str(work / "home"),
    ]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, check=False)
    assert p.returncode == 0, f"{' '.join(args)} exited {p.returncode}\n{p.stdout[-5000:]}\n{p.stderr[-8000:]}"
    # The work really ran on the worker's executors, not in the driver.
    assert "Granted executor ID" in p.stderr or "Executor added" in p.stderr, p.stderr[-3000:]


def test_compact_features_score_on_a_standalone_cluster(cluster):
    master, work, env = cluster
    home = work / "home"
    flows_dir = work / "flows"
    # Landed flows of hours 08..10, prepared locally (the thin jar, local[*]).
    kaminari("generate", "--out", str(flows_dir), "--start", "2024-05-01T08:00:00Z", "--duration", "3h",
             "--flows", "9000", "--hosts", "300", home=home)  # fmt: skip
    kaminari("init", home=home)
    kaminari("land", "--from-files", str(flows_dir), home=home)

    # File landing partitions by the files' modification time (now), compaction by event time (2024-05-01).
    landed = hive_counts(home, {"h": "SELECT DISTINCT dt, hour FROM kaminari.flows_landing ORDER BY dt, hour"})["h"]
    first, last = (datetime.strptime(f"{d}T{h:02d}", "%Y-%m-%dT%H") for d, h in (landed[0], landed[-1]))
    submit(
        master,
        env,
        work,
        "compact",
        "--from",
        f"{first:%Y-%m-%dT%H}",
        "--to",
        f"{last + timedelta(hours=1):%Y-%m-%dT%H}",
    )
    flows = hive_counts(home, {"flows": "SELECT count(*) FROM kaminari.flows WHERE dt = '2024-05-01' AND hour = 10"})
    assert flows["flows"][0][0] > 0, flows

    missing = missing_subcommands()
    if missing:
        pytest.fail(f"target/kaminari.jar lacks the subcommands {missing}: build the merged tree (mvn -B package)")
    # A champion to score with, trained locally on hours 08..09: 24 windows, too few for the default pot budget.
    kaminari("features", "--from", "2024-05-01T08", "--to", "2024-05-01T10", "--spec", "seed-global", home=home)
    kaminari("train", "--from", "2024-05-01T08", "--to", "2024-05-01T10", "--spec", "seed-global", "--name",
             "flow-ae", "--epochs", "2", "--threshold", "quantile:0.999", "--promote", "champion", "--force",
             home=home)  # fmt: skip

    submit(master, env, work, "features", "--from", HOUR, "--to", "2024-05-01T11", "--spec", "seed-global")
    submit(master, env, work, "score", "--from", HOUR, "--to", "2024-05-01T11", "--model", "flow-ae@champion")

    # The dst-prefix model's traffic groups train in tasks on the worker's executor JVM (GroupTraining): DJL training,
    # the shuffle of the rows to their group and the trained files sent back to the driver, across processes.
    submit(master, env, work, "features", "--from", "2024-05-01T08", "--to", "2024-05-01T10", "--spec",
           "seed-dst-prefix")  # fmt: skip
    submit(master, env, work, "train", "--from", "2024-05-01T08", "--to", "2024-05-01T10", "--spec",
           "seed-dst-prefix", "--name", "flow-ae-prefix", "--epochs", "2", "--threshold", "quantile:0.999",
           "--promote", "none")  # fmt: skip
    shown = json.loads(kaminari("models", "show", "flow-ae-prefix/1", "--format", "json", home=home).stdout)
    groups = shown["manifest"]["detectors"]["scope_groups"]
    assert groups["training"] == "one autoencoder per traffic group, each trained in its own Spark task", groups
    assert all(g["threshold"] > 0 for g in groups["groups"]), groups

    counts = hive_counts(
        home,
        {
            t: f"SELECT count(*) FROM kaminari.{t} WHERE dt = '2024-05-01' AND hour = 10"
            for t in ("flows", "port_vectors", "anomaly_scores")
        },
    )
    assert all(v[0][0] > 0 for v in counts.values()), counts
