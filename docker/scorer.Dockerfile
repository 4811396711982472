# The streaming scorer image: a JRE and the self-contained kaminari-scorer.jar (no Spark at run time).
# Build from the repository root after `mvn -B package`:
#   docker build -f docker/scorer.Dockerfile -t ghcr.io/kaminari/kaminari-scorer:0.1.0 .
FROM eclipse-temurin:17-jre

COPY --chown=root:root --chmod=0644 target/kaminari-scorer.jar /opt/kaminari/kaminari-scorer.jar
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/kaminari/kaminari-scorer.jar"]
