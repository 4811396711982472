"""Every manifest under k8s/ validates offline, strictly, and follows the deployment rules of issue 6: the Kustomize
overlays as `kubectl kustomize` renders them, and the templates applied one by one (k8s/spark/, the components)."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import pytest
import yaml
from k8s_schemas import K8S_DIR, OVERLAYS, REPO_DIR, kustomize, manifests, render, templates, validate

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
        "NetworkPolicy",
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


@pytest.mark.parametrize("kind", ["Deployment", "Service", "PodDisruptionBudget", "Role", "NetworkPolicy"])
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
        assert app["spec"]["mainApplicationFile"] == "local:///opt/kaminari/kaminari.jar"


def secret_mounts(spec: dict, pod: dict) -> dict[str, str]:
    """Secret name -> mount path of the Secret volumes a Spark pod (or a Deployment container) mounts."""
    secrets = {v["name"]: v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    return {secrets[m["name"]]: m["mountPath"] for m in pod["volumeMounts"] if m["name"] in secrets}


def test_spark_rpc_is_authenticated_and_encrypted_with_a_mounted_secret():
    for spec, pod in spark_pods():
        conf = spec["sparkConf"]
        assert conf["spark.authenticate"] == "true" and conf["spark.network.crypto.enabled"] == "true"
        secret_file = conf["spark.authenticate.secret.file"]
        mounts = secret_mounts(spec, pod)
        assert mounts["kaminari-spark-auth"] == str(Path(secret_file).parent), "driver and executor mount it"
        assert not any(e["name"] == "_SPARK_AUTH_SECRET" for e in pod.get("env", []))
        # The driver's account has no PersistentVolumeClaim rights, so Spark must not try to use them.
        assert conf["spark.kubernetes.driver.ownPersistentVolumeClaim"] == "false"
        assert conf["spark.kubernetes.driver.reusePersistentVolumeClaim"] == "false"
        assert re.search(conf["spark.sql.redaction.options.regex"], "kafka.sasl.jaas.config")


def test_secret_settings_come_from_the_secrets_volume():
    for spec, pod in spark_pods():
        env = {e["name"]: e for e in pod["env"]}
        assert secret_mounts(spec, pod)["kaminari-secrets"] == env["KAMINARI_SECRETS_DIR"]["value"]
        assert all(m.get("readOnly") for m in pod["volumeMounts"] if m["mountPath"].startswith("/etc/"))


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
    # One scorer per consumer group (two fence each other), replaced without overlap, and still evictable.
    assert dep["spec"]["replicas"] == 1
    assert dep["spec"]["strategy"] == {"type": "Recreate"}
    assert "minAvailable" not in pdb["spec"] and pdb["spec"]["maxUnavailable"] == 1
    services = [s for s in by_kind("Service") if s["metadata"]["name"] == "kaminari-scorer"]
    assert services and services[0]["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    # Endpoints come from the shared config file (set once), the scorer's own keys from its ConfigMap as KAMINARI_*
    # variables (KaminariConfigTest holds every KAMINARI_* name in k8s/ to a configuration key).
    assert "--config=/etc/kaminari/kaminari.yaml" in c["args"] and "--http-port=8080" in c["args"]
    (ref,) = [e["configMapRef"]["name"] for e in c["envFrom"]]
    (cm,) = [d for d in by_kind("ConfigMap") if d["metadata"]["name"] == ref]
    assert cm["data"] and all(k.startswith("KAMINARI_SCORER_") for k in cm["data"])


#: Every verb the Spark driver's Role may hold, per resource (k8s/base/rbac.yaml says which call of Spark needs which).
DRIVER_VERBS = {
    "pods": {"create", "get", "list", "watch", "delete", "deletecollection"},
    "configmaps": {"create", "deletecollection"},
    "services": {"deletecollection"},
}


def test_driver_role_is_least_privilege():
    (role,) = by_kind("Role")
    granted: dict[str, set] = {}
    for rule in role["rules"]:
        assert rule["apiGroups"] == [""] and "resourceNames" not in rule
        for resource in rule["resources"]:
            granted.setdefault(resource, set()).update(rule["verbs"])
    for resource, verbs in granted.items():
        assert resource in DRIVER_VERBS, f"the driver needs no rights on {resource}"
        assert verbs <= DRIVER_VERBS[resource], f"{resource}: {verbs - DRIVER_VERBS[resource]} beyond what Spark calls"
    assert granted["pods"] >= {"create", "watch", "delete"}, "a driver that cannot manage executors is useless"
    (binding,) = by_kind("RoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "spark", "namespace": "kaminari"}]
    assert not by_kind("ClusterRole") and not by_kind("ClusterRoleBinding")


def all_args() -> list[tuple[str, str]]:
    """(where, argument) of every container argument and SparkApplication argument in k8s/."""
    out = []
    for path, _, doc in MANIFESTS:
        spec = doc.get("spec", {})
        apps = [spec] if doc["kind"] == "SparkApplication" else []
        apps += [spec["template"]] if doc["kind"] == "ScheduledSparkApplication" else []
        for app in apps:
            out += [(str(path), a) for a in app.get("arguments", [])]
            out += [(str(path), str(v)) for k, v in app.get("sparkConf", {}).items() if "extraJavaOptions" in k]
        for c in spec.get("template", {}).get("spec", {}).get("containers", []):
            out += [(str(path), a) for a in c.get("args", []) + c.get("command", [])]
    return out


#: Environment variable names that suggest a credential (paths to one, *_DIR and *_FILE, are fine).
SECRETISH_ENV = re.compile(r"KEY|SECRET|JAAS|PASSWORD|TOKEN|CREDENTIAL")


def all_env() -> list[dict]:
    """Every env entry of every Spark pod and Deployment container in k8s/."""
    out = [e for _, pod in spark_pods() for e in pod.get("env", [])]
    for d in by_kind("Deployment"):
        out += [e for c in d["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])]
    return out


def test_no_credential_travels_on_a_command_line():
    """Arguments show in the pod spec, `ps` and the Spark UI: no JAAS config, password or key, and no $(ENV) expansion
    (the kubelet's way of turning a Secret into an argument). Token *files* are fine."""
    args = all_args()
    assert len(args) > 20
    secret_env = {e["name"] for e in all_env() if "secretKeyRef" in e.get("valueFrom", {})}
    for where, arg in args:
        assert not re.search(r"jaas|password|passwd|secret|credential|access.?key", arg, re.I), (where, arg)
        if re.search("token", arg, re.I):
            assert re.search(r"token-file=/", arg), (where, arg)
        for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
            assert var not in secret_env and not SECRETISH_ENV.search(var), (where, arg)


def test_no_credentials_are_baked_in():
    assert by_kind("Secret") == [], "Secrets are created by the operator of the cluster, not shipped"
    for _path, _, doc in MANIFESTS:
        pod_spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for c in pod_spec.get("containers", []):
            assert not [e for e in c.get("envFrom", []) if "secretRef" in e], "whole Secrets as env: use the volume"
    secretish = re.compile(r"(password|secret|token|jaas|access.?key)\s*[:=]\s*\S", re.I)
    for path, _, doc in MANIFESTS:
        for cm in [doc] if doc["kind"] == "ConfigMap" else []:
            for value in cm["data"].values():
                assert not secretish.search(value), f"{path}: credential-like value in a ConfigMap"
    for env in all_env():
        if SECRETISH_ENV.search(env["name"]) and not env["name"].endswith(("_DIR", "_FILE")):
            assert "valueFrom" in env and "value" not in env, env


def production_with(tmp_path, component: str) -> tuple[dict, ...]:
    """The production overlay with ``k8s/components/<component>``, as an operator adds it, rendered and validated."""
    # Kustomize takes only relative paths to other kustomizations.
    rel = lambda p: os.path.relpath(p, tmp_path)  # noqa: E731
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n  - {rel(K8S_DIR / 'overlays' / 'production')}\n"
        f"components:\n  - {rel(K8S_DIR / 'components' / component)}\n"
    )
    docs = kustomize(tmp_path)
    for d in docs:
        validate(d)
    return docs


