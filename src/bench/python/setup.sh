#!/usr/bin/env bash
# Creates (or updates) the venv .venv-bench/ at the top of the checkout with PyTorch from PyPI, for
# `kaminari bench train-pytorch` and `kaminari bench all` (which look there unless bench.python names another
# interpreter). About 5 GB on disk: see requirements.txt. Not part of CI: the benchmarks are not run there.
#   bash src/bench/python/setup.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv="${KAMINARI_BENCH_VENV:-$PWD/.venv-bench}"
. .ci/venv.sh
ensure_venv "$venv" src/bench/python/requirements.txt
"$venv/bin/python" src/bench/python/train_bench.py --check
