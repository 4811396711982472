# The Spark jobs image: the official Spark 3.5.7 image plus the Spark-provided job jar (target/kaminari-spark.jar,
# built by `mvn package`: our classes, the Kafka source, kafka-clients 3.9.1, DJL with libtorch, picocli), and a
# `kaminari` wrapper for the commands that need no cluster (the model registry).
# Build from the repository root after `mvn -B package`:
#   docker build -f docker/jobs.Dockerfile -t ghcr.io/kaminari/kaminari-jobs:0.1.0 .
FROM apache/spark:3.5.7

USER root
COPY --chown=root:root --chmod=0644 target/kaminari-spark.jar /opt/kaminari/kaminari-spark.jar
COPY --chown=root:root --chmod=0755 docker/kaminari /opt/kaminari/bin/kaminari
# The image's spark user (uid 185); everything it writes goes to mounted volumes (the root filesystem is read-only).
USER 185
ENV DJL_OFFLINE=true
