"""What can be tested of the images without a Docker engine: the jars they copy exist after `mvn package`, and the
job jar runs on a Spark distribution's classpath alone (as spark-submit and the image's `kaminari` wrapper run it)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pyspark
from kaminari_env import REPO_DIR, SPARK_JAR

SPARK_JARS = Path(pyspark.__file__).parent / "jars"


def copied_files(dockerfile: str) -> list[str]:
    text = (REPO_DIR / "docker" / dockerfile).read_text()
    return [m.split()[-2] for m in re.findall(r"^COPY .+$", text, re.M)]


def test_jobs_image_is_official_spark_3_5_7_and_copies_built_files():
    text = (REPO_DIR / "docker" / "jobs.Dockerfile").read_text()
    assert re.search(r"^FROM apache/spark:3\.5\.7$", text, re.M)
    assert re.search(r"^USER 185$", text, re.M), "the jobs run as Spark's non-root user"
    for src in copied_files("jobs.Dockerfile"):
        assert (REPO_DIR / src).is_file(), f"{src} does not exist (mvn -B package first)"


def test_scorer_image_copies_the_scorer_jar():
    text = (REPO_DIR / "docker" / "scorer.Dockerfile").read_text()
    assert re.search(r"^FROM eclipse-temurin:17-jre$", text, re.M)
    assert re.search(r"^USER \d+", text, re.M)
    for src in copied_files("scorer.Dockerfile"):
        assert (REPO_DIR / src).is_file(), f"{src} does not exist (mvn -B package of the merged tree first)"


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


def test_job_jar_runs_on_a_spark_only_classpath():
    cp = f"{SPARK_JAR}:{SPARK_JARS}/*"
    p = subprocess.run(
        ["java", "-cp", cp, "io.kaminari.cli.Main", "config", "--dump", "--set", "topics=a,b"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert "topics" in p.stdout and "a,b" in p.stdout
