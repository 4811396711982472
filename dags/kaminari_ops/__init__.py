"""Shared pieces of the Kaminari DAGs: the execution mode, the ``kaminari`` command lines and the task factory.

Every task is one ``kaminari`` CLI invocation, written once as a shell-style argument string with Jinja in it. In
``local`` mode a ``BashOperator`` runs it against ``target/kaminari.jar`` and the embedded default (Derby metastore,
local warehouse under ``KAMINARI_HOME``); in ``kubernetes`` mode the same string, split like a shell would, becomes the
``arguments`` of the SparkApplication template ``k8s/spark/<job>.yaml`` that a ``SparkKubernetesOperator`` submits, or
the command of a small pod for the jobs that need no Spark (``kaminari models ...``). So both modes run the same
arguments by construction.

Settings are read from the environment when the DAG file is parsed (cheap, no metadata-DB access), except the mode,
which may also come from the Airflow Variable ``kaminari_mode``:

- ``KAMINARI_MODE`` (or Variable ``kaminari_mode``): ``local`` (default) or ``kubernetes``.
- local: ``KAMINARI_JAR`` (default ``<repo>/target/kaminari.jar``), ``KAMINARI_HOME`` (state directory, read by the
  CLI itself), ``KAMINARI_CONFIG`` (optional config file), ``KAMINARI_JAVA_OPTS``.
- ``KAMINARI_TASK_RETRIES``: retries of every task (default 3).
- ``KAMINARI_FAILURE_WEBHOOK``: URL that every task failing for good is POSTed to (``kaminari_ops.alerts``).
- kubernetes: ``KAMINARI_K8S_DIR`` (default ``<repo>/k8s``), ``KAMINARI_NAMESPACE`` (default ``kaminari``),
  ``KAMINARI_JOBS_IMAGE`` (overrides the templates' image), ``KAMINARI_K8S_CONN_ID`` (default
  ``kubernetes_default``), and for a Kerberized or otherwise configured Hadoop (``hadoop_spec``):
  ``KAMINARI_HADOOP_CONF_MAP``, ``KAMINARI_KRB5_CONF_MAP``, ``KAMINARI_KERBEROS_TOKEN_SECRET``.
"""

from __future__ import annotations

import json
import os
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kaminari_ops.alerts import on_failure

MODE_LOCAL = "local"
MODE_KUBERNETES = "kubernetes"
MODES = (MODE_LOCAL, MODE_KUBERNETES)

REPO_DIR = Path(__file__).resolve().parent.parent.parent
#: Where the jobs read their configuration in Kubernetes: the ``kaminari-config`` ConfigMap, mounted.
K8S_CONFIG_FILE = "/etc/kaminari/kaminari.yaml"
#: The CLI wrapper of the jobs image (``docker/jobs/opt/kaminari/bin/kaminari``; the image is built by Jib, pom.xml).
K8S_CLI = "/opt/kaminari/bin/kaminari"

#: What every task gets unless it says otherwise: retried with backoff, killed well before the next interval, and
#: reported when it fails for good (``kaminari_ops.alerts``: a log line, and a POST to ``KAMINARI_FAILURE_WEBHOOK``
#: if set). ``KAMINARI_TASK_RETRIES`` overrides the retries (the end-to-end tests set 0, so a failure shows at once).
DEFAULT_ARGS = {
    "owner": "kaminari",
    "retries": int(os.environ.get("KAMINARI_TASK_RETRIES", "3")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": on_failure,
}


def execution_mode() -> str:
    """``local`` or ``kubernetes``: ``$KAMINARI_MODE``, else the Variable ``kaminari_mode``, else ``local``."""
    mode = os.environ.get("KAMINARI_MODE")
    if not mode:
        from airflow.sdk import Variable

        mode = Variable.get("kaminari_mode", default=MODE_LOCAL)
    mode = mode.strip().lower()
    if mode not in MODES:
        raise ValueError(f"kaminari_mode must be one of {MODES}, not {mode!r}")
    return mode


def hour(value: datetime) -> str:
    """A data-interval bound as the CLI's hour argument, ``yyyy-MM-ddTHH`` in UTC (a Jinja filter of the DAGs)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H")


def day(value: datetime) -> str:
    """The UTC day of a data-interval bound as the CLI's hour argument of its first hour, ``yyyy-MM-ddT00``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT00")


def hours_before(value: datetime, hours: int) -> datetime:
    """``value`` minus ``hours`` hours (a Jinja filter: training ranges that end at the data interval)."""
    return value - timedelta(hours=int(hours))


def model_version(shown) -> int:
    """The version in the JSON of ``kaminari models show --format json`` (a Jinja filter over a task's XCom).

    Local mode's XCom is the command's last stdout line (a JSON string), the Kubernetes pod's is the parsed JSON of
    ``/airflow/xcom/return.json``; no output is an error, never an empty version.
    """
    if shown is None or shown == "":
        raise ValueError("no `kaminari models show --format json` output to read a version from")
    data = json.loads(shown) if isinstance(shown, str) else shown
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"`kaminari models show --format json` gave no version: {shown!r}")
    return version


def model_name(reference: str) -> str:
    """The model name of a reference, ``flow-ae`` of ``flow-ae@champion`` or ``flow-ae`` (a Jinja filter: ``incidents``
    takes a name and groups the scores of the newest version that scored the period)."""
    name = str(reference).split("@", 1)[0].strip()
    if not name:
        raise ValueError(f"no model name in the reference {reference!r}")
    return name


