package io.kaminari.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KaminariConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsDeriveFromHome() {
    KaminariConfig c = KaminariConfig.load(null, Map.of(), Map.of());
    assertThat(c.get(Settings.HOME)).isEqualTo("./var");
    assertThat(c.get(Settings.WAREHOUSE)).isEqualTo("./var/warehouse");
    assertThat(c.get(Settings.COLLECTOR_ZONE)).isEqualTo(ZoneId.of("UTC"));
    assertThat(c.embeddedMetastore()).isTrue();
  }

  @Test
  void flagsBeatFileBeatsEnvBeatsDefaults() throws Exception {
    Path file = dir.resolve("k.yaml");
    Files.writeString(file, "home: /from/file\nkafka:\n  bootstrap.servers: file:9092\ntopics: [a, b]\n"
        + "collector.timezone: Europe/Paris\n");
    KaminariConfig c = KaminariConfig.load(file, Map.of("kafka.bootstrap.servers", "flag:9092"),
        Map.of(KaminariConfig.HOME_ENV, "/from/env"));
    assertThat(c.get(Settings.HOME)).isEqualTo("/from/file");
    assertThat(c.get(Settings.WAREHOUSE)).isEqualTo("/from/file/warehouse");
    assertThat(c.get(Settings.BOOTSTRAP_SERVERS)).isEqualTo("flag:9092");
    assertThat(c.get(Settings.TOPICS)).containsExactly("a", "b");
    assertThat(c.get(Settings.COLLECTOR_ZONE)).isEqualTo(ZoneId.of("Europe/Paris"));
    assertThat(KaminariConfig.load(null, Map.of(), Map.of(KaminariConfig.HOME_ENV, "/from/env"))
        .get(Settings.HOME)).isEqualTo("/from/env");
  }

  @Test
  void passThroughKeysAreKeptAndSecretsMasked() {
    KaminariConfig c = KaminariConfig.load(null, Map.of("kafka.security.protocol", "SASL_SSL",
        "kafka.sasl.jaas.config", "secret-stuff", "spark.executor.memory", "4g"), Map.of());
    assertThat(c.passThrough(Settings.KAFKA_PREFIX))
        .containsEntry("kafka.security.protocol", "SASL_SSL")
        .doesNotContainKey(Settings.BOOTSTRAP_SERVERS.name());
    assertThat(c.passThrough(Settings.SPARK_PREFIX)).containsOnlyKeys("spark.executor.memory")
        .doesNotContainKey(Settings.SPARK_MASTER.name());
    assertThat(c.dump()).contains("kafka.sasl.jaas.config: ****").doesNotContain("secret-stuff")
        .contains("spark.master: local[*]    # default");
  }

  /** Real-world credential settings of Kafka, s3a, Azure (ABFS) and Spark: none may be printed by {@code dump}. */
  @Test
  void dumpRedactsEveryCredentialLikeSetting() {
    Map<String, String> secrets = new java.util.LinkedHashMap<>();
    secrets.put("kafka.ssl.keystore.key", "-----BEGIN PRIVATE KEY-----abc");
    secrets.put("kafka.ssl.key.password", "kpass-1");
    secrets.put("kafka.ssl.truststore.password", "tpass-2");
    secrets.put("kafka.sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"p-3\";");
    secrets.put("spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net", "azure-key-4");
    secrets.put("spark.hadoop.fs.s3a.secret.key", "s3-secret-5");
    secrets.put("spark.hadoop.fs.s3a.access.key", "AKIA-6");
    secrets.put("spark.hadoop.fs.s3a.session.token", "session-7");
    secrets.put("spark.authenticate.secret", "spark-secret-8");
    secrets.put("spark.hadoop.fs.gs.auth.service.account.json.keyfile", "/keys/gcs-9.json");
    secrets.put("spark.hadoop.google.cloud.auth.credentials", "gcs-credential-10");
    String dump = KaminariConfig.load(null, secrets, Map.of()).dump();
    secrets.forEach((k, v) -> assertThat(dump).as(k).contains(k + ": ****").doesNotContain(v));
    assertThat(KaminariConfig.load(null, Map.of("kafka.security.protocol", "SASL_SSL"), Map.of()).dump())
        .contains("kafka.security.protocol: SASL_SSL");
  }

  /** A Kubernetes Secret volume: one file per key, plus the {@code ..data} links Kubernetes keeps beside them. */
  @Test
  void secretsDirectorySetsKeysAboveTheFileAndBelowFlags() throws Exception {
    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Path data = Files.createDirectories(secrets.resolve("..2024_05_01_00_00_00.123"));
    Files.writeString(data.resolve("kafka.sasl.jaas.config"), "PlainLoginModule required password=\"s\";\n");
    Files.writeString(data.resolve("kafka.security.protocol"), "SASL_SSL");
    Files.createSymbolicLink(secrets.resolve("..data"), data.getFileName());
    Files.createSymbolicLink(secrets.resolve("kafka.sasl.jaas.config"), Path.of("..data/kafka.sasl.jaas.config"));
    Files.createSymbolicLink(secrets.resolve("kafka.security.protocol"), Path.of("..data/kafka.security.protocol"));
    Path file = dir.resolve("k.yaml");
    Files.writeString(file, "kafka.security.protocol: PLAINTEXT\n");
    Map<String, String> env = Map.of(KaminariConfig.SECRETS_DIR_ENV, secrets.toString());

    KaminariConfig c = KaminariConfig.load(file, Map.of(), env);
    assertThat(c.passThrough(Settings.KAFKA_PREFIX))
        .containsEntry("kafka.sasl.jaas.config", "PlainLoginModule required password=\"s\";")
        .containsEntry("kafka.security.protocol", "SASL_SSL");
    assertThat(c.dump()).contains("kafka.sasl.jaas.config: ****    # secret file " + secrets)
        .doesNotContain("password=");
    assertThat(KaminariConfig.load(file, Map.of("kafka.security.protocol", "SSL"), env)
        .passThrough(Settings.KAFKA_PREFIX)).containsEntry("kafka.security.protocol", "SSL");

    Files.writeString(secrets.resolve("kafka-sasl-jaas-config"), "x");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(), env)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown configuration key 'kafka-sasl-jaas-config' (from secret file");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(),
        Map.of(KaminariConfig.SECRETS_DIR_ENV, dir.resolve("absent").toString())))
        .hasMessageContaining("is not a directory");
  }

  @Test
  void everyKeyIsDumpedWithItsDoc() {
    String dump = KaminariConfig.defaults().dump();
    for (ConfigKey<?> k : Settings.all()) {
      assertThat(dump).contains(k.name() + ": ").contains(k.doc());
    }
  }

  @Test
  void badInputFailsWithAClearMessage() throws Exception {
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of("compact.rows-per-fil", "1"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown configuration key 'compact.rows-per-fil'");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of("compact.rows-per-file", "-3"), Map.of()))
        .hasMessageContaining("invalid value '-3' for compact.rows-per-file: must be > 0");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of("collector.timezone", "Mars/Olympus"), Map.of()))
        .hasMessageContaining("collector.timezone");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "- just\n- a list\n");
    assertThatThrownBy(() -> KaminariConfig.load(bad, Map.of(), Map.of()))
        .hasMessageContaining("must hold a mapping");
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "home: [unclosed\n");
    assertThatThrownBy(() -> KaminariConfig.load(broken, Map.of(), Map.of()))
        .hasMessageContaining("cannot read config file");
  }
}