def test_the_scale_out_component_runs_several_scorer_replicas_of_one_group(tmp_path):
    """The production overlay with k8s/components/scorer-scale-out, as an operator adds it: N replicas of one
    Kafka Streams application (docs/scorer.md, "Scaling out"), rolled without downtime, valid like every manifest."""
    docs = production_with(tmp_path, "scorer-scale-out")
    (dep,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "kaminari-scorer"]
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "kaminari-scorer-config"]
    assert dep["spec"]["replicas"] >= 2
    assert dep["spec"]["strategy"]["type"] == "RollingUpdate"
    assert cm["data"]["KAMINARI_SCORER_MODE"] == "scale-out"
    # One group for all replicas: they share the partitions instead of each scoring everything.
    assert cm["data"]["KAMINARI_SCORER_GROUP_ID"] == "kaminari-scorer"
    # Stage two tracks the incidents, into the same topic as the single scorer.
    assert cm["data"]["KAMINARI_SCORER_INCIDENTS_TOPIC"] == "kaminari.incidents"
    # Without the component the overlay keeps the single scorer.
    (base,) = [d for d in render("production") if d["kind"] == "Deployment"]
    assert base["spec"]["replicas"] == 1


def test_the_kerberos_component_gives_the_scorer_its_keytab_and_krb5_conf(tmp_path):
    """The production overlay with k8s/components/scorer-kerberos: the scorer logs in from a keytab Secret mounted
    read-only for its user alone, with the cluster's krb5.conf where the JVM looks for it, and the principal and keytab
    under Spark's own keys (the variables of spark.kerberos.principal and spark.kerberos.keytab)."""
    docs = production_with(tmp_path, "scorer-kerberos")
    (dep,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "kaminari-scorer"]
    (cm,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "kaminari-scorer-config"]
    spec = dep["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    assert volumes["keytab"]["secret"] == {"secretName": "kaminari-scorer-keytab", "defaultMode": 0o400}
    assert mounts["keytab"] == {"name": "keytab", "mountPath": "/etc/kaminari-keytab", "readOnly": True}
    assert volumes["krb5"]["configMap"]["name"] == "kaminari-krb5"
    assert mounts["krb5"]["mountPath"] == "/etc/krb5.conf" and mounts["krb5"]["subPath"] == "krb5.conf"
    assert cm["data"]["KAMINARI_SPARK_KERBEROS_KEYTAB"] == mounts["keytab"]["mountPath"] + "/kaminari.keytab"
    assert "@" in cm["data"]["KAMINARI_SPARK_KERBEROS_PRINCIPAL"]
    # The base's volumes and mounts stay: the component adds, never replaces.
    (base,) = [d for d in render("production") if d["kind"] == "Deployment"]
    base_spec = base["spec"]["template"]["spec"]
    assert {v["name"] for v in base_spec["volumes"]} | {"keytab", "krb5"} == set(volumes)
    assert "keytab" not in {v["name"] for v in base_spec["volumes"]}


def scorer_pod() -> tuple[dict, dict]:
    (dep,) = by_kind("Deployment")
    spec = dep["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    return spec, c


def test_scorer_writes_only_to_its_volumes():
    spec, c = scorer_pod()
    assert c["securityContext"]["readOnlyRootFilesystem"]
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    writable = {m["mountPath"] for m in c["volumeMounts"] if m["name"] in empty_dirs and not m.get("readOnly")}
    # The image's volumes (pom.xml: /var/kaminari holds KAMINARI_HOME, DJL's caches and JNA's; /tmp the JVM's).
    assert writable == {"/var/kaminari", "/tmp"}
    # The shared config file sets the jobs' `home`; the scorer's state (scorer.cache-dir) must stay on its volume.
    assert "--home=/var/kaminari" in c["args"]
    assert not [a for a in c["args"] if a.startswith(("--set=scorer.cache-dir", "--set=home"))]


def test_scorer_http_requires_a_token_from_a_secret_volume():
    spec, c = scorer_pod()
    (arg,) = [a for a in c["args"] if "scorer.http-auth-token-file=" in a]
    token_file = arg.split("=", 2)[-1]
    mounts = secret_mounts(spec, c)
    assert mounts["kaminari-scorer-http"] == str(Path(token_file).parent)
    token_volume = [v for v in spec["volumes"] if v.get("secret", {}).get("secretName") == "kaminari-scorer-http"]
    assert not token_volume[0]["secret"].get("optional"), "fail closed: no token, no scorer"
    # The probes stay unauthenticated (the kubelet sends no token): they must be the open endpoints.
    assert {c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]} <= {"/healthz", "/readyz"}
    assert (
        "env" in c
        and {e["name"]: e.get("value") for e in c["env"]}["KAMINARI_SECRETS_DIR"] == mounts["kaminari-secrets"]
    )


def test_scorer_network_policy_admits_only_monitoring_and_reaches_only_its_dependencies():
    (policy,) = by_kind("NetworkPolicy")
    (dep,) = by_kind("Deployment")
    _, c = scorer_pod()
    assert policy["spec"]["podSelector"] == dep["spec"]["selector"]
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}, "default deny both ways"
    http = next(p["containerPort"] for p in c["ports"] if p["name"] == "http")
    for rule in policy["spec"]["ingress"]:
        assert [p["port"] for p in rule["ports"]] == [http]
        for peer in rule["from"]:
            assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "monitoring"}
            assert peer["podSelector"]["matchLabels"], "not every pod of the monitoring namespace"
    egress_ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]}
    assert {53, 9092, 8020} <= egress_ports
    for rule in policy["spec"]["egress"]:
        assert rule.get("to") and rule.get("ports"), "no egress rule open to everything"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_to_valid_manifests(overlay):
    docs = render(overlay)
    for doc in docs:
        validate(doc)
    kinds = [d["kind"] for d in docs]
    assert {"Namespace", "Role", "Deployment", "NetworkPolicy"} <= set(kinds)
    assert all(d["metadata"].get("namespace", "kaminari") == "kaminari" for d in docs if d["kind"] != "Namespace")


