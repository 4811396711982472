"""`airflow backfill create --dry-run` lists one run per hour of the range, nothing else needed."""

from __future__ import annotations

import re

from kaminari_env import airflow, airflow_env


def test_backfill_dry_run_lists_the_hours():
    env = airflow_env(KAMINARI_MODE="local")
    assert airflow("dags", "reserialize", env=env).returncode == 0
    p = airflow(
        "backfill", "create", "--dag-id", "kaminari_hourly",
        "--from-date", "2024-05-01T00:00:00+00:00", "--to-date", "2024-05-01T05:00:00+00:00", "--dry-run",
        env=env,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    dates = re.findall(r"\| 2024-05-01 (\d\d):00:00\+00:00", p.stdout)
    # Logical date = data-interval start: the runs for hours 00..05 (the to-date is inclusive).
    assert dates == ["00", "01", "02", "03", "04", "05"], p.stdout


def test_backfill_of_a_month_is_one_run_per_hour():
    env = airflow_env(KAMINARI_MODE="local")
    p = airflow(
        "backfill", "create", "--dag-id", "kaminari_hourly",
        "--from-date", "2024-04-01T00:00:00+00:00", "--to-date", "2024-04-30T23:00:00+00:00", "--dry-run",
        env=env,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(re.findall(r"\| 2024-04-\d\d \d\d:00:00\+00:00", p.stdout)) == 30 * 24
