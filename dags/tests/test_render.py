"""Rendering: for a given data interval every task's templated fields become the right CLI arguments (the interval's
hours, never "now"), identical in both modes, and every rendered SparkApplication validates against the CRD."""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pendulum
import pytest
from conftest import REPO_DIR, load_dagbag
from k8s_schemas import validate

START = pendulum.datetime(2024, 5, 1, 10, tz="UTC")
END = pendulum.datetime(2024, 5, 1, 11, tz="UTC")
DAY_START = pendulum.datetime(2024, 5, 1, 3, tz="UTC")
DAY_END = pendulum.datetime(2024, 5, 2, 3, tz="UTC")
CONFIG = ["--config", "/etc/kaminari/kaminari.yaml"]

HOURLY_ARGS = {
    "land": ["land"],
    "compact": ["compact", "--hour", "2024-05-01T10"],
    "verify": ["verify", "--from", "2024-04-30T11", "--to", "2024-05-01T11", "--repair"],
    "features": ["features", "--after-compact", "2024-05-01T10", "--spec", "seed-global"],
    "score": ["score", "--after-compact", "2024-05-01T10", "--model", "flow-ae@champion"],
    "incidents": ["incidents", "--from", "2024-05-01T10", "--to", "2024-05-01T11", "--model", "flow-ae"],
}
RETRAIN_DEFAULT_TRAIN = [
    "train", "--from", "2024-04-25T03", "--to", "2024-05-02T03", "--spec", "seed-global", "--name", "flow-ae",
    "--promote", "none", "--epochs", "20",
]  # fmt: skip
CONF = {
    "train_from": "2024-04-01T00",
    "train_to": "2024-04-08T00",
    "epochs": 3,
    "hyperparameters": {"batch-size": 64, "learning-rate": 0.01},
    "alias": "challenger",
    "force": True,
    "name": "flow-ae",
}
RETRAIN_CONF_TRAIN = [
    "train", "--from", "2024-04-01T00", "--to", "2024-04-08T00", "--spec", "seed-global", "--name", "flow-ae",
    "--promote", "none", "--epochs", "3", "--batch-size", "64", "--learning-rate", "0.01",
]  # fmt: skip


class FakeTaskInstance:
    """The ``ti`` of a rendering context: ``xcom_pull`` returns what an upstream task pushed."""

    def __init__(self, xcoms: dict):
        self.xcoms = xcoms

    def xcom_pull(self, task_ids: str):
        return self.xcoms.get(task_ids)


def render(dag, task_id: str, start, end, conf: dict | None = None, xcoms: dict | None = None):
    """The task with its templated fields rendered for the interval, as the worker renders them."""
    task = copy.deepcopy(dag.get_task(task_id))
    params = copy.deepcopy(dag.params)
    if conf:
        params.update(conf)  # what a manual trigger's conf does to the DAG's params
    context = {
        "dag": dag,
        "task": task,
        "params": params.validate(),
        "data_interval_start": start,
        "data_interval_end": end,
        "logical_date": start,
        "ds": start.strftime("%Y-%m-%d"),
        "ts_nodash": start.strftime("%Y%m%dT%H%M%S"),
        "run_id": f"manual__{start.isoformat()}",
        "ti": FakeTaskInstance(xcoms or {}),
    }
    task.render_template_fields(context)
    return task


@pytest.fixture
def local_dags(monkeypatch):
    bag, _ = load_dagbag(monkeypatch, "local", KAMINARI_JAR="/opt/kaminari/kaminari.jar")
    return bag


@pytest.fixture
def k8s_dags(monkeypatch):
    bag, _ = load_dagbag(monkeypatch, "kubernetes")
    return bag


