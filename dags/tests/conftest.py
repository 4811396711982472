"""Shared setup of the DAG tests: an Airflow home under target/, the DAG folder on sys.path, DagBags per mode."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = DAGS_DIR.parent
TARGET = REPO_DIR / "target"

# Before anything imports airflow: never ~/airflow, never the example DAGs.
os.environ.setdefault("AIRFLOW_HOME", str(TARGET / "airflow-home"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_DIR))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
# Like Airflow's LocalDagBundle, which puts the DAG folder on sys.path for the DAGs' own helper package.
if str(DAGS_DIR) not in sys.path:
    sys.path.insert(0, str(DAGS_DIR))


def load_dagbag(monkeypatch: pytest.MonkeyPatch, mode: str | None, **env: str):
    """A fresh DagBag of dags/ parsed in ``mode`` (None: from the Variable), with the warnings it raised."""
    from airflow.dag_processing.dagbag import BundleDagBag

    if mode is None:
        monkeypatch.delenv("KAMINARI_MODE", raising=False)
    else:
        monkeypatch.setenv("KAMINARI_MODE", mode)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = BundleDagBag(dag_folder=str(DAGS_DIR), bundle_path=DAGS_DIR)
    return bag, [str(w.message) for w in caught]


@pytest.fixture(params=["local", "kubernetes"])
def mode(request) -> str:
    return request.param


@pytest.fixture
def dagbag(monkeypatch, mode):
    bag, caught = load_dagbag(monkeypatch, mode)
    assert bag.import_errors == {}, bag.import_errors
    return bag
