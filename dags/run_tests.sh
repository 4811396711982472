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
. .ci/venv.sh
ensure_venv "$venv" dags/requirements.txt

# The manifest tests render k8s/overlays with the real Kustomize: kubectl's (`kubectl kustomize`), else a kustomize
# binary, else one built from the Go module proxy into the venv (Go is needed for that; 2 minutes, once).
if ! command -v kubectl >/dev/null 2>&1 && ! command -v kustomize >/dev/null 2>&1 && [ ! -x "$venv/bin/kustomize" ]; then
  GOBIN="$venv/bin" go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
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
