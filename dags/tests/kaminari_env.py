"""Running the real thing from tests: the Airflow CLI of the venv, the kaminari jars, a broker, Hive tables."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent.parent
DAGS_DIR = REPO_DIR / "dags"
TARGET = REPO_DIR / "target"
THIN_JAR = TARGET / "kaminari.jar"
SPARK_JAR = TARGET / "kaminari-spark.jar"
VENV_BIN = Path(sys.executable).parent
#: JVM options of every kaminari JVM these tests start (the CLI, the broker, and the DAGs' tasks through
#: KAMINARI_JAVA_OPTS). `-XX:TieredStopAtLevel=1` keeps the JIT at its quick first tier: the tests' jobs handle a few
#: thousand flows, so a JVM's time is start-up, and C2's compilations would not pay back before it exits. Measured
#: 2026-12-06 with `java [-XX:TieredStopAtLevel=1] -jar target/kaminari.jar init --home DIR`: 17.0 s and 16.8 s
#: without, 11.4 s and 13.1 s with; `sql -e "SELECT count(*) FROM kaminari.flows"` 11.7/11.0 s against 9.2/8.5 s.
#: Production jobs keep the default: on real volumes the optimised code is what counts.
TEST_JVM_OPTS = ["-Dai.djl.offline=true", "-XX:TieredStopAtLevel=1"]
#: The subcommands the DAGs run; the end-to-end tests fail (never skip) while one is missing.
PIPELINE_SUBCOMMANDS = ["land", "compact", "features", "select-ports", "train", "score", "models", "generate", "broker"]


def airflow_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=os.environ["AIRFLOW_HOME"],
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_DIR),
        SPARK_LOCAL_IP="127.0.0.1",
    )
    env.update(extra)
    return env


def airflow(*args: str, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def kaminari(*args: str, home: Path, timeout: int = 900, env: dict | None = None) -> subprocess.CompletedProcess:
    """`java -jar target/kaminari.jar ARGS --home HOME`, failing with its output if it fails."""
    cmd = ["java", *TEST_JVM_OPTS, "-jar", str(THIN_JAR), *args, "--home", str(home)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env or airflow_env())
    assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    return p


def missing_subcommands() -> list[str]:
    """The pipeline subcommands target/kaminari.jar does not have (all of them if the jar is not built)."""
    if not THIN_JAR.is_file():
        return PIPELINE_SUBCOMMANDS
    p = subprocess.run(["java", "-jar", str(THIN_JAR), "--help"], capture_output=True, text=True, check=False)
    listed = set(re.findall(r"^\s{2}([a-z][a-z-]*)", p.stdout, re.M))
    return [s for s in PIPELINE_SUBCOMMANDS if s not in listed]


class Broker:
    """`kaminari broker` as a separate JVM, until stopped (SIGTERM)."""

    def __init__(self, home: Path):
        self.proc = subprocess.Popen(
            ["java", *TEST_JVM_OPTS, "-jar", str(THIN_JAR), "broker", "--home", str(home), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 120
        self.bootstrap = None
        lines = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("bootstrap.servers="):
                self.bootstrap = line.strip().split("=", 1)[1]
                break
        if self.bootstrap is None:
            self.stop()
            raise AssertionError("kaminari broker did not start:\n" + "".join(lines[-50:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def hive_counts(home: Path, queries: dict[str, str]) -> dict[str, list]:
    """Runs SQL against the embedded metastore and warehouse of a kaminari home (a local pyspark session)."""
    script = f"""
import json, sys
from pyspark.sql import SparkSession
home = {str(home)!r}
spark = (SparkSession.builder.master("local[1]").appName("kaminari-test-check")
    .config("spark.sql.warehouse.dir", home + "/warehouse")
    .config("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=" + home + "/metastore_db")
    .config("spark.ui.enabled", "false")
    .enableHiveSupport().getOrCreate())
out = {{}}
for key, q in json.loads(sys.argv[1]).items():
    out[key] = [list(r) for r in spark.sql(q).collect()]
print("RESULT " + json.dumps(out, default=str))
spark.stop()
"""
    import json

    p = subprocess.run(
        [sys.executable, "-c", script, json.dumps(queries)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=airflow_env(),
        cwd=home,
    )
    lines = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")]
    assert p.returncode == 0 and lines, f"hive query failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT ") :])
