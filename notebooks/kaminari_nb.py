"""Helpers the Kaminari notebooks share: a Spark session on a Kaminari metastore, periods, and spec layouts.

The embedded default reads the Derby metastore and the warehouse under a Kaminari home (``kaminari demo --home DIR``
writes one); a cluster is reached with ``metastore_uris`` (thrift://...) instead. Derby embedded admits one JVM at a
time: close other Kaminari commands on the same home before opening a notebook on it.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pyspark.sql import SparkSession

EXPLANATION = re.compile(r"^(?P<feature>.*) \((?P<share>[0-9.]+)%\)$")
# Python turns collected timestamps into naive datetimes in the process time zone: make that UTC, like the tables.
os.environ["TZ"] = "UTC"
time.tzset()

FEATURE_SLOT = {
    "pps": ("pps", "pps"),
    "opposite_ports": ("dst_ports", "src_ports"),
    "bytes_per_s": ("bytes_per_s", "bytes_per_s"),
    "flows_per_s": ("flows_per_s", "flows_per_s"),
    "distinct_src_ips": ("src_ips", "src_ips"),
    "distinct_dst_ips": ("dst_ips", "dst_ips"),
}


def session(
    home: str | None = None,
    warehouse: str | None = None,
    metastore_uris: str | None = None,
    master: str = "local[2]",
    database: str | None = None,
) -> SparkSession:
    """A Hive-enabled session on the metastore of ``home`` (embedded Derby) or of ``metastore_uris``, in UTC.

    Its current database is Kaminari's: ``database``, else ``$KAMINARI_WAREHOUSE_DATABASE`` (the CLI's
    ``warehouse.database``), else ``kaminari``; the notebooks name tables and views unqualified, as ``sql/`` does.
    """
    home_dir = Path(home or os.environ.get("KAMINARI_HOME", "../var")).resolve()
    builder = (
        SparkSession.builder.appName("kaminari-notebook")
        .master(os.environ.get("SPARK_MASTER", master))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", warehouse or str(home_dir / "warehouse"))
        .enableHiveSupport()
    )
    if metastore_uris:
        builder = builder.config("spark.hadoop.hive.metastore.uris", metastore_uris)
    else:
        if not (home_dir / "metastore_db").is_dir():
            raise FileNotFoundError(f"no metastore under {home_dir}: run `kaminari demo --home {home_dir}` first")
        builder = builder.config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={home_dir / 'metastore_db'};create=false",
        ).config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC -Dderby.stream.error.file={home_dir / 'derby-notebook.log'}")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.catalog.setCurrentDatabase(database or os.environ.get("KAMINARI_WAREHOUSE_DATABASE", "kaminari"))
    return spark


def parse_hour(text: str) -> datetime:
    """``2024-05-02T00`` or ``2024-05-02T00:00`` (UTC) as an aware datetime."""
    fmt = "%Y-%m-%dT%H:%M" if ":" in text else "%Y-%m-%dT%H"
    return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)


def period(spark: SparkSession, start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """``[start, end)`` as given, or the latest UTC day with flows when either is None."""
    if start and end:
        return parse_hour(start), parse_hour(end)
    row = spark.sql("SELECT max(dt) AS dt FROM flows").first()
    if row is None or row.dt is None:
        raise ValueError(f"{spark.catalog.currentDatabase()}.flows is empty: give FROM and TO, or load data first")
    day = datetime.strptime(row.dt, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    return day, day + timedelta(days=1)


def hour_range(start: datetime, end: datetime, alias: str = "") -> str:
    """A predicate on the dt/hour partition columns selecting the hours of ``[start, end)`` (UTC), so only they are read."""
    p = f"{alias}." if alias else ""
    last = end - timedelta(microseconds=1)
    first_dt, last_dt = start.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")
    return (
        f"(({p}dt > '{first_dt}') OR ({p}dt = '{first_dt}' AND {p}hour >= {start.hour})) AND "
        f"(({p}dt < '{last_dt}') OR ({p}dt = '{last_dt}' AND {p}hour <= {last.hour}))"
    )


def ts(t: datetime) -> str:
    """A Spark SQL timestamp literal of a UTC datetime (aware, or naive as collected here)."""
    return f"TIMESTAMP '{t.strftime('%Y-%m-%d %H:%M:%S')}'"


def feature_names(spec_json: str) -> list[str]:
    """The value names of a feature spec's vector, as FeatureSpec.featureNames() gives them."""
    spec = json.loads(spec_json)
    features = spec.get("features", ["pps", "opposite_ports"])
    names: list[str] = []
    for prefix, ports, side in (("src_port", spec["src_ports"], 0), ("dst_port", spec["dst_ports"], 1)):
        slots = [str(p) for p in ports] + (["other"] if spec.get("other_buckets", True) else [])
        for slot in slots:
            names.extend(f"{prefix} {slot} {FEATURE_SLOT[f][side]}" for f in features)
    return names


def parse_explanation(items: list[str]) -> list[tuple[str, float]]:
    """``["dst_port 80 pps (87%)", ...]`` as ``[("dst_port 80 pps", 87.0), ...]``."""
    out = []
    for item in items or []:
        m = EXPLANATION.match(item)
        if m:
            out.append((m.group("feature"), float(m.group("share"))))
    return out