def run_bash(command: str, tmp_path: Path, env: dict | None = None) -> list[list[str]]:
    """Runs a rendered bash_command with a fake `java` that records its argv: what the real JVM would get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "argv.log"
    fake = bin_dir / "java"
    fake.write_text(f'#!/bin/bash\nprintf "%s\\0" "$@" >> {log}\nprintf "\\n" >> {log}\n')
    fake.chmod(0o755)
    full_env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", **(env or {})}
    full_env.pop("KAMINARI_CONFIG", None)
    full_env.update(env or {})
    subprocess.run(["bash", "-c", command], check=True, env=full_env, cwd=tmp_path)
    return [line.split("\0")[:-1] for line in log.read_text().splitlines() if line]


@pytest.mark.parametrize("task_id", list(HOURLY_ARGS))
def test_hourly_local_runs_the_cli_with_the_interval(local_dags, tmp_path, task_id):
    task = render(local_dags.get_dag("kaminari_hourly"), task_id, START, END)
    (argv,) = run_bash(task.bash_command, tmp_path)
    assert argv == ["-jar", "/opt/kaminari/kaminari.jar", *HOURLY_ARGS[task_id]]


def test_local_mode_passes_the_config_file_when_set(local_dags, tmp_path):
    task = render(local_dags.get_dag("kaminari_hourly"), "compact", START, END)
    (argv,) = run_bash(task.bash_command, tmp_path, {"KAMINARI_CONFIG": "/etc/k y.yaml"})
    assert argv[-2:] == ["--config", "/etc/k y.yaml"]


def test_rendering_depends_on_the_interval_only(local_dags):
    """An interval of 2024 renders 2024's hours today (a backfill), and another interval renders other hours."""
    dag = local_dags.get_dag("kaminari_hourly")
    command = render(dag, "score", START, END).bash_command
    assert pendulum.now("UTC").strftime("%Y-%m-%dT%H") not in command
    assert command == render(dag, "score", START, END).bash_command
    later = render(dag, "score", START.add(hours=5), END.add(hours=5)).bash_command
    assert "--after-compact 2024-05-01T15" in later


def rendered_args(local_dags, k8s_dags, tmp_path, task_id: str, start, end) -> list[str]:
    """The task's ``kaminari`` arguments for the interval, the same in both modes (asserted here)."""
    (argv,) = run_bash(render(local_dags.get_dag("kaminari_hourly"), task_id, start, end).bash_command, tmp_path)
    app = render(k8s_dags.get_dag("kaminari_hourly"), task_id, start, end).template_spec
    assert app["spec"]["arguments"][: len(argv) - 2] == argv[2:]
    return argv[2:]


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


@pytest.mark.parametrize("hours_later", [0, 1, 14])
def test_hourly_contract_features_and_score_redo_the_event_hours_compaction_of_the_arrival_hour_wrote(
    local_dags, k8s_dags, tmp_path, hours_later
):
    """The run of arrival hour H compacts H, then rebuilds and rescores the event hours that compaction wrote.

    ``--after-compact H`` selects them from kaminari.job_runs (CompactJobIT and HourlyContractIT check that it
    resolves to exactly the event hours compaction recorded, and H): it needs nothing from the compact task's output,
    so it is the same argument in a local subprocess and in a SparkApplication. No task names an event-hour range.
    """
    start, end = START.add(hours=hours_later), END.add(hours=hours_later)
    arrival = start.strftime("%Y-%m-%dT%H")
    args = {
        t: rendered_args(local_dags, k8s_dags, tmp_path / t, t, start, end) for t in ("compact", "features", "score")
    }
    assert args["compact"] == ["compact", "--hour", arrival]
    for task_id in ("features", "score"):
        assert option(args[task_id], "--after-compact") == arrival
        assert "--from" not in args[task_id] and "--to" not in args[task_id]


@pytest.mark.parametrize("hours_later", [0, 1, 14])
def test_hourly_verify_repairs_the_last_day_of_landing_hours_through_the_arrival_hour(
    local_dags, k8s_dags, tmp_path, hours_later
):
    """``verify --repair`` reconciles landing hours H-23 .. H and ends at H + 1: its repair compaction then covers H, so
    ``--after-compact H`` of the next tasks finds it and rebuilds the event hours it wrote (VerifyIT).
    """
    start, end = START.add(hours=hours_later), END.add(hours=hours_later)
    args = rendered_args(local_dags, k8s_dags, tmp_path, "verify", start, end)
    assert option(args, "--from") == start.subtract(hours=23).strftime("%Y-%m-%dT%H")
    assert option(args, "--to") == end.strftime("%Y-%m-%dT%H")
    assert args[0] == "verify" and "--repair" in args


@pytest.mark.parametrize("model", ["flow-ae@champion", "edge-ae@challenger", "edge-ae@3", "edge-ae"])
def test_hourly_incidents_group_the_arrival_hour_of_the_scoring_model(k8s_dags, local_dags, model):
    """``incidents`` groups event hour H, by the model the ``score`` task scored with (the name of its reference: the
    job groups the newest version that scored the hour, which is the one ``score`` just used).
    """
    for dags in (local_dags, k8s_dags):
        task = render(dags.get_dag("kaminari_hourly"), "incidents", START, END, conf={"model": model})
        text = task.bash_command if hasattr(task, "bash_command") else " ".join(task.template_spec["spec"]["arguments"])
        assert "incidents --from 2024-05-01T10 --to 2024-05-01T11 --model " + model.split("@")[0] in text


def test_a_model_reference_without_a_name_is_refused():
    from kaminari_ops import model_name

    assert model_name(" flow-ae@champion") == "flow-ae"
    with pytest.raises(ValueError, match="no model name"):
        model_name("@champion")