JINJA_FILTERS = {
    "kaminari_hour": hour,
    "kaminari_day": day,
    "kaminari_hours_before": hours_before,
    "kaminari_model_version": model_version,
    "kaminari_model_name": model_name,
}
XCOM_FILE = "/airflow/xcom/return.json"


def local_prelude() -> str:
    """The bash function ``kaminari`` of local mode: the thin jar on the machine's JVM, config file if one is set."""
    jar = os.environ.get("KAMINARI_JAR", str(REPO_DIR / "target" / "kaminari.jar"))
    return (
        "set -euo pipefail; "
        f'kaminari() {{ java ${{KAMINARI_JAVA_OPTS:-}} -jar {shlex.quote(jar)} "$@" '
        '${KAMINARI_CONFIG:+--config "$KAMINARI_CONFIG"}; }; '
    )


def k8s_dir() -> Path:
    return Path(os.environ.get("KAMINARI_K8S_DIR", str(REPO_DIR / "k8s")))


def hadoop_spec() -> dict:
    """What the cluster's Hadoop adds to every SparkApplication the DAGs submit, from the environment (none if unset).

    - ``KAMINARI_HADOOP_CONF_MAP``: a ConfigMap of ``core-site.xml``, ``hdfs-site.xml``, ``hive-site.xml`` ...; the
      Spark operator mounts it on the driver and executors as ``HADOOP_CONF_DIR`` (``spec.hadoopConfigMap``).
    - ``KAMINARI_KRB5_CONF_MAP``: a ConfigMap holding ``krb5.conf`` (``spark.kubernetes.kerberos.krb5.configMapName``).
    - ``KAMINARI_KERBEROS_TOKEN_SECRET``: ``SECRET:KEY``, a Secret holding Hadoop delegation tokens that your token
      service renews (``spark.kubernetes.kerberos.tokenSecret.name`` and ``.itemKey``): Spark on Kubernetes reads
      HDFS and the metastore with them, and no keytab enters the operator or the pods.
    """
    spec: dict = {}
    conf: dict = {}
    if os.environ.get("KAMINARI_HADOOP_CONF_MAP"):
        spec["hadoopConfigMap"] = os.environ["KAMINARI_HADOOP_CONF_MAP"]
    if os.environ.get("KAMINARI_KRB5_CONF_MAP"):
        conf["spark.kubernetes.kerberos.krb5.configMapName"] = os.environ["KAMINARI_KRB5_CONF_MAP"]
    token = os.environ.get("KAMINARI_KERBEROS_TOKEN_SECRET")
    if token:
        name, sep, key = token.partition(":")
        if not (sep and name and key):
            raise ValueError(f"KAMINARI_KERBEROS_TOKEN_SECRET must be SECRET:KEY, not {token!r}")
        conf["spark.kubernetes.kerberos.tokenSecret.name"] = name
        conf["spark.kubernetes.kerberos.tokenSecret.itemKey"] = key
    if conf:
        spec["sparkConf"] = conf
    return spec


def spark_template(job: str) -> Path:
    """The SparkApplication template of a job: ``k8s/spark/<job>.yaml``."""
    return k8s_dir() / "spark" / f"{job}.yaml"


def kaminari_task(
    task_id: str,
    args: str,
    *,
    mode: str,
    job: str | None = None,
    script: str | None = None,
    returns_json: bool = False,
    **kwargs,
):
    """One task running ``kaminari <args>`` in the given mode.

    ``job`` names the SparkApplication template for Spark jobs; without it the command needs no Spark and runs in a
    plain pod of the jobs image (kubernetes) or in bash (local). ``script``, if given, is a shell script that calls the
    function ``kaminari`` itself (for steps that feed one command's output to the next); ``args`` is then ignored.
    ``returns_json``: the command prints one line of JSON, which becomes the task's XCom in both modes (bash pushes the
    last line; the pod writes it to the XCom sidecar's file).
    """
    if mode == MODE_LOCAL:
        from airflow.providers.standard.operators.bash import BashOperator

        body = script if script is not None else f"kaminari {args}"
        return BashOperator(task_id=task_id, bash_command=local_prelude() + body, **kwargs)
    namespace = os.environ.get("KAMINARI_NAMESPACE", "kaminari")
    conn_id = os.environ.get("KAMINARI_K8S_CONN_ID", "kubernetes_default")
    if job is not None:
        if script is not None:
            raise ValueError("a Spark job takes args, not a script")
        from kaminari_ops.spark import KaminariSparkApplicationOperator

        return KaminariSparkApplicationOperator(
            task_id=task_id,
            kaminari_args=args,
            template_file=spark_template(job),
            image_override=os.environ.get("KAMINARI_JOBS_IMAGE"),
            hadoop=hadoop_spec(),
            namespace=namespace,
            kubernetes_conn_id=conn_id,
            **kwargs,
        )
    from kaminari_ops.pod import kaminari_pod

    if returns_json:
        if script is not None:
            raise ValueError("returns_json takes args, not a script")
        script = f"kaminari {args} > {XCOM_FILE}"
        kwargs["do_xcom_push"] = True
    return kaminari_pod(task_id, args=args, script=script, namespace=namespace, conn_id=conn_id, **kwargs)
