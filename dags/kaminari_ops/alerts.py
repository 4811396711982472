"""What happens when a Kaminari task fails for good: Airflow's ``on_failure_callback`` of every task (``DEFAULT_ARGS``).

The callback always writes one ERROR line to the task's log (logger ``kaminari.alerts``) naming the DAG, task, run,
try and cause. If ``KAMINARI_FAILURE_WEBHOOK`` is set (in the workers' environment) it also POSTs a JSON object to
that URL: ``text`` (the same line, which Slack- and Mattermost-style incoming webhooks display) plus the fields
``dag_id``, ``task_id``, ``run_id``, ``try_number``, ``exception`` and ``log_url`` for anything that parses it. A
webhook that is down or slow (10 s timeout) is logged and otherwise ignored: the callback must never hide the task's
own failure.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request

WEBHOOK_ENV = "KAMINARI_FAILURE_WEBHOOK"
TIMEOUT_SECONDS = 10
log = logging.getLogger("kaminari.alerts")


def failure_report(context) -> dict:
    """The facts of a failed task from Airflow's callback context, as plain JSON values."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None)
    task_id = getattr(ti, "task_id", None)
    run_id = getattr(ti, "run_id", None) or context.get("run_id")
    try_number = getattr(ti, "try_number", None)
    exception = context.get("exception")
    cause = f"{type(exception).__name__}: {exception}" if exception is not None else "unknown cause"
    try:
        log_url = getattr(ti, "log_url", None)
    except Exception:  # noqa: BLE001 - a missing base URL must not break the report
        log_url = None
    return {
        "text": f"kaminari: task {dag_id}.{task_id} failed (run {run_id}, try {try_number}): {cause}",
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "try_number": try_number,
        "exception": cause,
        "log_url": log_url,
    }


def on_failure(context) -> None:
    """Logs the failure and, if ``KAMINARI_FAILURE_WEBHOOK`` is set, posts it there (see the module doc)."""
    report = failure_report(context)
    log.error("%s", report["text"])
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return
    request = urllib.request.Request(
        url,
        data=json.dumps(report).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - operator's URL
            response.read()
    except Exception as e:  # noqa: BLE001 - never mask the task's own failure
        log.error("kaminari: the failure webhook %s did not take the report: %s", WEBHOOK_ENV, e)