@pytest.mark.parametrize("task_id", list(HOURLY_ARGS))
def test_hourly_kubernetes_renders_valid_spark_applications(k8s_dags, task_id):
    task = render(k8s_dags.get_dag("kaminari_hourly"), task_id, START, END)
    app = task.template_spec
    validate(app)
    assert app["kind"] == "SparkApplication"
    assert app["spec"]["arguments"] == [*HOURLY_ARGS[task_id], *CONFIG]
    assert not [a for a in app["spec"]["arguments"] if re.search(r"jaas|password|secret|token", a, re.I)]
    assert app["metadata"]["labels"]["app.kubernetes.io/component"] == task_id


def test_kubernetes_image_override(monkeypatch):
    bag, _ = load_dagbag(monkeypatch, "kubernetes", KAMINARI_JOBS_IMAGE="registry.example/kaminari-jobs:1.2.3")
    app = render(bag.get_dag("kaminari_hourly"), "score", START, END).template_spec
    validate(app)
    assert app["spec"]["image"] == "registry.example/kaminari-jobs:1.2.3"


def test_kerberized_hadoop_settings_reach_every_spark_application(monkeypatch):
    bag, _ = load_dagbag(
        monkeypatch,
        "kubernetes",
        KAMINARI_HADOOP_CONF_MAP="hadoop-conf",
        KAMINARI_KRB5_CONF_MAP="krb5",
        KAMINARI_KERBEROS_TOKEN_SECRET="hadoop-tokens:hadoop.token",
    )
    for dag_id, task_id in [("kaminari_hourly", "land"), ("kaminari_hourly", "score"), ("kaminari_retrain", "train")]:
        app = render(bag.get_dag(dag_id), task_id, START, END).template_spec
        validate(app)
        assert app["spec"]["hadoopConfigMap"] == "hadoop-conf"
        conf = app["spec"]["sparkConf"]
        assert conf["spark.kubernetes.kerberos.krb5.configMapName"] == "krb5"
        assert conf["spark.kubernetes.kerberos.tokenSecret.name"] == "hadoop-tokens"
        assert conf["spark.kubernetes.kerberos.tokenSecret.itemKey"] == "hadoop.token"
        assert conf["spark.authenticate"] == "true", "the template's own settings stay"


def test_a_malformed_token_secret_fails_at_parse(monkeypatch):
    monkeypatch.setenv("KAMINARI_KERBEROS_TOKEN_SECRET", "hadoop-tokens")
    from kaminari_ops import hadoop_spec

    with pytest.raises(ValueError, match="SECRET:KEY"):
        hadoop_spec()


@pytest.mark.parametrize(
    ("conf", "expected"), [(None, RETRAIN_DEFAULT_TRAIN), (CONF, RETRAIN_CONF_TRAIN)], ids=["daily", "on-demand"]
)
def test_retrain_train_arguments_in_both_modes(local_dags, k8s_dags, tmp_path, conf, expected):
    local = render(local_dags.get_dag("kaminari_retrain"), "train", DAY_START, DAY_END, conf)
    (argv,) = run_bash(local.bash_command, tmp_path)
    assert argv[2:] == expected
    app = render(k8s_dags.get_dag("kaminari_retrain"), "train", DAY_START, DAY_END, conf).template_spec
    validate(app)
    assert app["spec"]["arguments"] == [*expected, *CONFIG]


def test_retrain_select_ports_renders(local_dags, k8s_dags, tmp_path):
    expected = ["select-ports", "--from", "2024-04-01T00", "--to", "2024-04-08T00", "--src", "15", "--dst", "15"]
    local = render(local_dags.get_dag("kaminari_retrain"), "select_ports", DAY_START, DAY_END, CONF)
    (argv,) = run_bash(local.bash_command, tmp_path)
    assert argv[2:] == [*expected, "--out", "ports.json"]
    app = render(k8s_dags.get_dag("kaminari_retrain"), "select_ports", DAY_START, DAY_END, CONF).template_spec
    validate(app)
    assert app["spec"]["arguments"][: len(expected)] == expected


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        (None, ["retain", "--older-than", "90d"]),
        ({"older_than": "30d", "dry_run": True}, ["retain", "--older-than", "30d", "--dry-run"]),
    ],
    ids=["daily", "dry-run"],
)
def test_retention_arguments_in_both_modes(local_dags, k8s_dags, tmp_path, conf, expected):
    local = render(local_dags.get_dag("kaminari_retention"), "retain", DAY_START, DAY_END, conf)
    (argv,) = run_bash(local.bash_command, tmp_path)
    assert argv[2:] == expected
    app = render(k8s_dags.get_dag("kaminari_retention"), "retain", DAY_START, DAY_END, conf).template_spec
    validate(app)
    assert app["spec"]["arguments"] == [*expected, *CONFIG]