#: What an endpoint looks like: a cluster DNS name, a URI of the metastore or a file system, a Kafka port.
ENDPOINT = re.compile(r"\.svc\b|thrift://|hdfs://|s3a://|:909[23]\b")


def test_endpoints_are_set_once_per_overlay():
    """The base, the components and the templates name no endpoint; each overlay's kaminari.yaml names them all,
    becomes the kaminari-config ConfigMap unchanged (no hash suffix: the templates mount it by name) and is what the
    scorer reads."""
    shared = sorted((K8S_DIR / "base").glob("*.yaml")) + sorted((K8S_DIR / "components").rglob("*.yaml"))
    for path in shared + templates():
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            assert not ENDPOINT.search(code), f"{path.relative_to(REPO_DIR)}:{n}: {line.strip()}"
    for overlay in OVERLAYS:
        config_file = K8S_DIR / "overlays" / overlay / "kaminari.yaml"
        config = yaml.safe_load(config_file.read_text())
        for key in ("metastore.uris", "warehouse.dir", "model.store", "kafka.bootstrap.servers"):
            assert ENDPOINT.search(str(config[key])), (overlay, key)
        docs = render(overlay)
        (cm,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "kaminari-config"]
        assert cm["data"] == {"kaminari.yaml": config_file.read_text()}
        (dep,) = [d for d in docs if d["kind"] == "Deployment"]
        spec = dep["spec"]["template"]["spec"]
        (c,) = spec["containers"]
        mounted = {v["name"]: v["configMap"]["name"] for v in spec["volumes"] if "configMap" in v}
        (mount,) = [m for m in c["volumeMounts"] if mounted.get(m["name"]) == "kaminari-config"]
        assert f"--config={mount['mountPath']}/kaminari.yaml" in c["args"]
    for path in templates():
        assert "name: kaminari-config" in path.read_text(), path


