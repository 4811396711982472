#!/usr/bin/env bash
# The DAG tests with a real Airflow: create (or reuse) the venv .venv-airflow/, install dags/requirements.txt,
# migrate a SQLite metadata DB under target/, then `ruff check dags` and pytest. Maven runs this in the
# integration-test phase (after `package` built the jars the end-to-end tests use); any failure fails the build.
#   bash dags/run_tests.sh                 # everything
#   bash dags/run_tests.sh -k render       # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

venv="${KAMINARI_AIRFLOW_VENV:-$repo/.venv-airflow}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
stamp="$venv/.requirements.sha256"
want=$(sha256sum dags/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r dags/requirements.txt
  echo "$want" > "$stamp"
fi

export AIRFLOW_HOME="$repo/target/airflow-home"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER="$repo/dags"
export AIRFLOW__CORE__UNIT_TEST_MODE=False
export SPARK_LOCAL_IP=127.0.0.1
export PATH="$venv/bin:$PATH"
mkdir -p "$AIRFLOW_HOME"
airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 || { cat "$AIRFLOW_HOME/db-migrate.log"; exit 1; }

ruff check dags
exec pytest dags/tests -p no:cacheprovider -ra --durations=10 "$@"
