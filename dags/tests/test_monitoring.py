"""k8s/monitoring (issue 17): the kustomization renders, its ConfigMaps validate, its ServiceMonitor scrapes the scorer
the base deploys (same Service labels, port, path and token Secret), and the dashboard is a Grafana dashboard whose
every query names only the scorer's metrics. That each of those metrics exists on a running scorer's /metrics, and
that the rules pass `promtool check rules` and their unit tests, is MonitoringIT's part (it needs the scorer)."""

from __future__ import annotations

import json
import re

from k8s_schemas import K8S_DIR, kustomize, render, validate

MONITORING = K8S_DIR / "monitoring"
DOCS = kustomize(MONITORING)
BASE = render("production")


def one(docs, kind: str, name: str) -> dict:
    (doc,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def test_renders_a_service_monitor_and_the_rules_and_dashboard_config_maps():
    assert sorted((d["kind"], d["metadata"]["name"]) for d in DOCS) == [
        ("ConfigMap", "kaminari-scorer-dashboard"),
        ("ConfigMap", "kaminari-scorer-rules"),
        ("ServiceMonitor", "kaminari-scorer"),
    ]
    for doc in DOCS:
        assert doc["metadata"]["namespace"] == "kaminari"
        if doc["kind"] == "ConfigMap":
            validate(doc)
    dashboard = one(DOCS, "ConfigMap", "kaminari-scorer-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard_file = MONITORING / "kaminari-scorer-dashboard.json"
    assert dashboard["data"]["kaminari-scorer-dashboard.json"] == dashboard_file.read_text()
    rules = one(DOCS, "ConfigMap", "kaminari-scorer-rules")
    assert rules["data"]["kaminari-scorer.rules.yml"] == (MONITORING / "kaminari-scorer.rules.yml").read_text()


def test_service_monitor_scrapes_the_scorer_service_with_its_token():
    monitor = one(DOCS, "ServiceMonitor", "kaminari-scorer")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    service = one(BASE, "Service", "kaminari-scorer")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items(), "the selector must match the Service's labels"
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [service["metadata"]["namespace"]]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == service["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    deployment = one(BASE, "Deployment", "kaminari-scorer")
    pod = deployment["spec"]["template"]["spec"]
    (token_volume,) = [v for v in pod["volumes"] if v["name"] == "http-token"]
    assert endpoint["bearerTokenSecret"]["name"] == token_volume["secret"]["secretName"]
    args = " ".join(pod["containers"][0]["args"])
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "http-token"]
    assert f"scorer.http-auth-token-file={mount['mountPath']}/{endpoint['bearerTokenSecret']['key']}" in args


def test_dashboard_is_a_grafana_dashboard_over_the_scorer_metrics_only():
    dash = json.loads((MONITORING / "kaminari-scorer-dashboard.json").read_text())
    assert dash["uid"] == "kaminari-scorer" and dash["schemaVersion"] >= 36
    panels = dash["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    assert exprs and all(t["refId"] for p in panels for t in p["targets"])
    for expr in exprs:
        names = set(re.findall(r"\b[a-z_][a-z0-9_]*(?=\{)", expr))
        assert names and all(n.startswith("kaminari_scorer_") for n in names), expr
        assert 'job="kaminari-scorer"' in expr, expr
    titles = " ".join(p["title"] for p in panels).lower()
    for shown in ("score", "threshold", "lag", "throughput", "incidents"):
        assert shown in titles, shown
