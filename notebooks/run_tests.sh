#!/usr/bin/env bash
# The notebook tests: create (or reuse) the venv .venv-notebooks/, install notebooks/requirements.txt, build demo data
# with the jar just packaged into target/nb-home (the demo, then a second model version so 03 has two to compare), and
# execute every notebook with papermill (run_notebooks.py): any cell error or a plotting cell without an image fails.
# Executed copies and HTML renderings go to target/notebooks/, and each passing notebook is written back to notebooks/
# with its outputs (the committed notebooks are the executed ones: a committed copy without the outputs a fresh run
# shows fails the test). Maven runs this in the integration-test phase.
#   bash notebooks/run_tests.sh            # everything
#   KAMINARI_NB_REUSE=1 bash notebooks/run_tests.sh   # keep an existing target/nb-home (skip the demo)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

venv="${KAMINARI_NOTEBOOK_VENV:-$repo/.venv-notebooks}"
. .ci/venv.sh
ensure_venv "$venv" notebooks/requirements.txt

export SPARK_LOCAL_IP=127.0.0.1
home="$repo/target/nb-home"
out="$repo/target/notebooks"
mkdir -p "$out"
kaminari() { java -jar "$repo/target/kaminari.jar" "$@" --home "$home"; }
if [ -z "${KAMINARI_NB_REUSE:-}" ] || [ ! -d "$home/metastore_db" ]; then
  # Derby embedded admits one JVM at a time: each step ends before the next (and the notebooks) start.
  echo "notebooks: building demo data in $home (log: $out/data.log)"
  {
    kaminari demo --flows-per-day 20000
    kaminari train --from 2024-05-01T00 --to 2024-05-02T00 --spec seed-global --threshold quantile:0.9 \
      --epochs 20 --promote none
    kaminari score --from 2024-05-02T00 --to 2024-05-03T00 --model flow-ae/2
  } > "$out/data.log" 2>&1 || { tail -50 "$out/data.log"; exit 1; }
fi

exec "$venv/bin/python" notebooks/run_notebooks.py --home "$home" --from 2024-05-02T00 --to 2024-05-03T00 \
  --out "$out" --write-back "$@"