def kafka_client_pods() -> list[tuple[str, dict, dict]]:
    """(name, pod spec, container) of everything that builds Kafka clients: the scorer and the landing driver and
    executors (spark-operator pods carry their volumes in the application spec)."""
    _, scorer = scorer_pod()
    out = [("scorer", scorer_pod()[0], scorer)]
    for spec, pod in spark_pods():
        if spec.get("driver", {}).get("labels", {}).get("app.kubernetes.io/component") == "land":
            out.append(("land", spec, pod))
    return out


def test_kafka_clients_mount_the_truststore_the_production_config_names():
    config = yaml.safe_load((K8S_DIR / "overlays" / "production" / "kaminari.yaml").read_text())
    assert config["kafka.security.protocol"] in ("SSL", "SASL_SSL")
    truststore = Path(config["kafka.ssl.truststore.location"])
    pods = kafka_client_pods()
    assert len(pods) == 1 + 4, "the scorer, and driver + executor of land and of the scheduled landing"
    for name, spec, container in pods:
        assert secret_mounts(spec, container)["kaminari-truststore"] == str(truststore.parent), name
        (volume,) = [v for v in spec["volumes"] if v.get("secret", {}).get("secretName") == "kaminari-truststore"]
        assert volume["secret"]["optional"], f"{name}: a PLAINTEXT Kafka needs no truststore"
