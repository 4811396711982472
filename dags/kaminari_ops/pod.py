"""Pods of the jobs image for the ``kaminari`` commands that need no Spark (the model registry)."""

from __future__ import annotations

import os

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

from kaminari_ops import K8S_CLI, K8S_CONFIG_FILE

DEFAULT_IMAGE = "ghcr.io/kaminari/kaminari-jobs:0.1.0"
#: The Secret of secret configuration keys and where the pods mount it (KaminariConfig's KAMINARI_SECRETS_DIR).
SECRETS_SECRET = "kaminari-secrets"
SECRETS_DIR = "/etc/kaminari-secrets"


def kaminari_pod(task_id: str, *, args: str, script: str | None, namespace: str, conn_id: str, **kwargs):
    """A pod running ``kaminari <args>`` (or ``script``, in which ``kaminari`` is the image's CLI) as the spark SA."""
    body = script if script is not None else f"kaminari {args}"
    prelude = f'set -eu; kaminari() {{ {K8S_CLI} "$@" --config {K8S_CONFIG_FILE}; }}; '
    return KubernetesPodOperator(
        task_id=task_id,
        name=f"kaminari-{task_id.replace('_', '-')}",
        namespace=namespace,
        kubernetes_conn_id=conn_id,
        image=os.environ.get("KAMINARI_JOBS_IMAGE", DEFAULT_IMAGE),
        service_account_name="spark",
        cmds=["/bin/sh", "-c"],
        arguments=[prelude + body],
        volumes=[
            k8s.V1Volume(name="config", config_map=k8s.V1ConfigMapVolumeSource(name="kaminari-config")),
            k8s.V1Volume(name="tmp", empty_dir=k8s.V1EmptyDirVolumeSource()),
            # Secret settings (the model store's credentials...), one file per configuration key; never arguments.
            k8s.V1Volume(
                name="secrets",
                secret=k8s.V1SecretVolumeSource(secret_name=SECRETS_SECRET, optional=True, default_mode=0o440),
            ),
        ],
        volume_mounts=[
            k8s.V1VolumeMount(name="config", mount_path="/etc/kaminari", read_only=True),
            k8s.V1VolumeMount(name="tmp", mount_path="/tmp"),
            k8s.V1VolumeMount(name="secrets", mount_path=SECRETS_DIR, read_only=True),
        ],
        env_vars=[k8s.V1EnvVar(name="KAMINARI_SECRETS_DIR", value=SECRETS_DIR)],
        # The registry commands call no Kubernetes API: no token in the pod.
        automount_service_account_token=False,
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "250m", "memory": "768Mi"}, limits={"cpu": "1", "memory": "1Gi"}
        ),
        security_context=k8s.V1PodSecurityContext(
            run_as_non_root=True,
            run_as_user=185,
            fs_group=185,
            seccomp_profile=k8s.V1SeccompProfile(type="RuntimeDefault"),
        ),
        container_security_context=k8s.V1SecurityContext(
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            capabilities=k8s.V1Capabilities(drop=["ALL"]),
        ),
        get_logs=True,
        on_finish_action="delete_succeeded_pod",
        **kwargs,
    )
