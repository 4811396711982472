"""The images as the deployment sees them: the Jib configuration (pom.xml) agrees with the manifests and the DAGs, and
the Spark-provided job jar runs on a Spark distribution's classpath alone (spark-submit onto a foreign Spark). The
images themselves are run from their own layers by the Java integration tests ScorerImageIT and JobsImageIT."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pyspark
import yaml
from kaminari_env import REPO_DIR, SPARK_JAR, TARGET

JOBS_JAR = TARGET / "jobs" / "kaminari.jar"
#: The broker's classes (kafka_2.12 and its server-side modules); kafka-clients' org/apache/kafka/clients stay.
BROKER_CLASSES = ("kafka/", "org/apache/kafka/raft/", "org/apache/kafka/metadata/", "org/apache/kafka/server/common/")

SPARK_JARS = Path(pyspark.__file__).parent / "jars"
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
M = "{http://maven.apache.org/POM/4.0.0}"


def jib_images() -> dict[str, ET.Element]:
    """Execution id -> configuration of each jib-maven-plugin execution, with ${properties} of the POM resolved."""
    pom = ET.parse(REPO_DIR / "pom.xml").getroot()
    props = {e.tag.split("}")[1]: e.text or "" for e in pom.find("m:properties", POM_NS)}
    props["project.build.directory"] = "target"
    props["project.basedir"] = "."
    for e in pom.iter():
        if e.text:
            e.text = re.sub(r"\$\{([^}]+)}", lambda m: props.get(m.group(1), m.group(0)), e.text)
    (jib,) = [p for p in pom.iter(f"{M}plugin") if p.findtext("m:artifactId", namespaces=POM_NS) == "jib-maven-plugin"]
    return {x.findtext("m:id", namespaces=POM_NS): x.find("m:configuration", POM_NS) for x in jib.iter(f"{M}execution")}


def manifest_docs(*paths: str) -> list[dict]:
    return [d for p in paths for f in sorted(REPO_DIR.glob(p)) for d in yaml.safe_load_all(f.read_text()) if d]


def test_manifests_run_the_images_jib_builds():
    images = jib_images()
    assert set(images) == {"scorer-image", "jobs-image"}
    scorer = images["scorer-image"].findtext("m:to/m:image", namespaces=POM_NS)
    jobs = images["jobs-image"].findtext("m:to/m:image", namespaces=POM_NS)
    assert scorer.endswith("/kaminari-scorer:0.1.0") and jobs.endswith("/kaminari-jobs:0.1.0")
    deployments = [d for d in manifest_docs("k8s/base/scorer.yaml") if d["kind"] == "Deployment"]
    assert [c["image"] for d in deployments for c in d["spec"]["template"]["spec"]["containers"]] == [scorer]
    scheduled = manifest_docs("k8s/components/scheduled-land/scheduled-land.yaml")
    apps = manifest_docs("k8s/spark/*.yaml") + [d["spec"]["template"] for d in scheduled]
    assert apps and {a["spec"]["image"] if "spec" in a else a["image"] for a in apps} == {jobs}
    pod_py = (REPO_DIR / "dags" / "kaminari_ops" / "pod.py").read_text()
    assert f'DEFAULT_IMAGE = "{jobs}"' in pod_py


def test_jobs_image_holds_what_the_manifests_and_dags_call():
    config = jib_images()["jobs-image"]
    paths = [(p.findtext("m:from", namespaces=POM_NS), p.findtext("m:into", namespaces=POM_NS),
              p.findtext("m:includes", namespaces=POM_NS)) for p in config.iter(f"{M}path")]  # fmt: skip
    assert ("target/jobs", "/opt/kaminari", "kaminari.jar") in paths
    apps = manifest_docs("k8s/spark/*.yaml")
    assert {a["spec"]["mainApplicationFile"] for a in apps} == {"local:///opt/kaminari/kaminari.jar"}
    # The DAGs' registry pods call the image's `kaminari` wrapper; the entrypoint is Spark's, copied from docker/jobs.
    from kaminari_ops import K8S_CLI

    assert ("./docker/jobs", "/", None) in paths
    assert (REPO_DIR / "docker" / "jobs" / K8S_CLI.lstrip("/")).is_file()
    entrypoint = config.findtext("m:container/m:entrypoint", namespaces=POM_NS)
    assert (REPO_DIR / "docker" / "jobs" / entrypoint.lstrip("/")).is_file()
    assert config.findtext("m:container/m:user", namespaces=POM_NS) == "185:185"


def test_scorer_image_volumes_are_the_deployments_writable_mounts():
    config = jib_images()["scorer-image"]
    volumes = {v.text for v in config.iter(f"{M}volume")}
    (dep,) = [d for d in manifest_docs("k8s/base/scorer.yaml") if d["kind"] == "Deployment"]
    spec = dep["spec"]["template"]["spec"]
    empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
    (c,) = spec["containers"]
    assert volumes == {m["mountPath"] for m in c["volumeMounts"] if m["name"] in empty_dirs}
    env = {e.tag.split("}")[1]: e.text for e in config.find("m:container/m:environment", POM_NS)}
    for key in ("KAMINARI_HOME", "HOME", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR"):
        assert any(env[key].startswith(v) for v in volumes), key
    user = config.findtext("m:container/m:user", namespaces=POM_NS)
    assert user == f"{spec['securityContext']['runAsUser']}:{spec['securityContext']['runAsGroup']}"


def test_job_jar_holds_only_what_spark_lacks():
    with zipfile.ZipFile(SPARK_JAR) as jar:
        names = set(jar.namelist())
        manifest = jar.read("META-INF/MANIFEST.MF").decode()
        services = jar.read("META-INF/services/org.apache.spark.sql.sources.DataSourceRegister").decode()
    assert "Main-Class: io.kaminari.cli.Main" in manifest and "Multi-Release: true" in manifest
    assert "io/kaminari/cli/Main.class" in names
    assert "org/apache/spark/sql/kafka010/KafkaSourceProvider.class" in names
    assert "kafka" in services
    assert "org/apache/kafka/clients/consumer/KafkaConsumer.class" in names
    assert "ai/djl/pytorch/engine/PtEngineProvider.class" in names
    assert "picocli/CommandLine.class" in names
    assert "io/kaminari/shaded/gson/Gson.class" in names and "com/google/gson/Gson.class" not in names
    assert not any(n.startswith(("org/apache/spark/sql/SparkSession", "scala/", "org/apache/hadoop/")) for n in names)
    assert not any(re.fullmatch(r"META-INF/[^/]+\.(SF|DSA|RSA|EC)", n) for n in names), "signature files"
    assert_no_harness(names)


def test_jobs_image_jar_is_our_classes_without_the_harness():
    with zipfile.ZipFile(JOBS_JAR) as jar:
        names = set(jar.namelist())
        manifest = jar.read("META-INF/MANIFEST.MF").decode()
    assert "io/kaminari/cli/Main.class" in names and "io/kaminari/pipeline/Pipeline.class" in names
    assert not any(n.startswith(("org/", "scala/", "ai/", "picocli/")) for n in names), "only our classes"
    assert "Class-Path" not in manifest, "the image's class path is /opt/spark/jars"
    assert_no_harness(names)


def assert_no_harness(names: set[str]) -> None:
    """No harness (io.kaminari.tools, the service file naming its subcommands) and no broker class."""
    assert not any(n.startswith("io/kaminari/tools/") for n in names), "harness classes"
    assert "META-INF/services/io.kaminari.cli.Subcommand" not in names
    assert not any(n.endswith(".class") and n.startswith(BROKER_CLASSES) for n in names), "broker classes"


def test_job_jar_runs_on_a_spark_only_classpath():
    cp = f"{SPARK_JAR}:{SPARK_JARS}/*"
    p = subprocess.run(
        ["java", "-cp", cp, "io.kaminari.cli.Main", "config", "--dump", "--set", "topics=a,b"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert "topics" in p.stdout and "a,b" in p.stdout
