"""Offline validation of the manifests: the spark-operator CRDs' OpenAPI schemas (jsonschema) and Kubernetes' own
schemas (kubernetes-validate), both strict, so an unknown or misspelt field fails."""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
from pathlib import Path

import jsonschema
import yaml

REPO_DIR = Path(__file__).resolve().parent.parent.parent
SCHEMA_DIR = REPO_DIR / "k8s" / "schemas"
CRDS = {
    "SparkApplication": "sparkoperator.k8s.io_sparkapplications.yaml",
    "ScheduledSparkApplication": "sparkoperator.k8s.io_scheduledsparkapplications.yaml",
}
#: The Kubernetes version whose schemas kubernetes-validate checks the core manifests against.
KUBERNETES_VERSION = "1.33"


def _closed(node):
    """Every object schema that lists its properties and does not preserve unknown fields rejects unknown fields."""
    if isinstance(node, dict):
        node = {k: _closed(v) for k, v in node.items()}
        if (
            node.get("type") == "object"
            and "properties" in node
            and not node.get("x-kubernetes-preserve-unknown-fields")
            and "additionalProperties" not in node
        ):
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


@functools.cache
def crd_validator(kind: str) -> jsonschema.protocols.Validator:
    crd = yaml.safe_load((SCHEMA_DIR / CRDS[kind]).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1beta2"]
    schema = _closed(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


def validate(doc: dict) -> None:
    """Raises if ``doc`` is not a valid manifest of its kind (unknown fields included)."""
    kind = doc.get("kind")
    if kind in CRDS:
        assert doc["apiVersion"] == "sparkoperator.k8s.io/v1beta2", doc["apiVersion"]
        errors = sorted(crd_validator(kind).iter_errors(doc), key=lambda e: list(e.absolute_path))
        if errors:
            raise AssertionError(
                f"{kind} {doc.get('metadata', {}).get('name')}: "
                + "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
            )
        _check_metadata(doc)
        return
    import kubernetes_validate

    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def _check_metadata(doc: dict) -> None:
    """The CRD schemas leave metadata open; hold it to ObjectMeta's basics instead."""
    meta = doc["metadata"]
    assert set(meta) <= {"name", "namespace", "labels", "annotations"}, meta
    assert isinstance(meta["name"], str) and len(meta["name"]) <= 63
    for key in ("labels", "annotations"):
        assert all(isinstance(v, str) for v in meta.get(key, {}).values()), meta


K8S_DIR = REPO_DIR / "k8s"
#: The Kustomize overlays (k8s/overlays/<name>), each a complete deployment of the base.
OVERLAYS = ("local", "production")
#: The overlay whose rendering the deployment rules are checked on (the other one must validate too).
DEFAULT_OVERLAY = "production"


def templates() -> list[Path]:
    """The manifests applied one at a time rather than through an overlay: the SparkApplication templates the DAGs
    submit (k8s/spark/) and the optional component's ScheduledSparkApplication."""
    scheduled = K8S_DIR / "components" / "scheduled-land" / "scheduled-land.yaml"
    return [*sorted((K8S_DIR / "spark").glob("*.yaml")), scheduled]


def kustomize_command() -> list[str]:
    """`kubectl kustomize`, else `kustomize build`: the real Kustomize, never an imitation of it."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    raise AssertionError(
        "rendering k8s/overlays needs kubectl (`kubectl kustomize`) or kustomize on PATH; dags/run_tests.sh installs"
        " kustomize with `go install` when neither is there"
    )


def render(overlay: str) -> tuple[dict, ...]:
    """The documents of ``kubectl kustomize k8s/overlays/<overlay>``."""
    return kustomize(K8S_DIR / "overlays" / overlay)


@functools.cache
def kustomize(directory: Path) -> tuple[dict, ...]:
    """The documents of ``kubectl kustomize <directory>``."""
    p = subprocess.run([*kustomize_command(), str(directory)], capture_output=True, text=True, check=False)
    assert p.returncode == 0, f"kustomize {directory}: {p.stderr}"
    return tuple(d for d in yaml.safe_load_all(p.stdout) if d is not None)


def manifests(overlay: str = DEFAULT_OVERLAY) -> list[tuple[Path, int, dict]]:
    """Every document of the rendered overlay, then of every template (path, index in it, document)."""
    out = [(K8S_DIR / "overlays" / overlay, i, d) for i, d in enumerate(render(overlay))]
    for path in templates():
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc is not None:
                out.append((path, i, doc))
    return out