@pytest.mark.parametrize(
    ("end", "day"),
    [
        (DAY_END, "2024-05-01"),
        (pendulum.datetime(2024, 3, 1, 4, 30, tz="UTC"), "2024-02-29"),
        (pendulum.datetime(2024, 5, 2, 0, 0, tz="UTC"), "2024-05-01"),
    ],
    ids=["daily", "leap-day", "midnight"],
)
def test_retention_audits_the_rows_of_the_previous_utc_day_without_repairing(
    local_dags, k8s_dags, tmp_path, end, day
):
    start = end.subtract(days=1)
    local = render(local_dags.get_dag("kaminari_retention"), "verify_rows", start, end, None)
    (argv,) = run_bash(local.bash_command, tmp_path)
    expected = ["verify", "--from", f"{day}T00", "--to", f"{end.strftime('%Y-%m-%d')}T00", "--rows"]
    assert argv[2:] == expected
    app = render(k8s_dags.get_dag("kaminari_retention"), "verify_rows", start, end, None).template_spec
    validate(app)
    assert app["spec"]["arguments"] == [*expected, *CONFIG]


SHOWN = {"name": "flow-ae", "version": 4, "aliases": ["latest"], "verified": True, "tags": {}, "description": ""}


def test_retrain_publish_and_gate_local(local_dags, tmp_path):
    dag = local_dags.get_dag("kaminari_retrain")
    (publish,) = run_bash(render(dag, "publish", DAY_START, DAY_END, CONF).bash_command, tmp_path)
    assert publish[2:] == ["models", "show", "flow-ae@latest", "--verify", "--format", "json"]
    # Local mode's XCom is the last stdout line: the JSON as a string.
    gate = render(dag, "promotion_gate", DAY_START, DAY_END, CONF, {"publish": json.dumps(SHOWN)})
    calls = run_bash(gate.bash_command, tmp_path / "gate")
    assert calls[-1][2:] == ["models", "promote", "flow-ae", "4", "--alias", "challenger", "--force"]
    default = render(dag, "promotion_gate", DAY_START, DAY_END, None, {"publish": json.dumps(SHOWN)}).bash_command
    assert "--force" not in default and "--alias champion" in default
    # No version to promote is an error, never a promote of "".
    for shown in (None, "", "not json", json.dumps({**SHOWN, "version": None})):
        with pytest.raises(ValueError):
            render(dag, "promotion_gate", DAY_START, DAY_END, CONF, {"publish": shown})


def test_retrain_publish_and_gate_kubernetes(k8s_dags):
    dag = k8s_dags.get_dag("kaminari_retrain")
    publish = render(dag, "publish", DAY_START, DAY_END, CONF)
    assert publish.cmds == ["/bin/sh", "-c"]
    assert publish.arguments[0].endswith(
        "kaminari models show flow-ae@latest --verify --format json > /airflow/xcom/return.json"
    )
    assert publish.do_xcom_push is True
    # The pod's XCom is the parsed JSON.
    gate = render(dag, "promotion_gate", DAY_START, DAY_END, CONF, {"publish": SHOWN})
    assert gate.arguments[0].endswith("kaminari models promote flow-ae 4 --alias challenger --force")
    assert publish.service_account_name == "spark"
    # Secrets come as files of the kaminari-secrets volume, never as arguments; the pod gets no API token.
    assert not publish.env_from
    assert publish.automount_service_account_token is False
    (secrets,) = [v for v in publish.volumes if v.name == "secrets"]
    assert secrets.secret.secret_name == "kaminari-secrets"
    (mount,) = [m for m in publish.volume_mounts if m.name == "secrets"]
    assert {e.name: e.value for e in publish.env_vars}["KAMINARI_SECRETS_DIR"] == mount.mount_path


def test_on_demand_params_are_validated(local_dags):
    dag = local_dags.get_dag("kaminari_retrain")
    with pytest.raises(Exception, match="epochs|minimum"):
        render(dag, "train", DAY_START, DAY_END, {"epochs": 0})


def test_shell_split_of_local_and_kubernetes_agree(local_dags, k8s_dags):
    """Both modes run one argument string: what bash gives java is what the SparkApplication gets."""
    for task_id in HOURLY_ARGS:
        k8s_args = render(k8s_dags.get_dag("kaminari_hourly"), task_id, START, END).kaminari_args
        assert shlex.split(k8s_args) == HOURLY_ARGS[task_id]
    assert (REPO_DIR / "k8s" / "spark" / "compact.yaml").is_file()
