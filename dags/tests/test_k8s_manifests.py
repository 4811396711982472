"""Every manifest under k8s/ validates offline, strictly, and follows the deployment rules of issue 6."""

from __future__ import annotations

import copy
import re

import pytest
from k8s_schemas import REPO_DIR, manifests, validate

MANIFESTS = manifests()
IDS = [f"{p.relative_to(REPO_DIR)}#{i}" for p, i, _ in MANIFESTS]


def by_kind(kind: str) -> list[dict]:
    return [d for _, _, d in MANIFESTS if d["kind"] == kind]


@pytest.mark.parametrize("doc", [d for _, _, d in MANIFESTS], ids=IDS)
def test_manifest_validates(doc):
    validate(doc)


def test_all_required_kinds_are_there():
    kinds = {d["kind"] for _, _, d in MANIFESTS}
    assert {
        "SparkApplication",
        "ScheduledSparkApplication",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Deployment",
        "Service",
        "ConfigMap",
        "PodDisruptionBudget",
    } <= kinds
    jobs = {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in by_kind("SparkApplication")}
    assert {"land", "compact", "features", "train", "score"} <= jobs


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["spec"].__setitem__("unknownField", 1),
        lambda d: d["spec"]["driver"].__setitem__("memoryy", "1g"),
        lambda d: d["spec"]["executor"]["securityContext"].__setitem__("runAsRoot", True),
        lambda d: d["spec"]["restartPolicy"].__setitem__("type", "Sometimes"),
    ],
    ids=["spec", "driver", "securityContext", "enum"],
)
def test_spark_application_schema_rejects_unknown_fields(mutate):
    doc = copy.deepcopy(by_kind("SparkApplication")[0])
    mutate(doc)
    with pytest.raises(AssertionError):
        validate(doc)


def test_scheduled_spark_application_rejects_unknown_fields():
    doc = copy.deepcopy(by_kind("ScheduledSparkApplication")[0])
    doc["spec"]["template"]["drivr"] = {}
    with pytest.raises(AssertionError):
        validate(doc)


@pytest.mark.parametrize("kind", ["Deployment", "Service", "PodDisruptionBudget", "Role"])
def test_kubernetes_schema_rejects_unknown_fields(kind):
    import kubernetes_validate

    doc = copy.deepcopy(by_kind(kind)[0])
    doc["spec" if "spec" in doc else "metadata"]["bogus"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(doc)


def spark_pods():
    for app in by_kind("SparkApplication") + [d["spec"]["template"] for d in by_kind("ScheduledSparkApplication")]:
        spec = app["spec"] if "spec" in app else app
        for role in ("driver", "executor"):
            yield spec, spec[role]


def test_spark_pods_are_locked_down_and_sized():
    for spec, pod in spark_pods():
        ctx = pod["securityContext"]
        assert ctx["runAsNonRoot"] and not ctx["allowPrivilegeEscalation"] and ctx["readOnlyRootFilesystem"]
        assert ctx["capabilities"]["drop"] == ["ALL"]
        assert pod["podSecurityContext"]["runAsNonRoot"]
        assert pod["cores"] >= 1 and pod["coreLimit"] and re.fullmatch(r"\d+[gm]", pod["memory"])
        # A read-only root needs writable scratch space: /tmp and Spark's local dir are emptyDirs.
        mounts = {m["mountPath"] for m in pod["volumeMounts"]}
        assert {"/tmp", "/etc/kaminari"} <= mounts
        assert any(v["name"].startswith("spark-local-dir-") and "emptyDir" in v for v in spec["volumes"])
    for app in by_kind("SparkApplication"):
        assert app["spec"]["driver"]["serviceAccount"] == "spark"
        assert app["spec"]["restartPolicy"] == {"type": "Never"}, "Airflow owns the retries"
        assert app["spec"]["arguments"][-2:] == ["--config", "/etc/kaminari/kaminari.yaml"]
        assert app["spec"]["mainApplicationFile"] == "local:///opt/kaminari/kaminari-spark.jar"


def test_scorer_deployment_probes_metrics_security_resources():
    (dep,) = by_kind("Deployment")
    pod = dep["spec"]["template"]
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    (c,) = pod["spec"]["containers"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["resources"]["requests"] and c["resources"]["limits"]
    ctx = c["securityContext"]
    assert ctx["runAsNonRoot"] and not ctx["allowPrivilegeEscalation"] and ctx["readOnlyRootFilesystem"]
    assert pod["spec"]["securityContext"]["runAsNonRoot"]
    (pdb,) = by_kind("PodDisruptionBudget")
    assert pdb["spec"]["selector"] == dep["spec"]["selector"]
    services = [s for s in by_kind("Service") if s["metadata"]["name"] == "kaminari-scorer"]
    assert services and services[0]["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    args = " ".join(c["args"])
    for flag in ("--bootstrap-servers", "--topic", "--output-topic", "--model", "--model-store", "--http-port"):
        assert flag + "=" in args


def test_driver_role_is_least_privilege():
    (role,) = by_kind("Role")
    for rule in role["rules"]:
        assert rule["apiGroups"] == [""]
        assert set(rule["resources"]) <= {"pods", "services", "configmaps", "persistentvolumeclaims"}
        assert "*" not in rule["verbs"] and not {"escalate", "bind", "impersonate"} & set(rule["verbs"])
    (binding,) = by_kind("RoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "spark", "namespace": "kaminari"}]


def test_no_credentials_are_baked_in():
    assert by_kind("Secret") == [], "Secrets are created by the operator of the cluster, not shipped"
    secretish = re.compile(r"(password|secret|token|jaas|access.?key)\s*[:=]\s*\S", re.I)
    for path, _, doc in MANIFESTS:
        for cm in [doc] if doc["kind"] == "ConfigMap" else []:
            for value in cm["data"].values():
                assert not secretish.search(value), f"{path}: credential-like value in a ConfigMap"
    for _spec, pod in spark_pods():
        for env in pod.get("env", []):
            if re.search(r"KEY|SECRET|JAAS|PASSWORD", env["name"]):
                assert "valueFrom" in env and "value" not in env, env
