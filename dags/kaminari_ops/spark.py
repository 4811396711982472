"""The SparkKubernetesOperator of Kaminari: a ``k8s/spark/<job>.yaml`` template with the arguments rendered in."""

from __future__ import annotations

import copy
import shlex
from pathlib import Path
from typing import Any

import yaml
from airflow.providers.cncf.kubernetes.operators.spark_kubernetes import SparkKubernetesOperator

from kaminari_ops import K8S_CONFIG_FILE

#: Options that start a template's deployment arguments, which the DAG keeps.
DEPLOYMENT_OPTIONS = ("--set", "--config")


class KaminariSparkApplicationOperator(SparkKubernetesOperator):
    """Submits a SparkApplication template whose ``spec.arguments`` are ``kaminari_args`` rendered and shell-split.

    The template is a complete, valid manifest (``kubectl apply`` works on it as is); only its job arguments, and the
    image if ``image_override`` is set, are replaced, and ``hadoop`` (``kaminari_ops.hadoop_spec``) is merged into its
    spec, its ``sparkConf`` key by key. The template's trailing deployment arguments (from its first
    ``--set`` or ``--config`` on: the mounted config file) are kept. Secrets never go there: the pods read them from
    the kaminari-secrets volume (``KAMINARI_SECRETS_DIR``).
    """

    template_fields = (*SparkKubernetesOperator.template_fields, "kaminari_args")

    def __init__(
        self,
        *,
        kaminari_args: str,
        template_file: Path,
        image_override: str | None = None,
        hadoop: dict | None = None,
        **kwargs,
    ):
        spec = yaml.safe_load(Path(template_file).read_text())
        if image_override:
            spec["spec"]["image"] = image_override
        for key, value in (hadoop or {}).items():
            if key == "sparkConf":
                spec["spec"].setdefault("sparkConf", {}).update(value)
            else:
                spec["spec"][key] = value
        old = list(spec["spec"].get("arguments") or [])
        tail_at = next((i for i, a in enumerate(old) if a in DEPLOYMENT_OPTIONS), len(old))
        # Kept out of the templated spec: Airflow would take "/etc/kaminari/kaminari.yaml" for a template file to load.
        self.deployment_args = old[tail_at:] or ["--config", K8S_CONFIG_FILE]
        spec["spec"]["arguments"] = []
        super().__init__(template_spec=spec, **kwargs)
        self.kaminari_args = kaminari_args
        self.template_file = str(template_file)

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        super().render_template_fields(context, jinja_env)
        self.template_spec = application(self.template_spec, self.kaminari_args, self.deployment_args)


def application(template: dict, rendered_args: str, deployment_args: list[str]) -> dict:
    """The SparkApplication of ``template`` running ``rendered_args`` (a rendered argument string)."""
    app = copy.deepcopy(template)
    app["spec"]["arguments"] = [*shlex.split(rendered_args), *deployment_args]
    return app
