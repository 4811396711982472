"""docker-compose.yml is a valid Compose file that runs what this repository builds with the settings it documents.

No Docker engine runs here, so the file is never brought up by the tests (docs/compose.md). It is checked by the
Compose CLI where one is installed (`docker compose config`, else `docker-compose config`: both parse, interpolate
and validate without an engine), and always against the Compose specification's JSON schema (schemas/SOURCE.txt).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import jsonschema
import pytest
import yaml
from kaminari_env import REPO_DIR, THIN_JAR
from test_images import POM_NS, jib_images

COMPOSE_FILE = REPO_DIR / "docker-compose.yml"
SCHEMA = REPO_DIR / "dags" / "tests" / "schemas" / "compose-spec.json"
CONFIG = REPO_DIR / "compose" / "kaminari.yaml"
#: The services issue 20 asks for, by role.
REQUIRED = {"kafka", "hive-metastore", "minio", "airflow", "nfacctd", "kaminari-scorer"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def validator() -> jsonschema.protocols.Validator:
    """The schema's own draft (2019-09; its `$schema` URL has a trailing `#` that jsonschema does not look up)."""
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"].startswith("http://json-schema.org/draft/2019-09/")
    return jsonschema.Draft201909Validator(schema)


def compose_cli() -> list[str] | None:
    """`docker compose` (v2 plugin) or `docker-compose` (v1), whichever answers; None if neither is installed."""
    if shutil.which("docker"):
        p = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
        if p.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_the_compose_file_follows_the_compose_specification():
    validator().validate(compose())


def test_the_schema_rejects_a_misspelt_field():
    """The check can fail: the schema closes its objects, so a typo in a service is an error."""
    doc = compose()
    doc["services"]["kafka"]["enviroment"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(doc)


def test_the_compose_cli_accepts_it_where_installed():
    cli = compose_cli()
    if cli is None:
        pytest.skip("no docker compose / docker-compose here; the schema test above still validates the file")
    for profile in ([], ["--profile", "s3"]):
        p = subprocess.run(
            [*cli, "-f", str(COMPOSE_FILE), *profile, "config", "-q"],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO_DIR,
        )
        assert p.returncode == 0, p.stderr


def test_services_images_and_dependencies():
    doc = compose()
    services = doc["services"]
    assert REQUIRED <= set(services)
    images = jib_images()
    scorer = images["scorer-image"].findtext("m:to/m:image", namespaces=POM_NS)
    jobs = images["jobs-image"].findtext("m:to/m:image", namespaces=POM_NS)
    assert services["kaminari-scorer"]["image"] == scorer, "the image `docker load -i target/jib-scorer.tar` brings"
    assert services["kaminari-init"]["image"] == jobs
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["nfacctd"]["image"].startswith("pmacct/nfacctd:")
    assert services["minio"]["profiles"] == ["s3"]
    for name, service in services.items():
        assert ":" in service.get("image", "x:built") and not service.get("image", "").endswith(":latest"), name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith("."):
                assert source in doc["volumes"], f"{name}: undeclared volume {source}"
            else:
                assert (REPO_DIR / source).exists(), f"{name}: {source} is not in the repository"


def test_every_kaminari_container_reads_the_one_config_file():
    services = compose()["services"]
    mounted = "./compose/kaminari.yaml:/etc/kaminari/kaminari.yaml:ro"
    for name in ("kaminari-scorer", "kaminari-init", "airflow"):
        assert mounted in services[name]["volumes"], name
    assert "--config=/etc/kaminari/kaminari.yaml" in services["kaminari-scorer"]["command"]
    assert "--config=/etc/kaminari/kaminari.yaml" in services["kaminari-init"]["command"]
    assert services["airflow"]["environment"]["KAMINARI_CONFIG"] == "/etc/kaminari/kaminari.yaml"
    config = yaml.safe_load(CONFIG.read_text())
    kafka_port = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split("PLAINTEXT://kafka:")[1]
    assert config["kafka.bootstrap.servers"] == f"kafka:{kafka_port.split(',')[0]}"
    assert config["metastore.uris"] == "thrift://hive-metastore:9083"
    nfacctd = (REPO_DIR / "compose" / "nfacctd.conf").read_text()
    assert re.search(rf"^kafka_topic\[k\]: {re.escape(config['topics'])}$", nfacctd, re.M)
    assert re.search(r"^kafka_broker_host\[k\]: kafka$", nfacctd, re.M)
    assert re.search(r"^timestamps_utc: true$", nfacctd, re.M), "Kaminari's collector.timezone defaults to UTC"
    topics = services["kafka-topics"]["command"][0]
    for topic in (config["topics"], "kaminari.scores", "kaminari.scores.dead-letters"):
        assert topic in topics


def test_the_config_file_is_valid_for_kaminari():
    """`kaminari config --config compose/kaminari.yaml` (the packaged jar) accepts every key and value."""
    assert THIN_JAR.is_file(), "run after `mvn package`"
    p = subprocess.run(
        ["java", "-jar", str(THIN_JAR), "config", "--dump", "--config", str(CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert f"metastore.uris: thrift://hive-metastore:9083    # file {CONFIG}" in p.stdout
