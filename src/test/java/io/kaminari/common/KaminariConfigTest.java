package io.kaminari.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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
  void aParsedDefaultIsWhatAConfigurationWithoutTheKeyHolds() {
    KaminariConfig defaults = KaminariConfig.load(null, Map.of(), Map.of());
    int checked = 0;
    for (ConfigKey<?> k : Settings.all()) {
      if (k.defaultValue().contains("${")) {
        assertThatThrownBy(k::parsedDefault).hasMessageContaining("refers to other keys");
      } else {
        assertThat((Object) k.parsedDefault()).as(k.name()).isEqualTo(defaults.get(k));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(Settings.all().size() / 2);
    assertThat(Settings.SCORER_ALLOWED_LATENESS.parsedDefault()).isEqualTo(java.time.Duration.ofSeconds(90));
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

  /** The order of the sources, each layer seen once from above and once from below. */
  @Test
  void environmentSitsBelowTheFileAndAboveTheDefaults() throws Exception {
    Map<String, String> env = Map.of("KAMINARI_SCORER_HTTP_PORT", "9000", "KAMINARI_TOPICS", "env-topic",
        "KAMINARI_SCORER_MODEL_POLL_INTERVAL", "5s", "KAMINARI_KAFKA_SECURITY_PROTOCOL", "SSL",
        "KAMINARI_HOME", "/from/env");
    Path file = dir.resolve("k.yaml");
    Files.writeString(file, "topics: file-topic\n");
    KaminariConfig c = KaminariConfig.load(file, Map.of("scorer.model-poll-interval", "7s"), env);
    assertThat(c.get(Settings.SCORER_HTTP_PORT)).isEqualTo(9000); // env over default
    assertThat(c.get(Settings.TOPICS)).containsExactly("file-topic"); // file over env
    assertThat(c.get(Settings.SCORER_MODEL_POLL)).isEqualTo(Duration.ofSeconds(7)); // flag over env
    assertThat(c.get(Settings.WAREHOUSE)).isEqualTo("/from/env/warehouse"); // defaults follow an env value
    assertThat(c.passThrough(Settings.KAFKA_PREFIX)).containsEntry("kafka.security.protocol", "SSL");
    assertThat(c.dump())
        .contains("scorer.http-port: 9000    # env KAMINARI_SCORER_HTTP_PORT - ")
        .contains("topics: file-topic    # file " + file)
        .contains("kafka.security.protocol: SSL    # env KAMINARI_KAFKA_SECURITY_PROTOCOL - pass-through"
            + " [env KAMINARI_KAFKA_SECURITY_PROTOCOL]");

    Path secrets = Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(secrets.resolve("kafka.security.protocol"), "SASL_SSL");
    Map<String, String> both = new HashMap<>(env);
    both.put(KaminariConfig.SECRETS_DIR_ENV, secrets.toString());
    assertThat(KaminariConfig.load(null, Map.of(), both).passThrough(Settings.KAFKA_PREFIX))
        .containsEntry("kafka.security.protocol", "SASL_SSL"); // secret file over env

    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(), Map.of("KAMINARI_SCORER_HTTP_PORT", "-1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("invalid value '-1' for scorer.http-port");
    assertThat(KaminariConfig.load(null, Map.of(), Map.of("KAMINARI_TOPICS", "")).get(Settings.TOPICS))
        .as("an empty variable is unset").containsExactly("pmacct.flows");
  }

  @Test
  void everyDeclaredKeyHasOneVariableThatReadsBack() {
    Map<String, String> seen = new HashMap<>();
    for (ConfigKey<?> k : Settings.all()) {
      String name = ConfigEnv.name(k.name());
      assertThat(name).as(k.name()).matches("KAMINARI_[A-Z0-9_]+");
      assertThat(seen.put(name, k.name())).as(name + " is the variable of two keys").isNull();
      assertThat(ConfigEnv.NOT_SETTINGS).as(name + " is reserved").doesNotContainKey(name);
      assertThat(ConfigEnv.key(name)).isEqualTo(k.name());
      assertThat(KaminariConfig.defaults().dump()).contains("[env " + name + "]");
    }
    assertThat(ConfigEnv.name("scorer.http-port")).isEqualTo("KAMINARI_SCORER_HTTP_PORT");
    assertThat(ConfigEnv.name("home")).isEqualTo(KaminariConfig.HOME_ENV);
    // Declared keys under the pass-through prefixes: both rules must give the same name, or one of them would
    // shadow a pass-through key.
    Settings.all().stream().map(ConfigKey::name)
        .filter(n -> n.startsWith(Settings.KAFKA_PREFIX) || n.startsWith(Settings.SPARK_PREFIX))
        .forEach(n -> assertThat(n).as(n).doesNotContain("-").doesNotContain("_"));
  }

  /**
   * Pass-through keys that differ only in their separators get different variables, and every variable reads back to
   * its key: a random sample of keys over a small alphabet, so that near-collisions are frequent.
   */
  @Test
  void passThroughVariablesNeverCollide() {
    assertThat(ConfigEnv.name("kafka.sasl.jaas.config")).isEqualTo("KAMINARI_KAFKA_SASL_JAAS_CONFIG");
    assertThat(ConfigEnv.key("KAMINARI_KAFKA_SASL_JAAS_CONFIG")).isEqualTo("kafka.sasl.jaas.config");
    assertThat(Stream.of("kafka.a.b", "kafka.a-b", "kafka.a_b").map(ConfigEnv::name))
        .containsExactly("KAMINARI_KAFKA_A_B", "KAMINARI_KAFKA_A__B", "KAMINARI_KAFKA_A___B");
    assertThat(ConfigEnv.name("spark.executor.extraJavaOptions")).as("camelCase").isNull();
    assertThat(ConfigEnv.name("kafka.a..b")).as("adjacent separators").isNull();
    assertThat(KaminariConfig.load(null, Map.of("spark.executor.extraJavaOptions", "-Dx=1"), Map.of()).dump())
        .contains("spark.executor.extraJavaOptions: -Dx=1    # flag - pass-through [no env variable]");

    Random random = new Random(20);
    String alphabet = "ab1.-_";
    Map<String, String> keyOf = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder(random.nextBoolean() ? "kafka." : "spark.hadoop.");
      int len = 1 + random.nextInt(6);
      for (int j = 0; j < len; j++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      String key = sb.toString();
      String name = ConfigEnv.name(key);
      if (name == null) {
        assertThat(key).as("only keys with doubled or trailing separators lack a name").matches(".*([._-]{2}.*|[._-])");
        continue;
      }
      String other = keyOf.put(name, key);
      assertThat(other == null || other.equals(key)).as(key + " and " + other + " share " + name).isTrue();
      assertThat(ConfigEnv.key(name)).as(name).isEqualTo(key);
    }
    assertThat(keyOf).hasSizeGreaterThan(1000);
  }

  @Test
  void unknownVariablesFailClearly() {
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(), Map.of("KAMINARI_SCORER_MODLE", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("environment variable KAMINARI_SCORER_MODLE names no configuration key")
        .hasMessageContaining("config --dump");
    assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(),
        Map.of("KAMINARI_BOOTSTRAP_SERVERS", "x", "KAMINARI_TOPIC", "y")))
        .hasMessageContaining("environment variables KAMINARI_BOOTSTRAP_SERVERS, KAMINARI_TOPIC name no configuration");
    for (String bad : List.of("KAMINARI_", "KAMINARI_kafka_acks", "KAMINARI_KAFKA____ACKS", "KAMINARI_KAFKA_ACKS_",
        "KAMINARI_SPARK_MASTER_")) {
      assertThatThrownBy(() -> KaminariConfig.load(null, Map.of(), Map.of(bad, "x"))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining(bad + " names no configuration key");
    }
    Map<String, String> reserved = new HashMap<>();
    ConfigEnv.NOT_SETTINGS.keySet().forEach(n -> reserved.put(n, "x"));
    reserved.remove(KaminariConfig.SECRETS_DIR_ENV); // read, and must be a directory
    reserved.put("KAMINARIX", "not ours");
    reserved.put("PATH", "/bin");
    assertThat(KaminariConfig.load(null, Map.of(), reserved).dump()).doesNotContain("# env");
  }

  @Test
  void awsVariablesSetS3aAndAreRedacted() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ACCESS_KEY_ID", "AKIA-EXAMPLE");
    env.put("AWS_SECRET_ACCESS_KEY", "secret-example");
    env.put("AWS_SESSION_TOKEN", "token-example");
    env.put("AWS_REGION", "eu-west-3");
    env.put("AWS_ENDPOINT_URL", "http://minio:9000");
    KaminariConfig c = KaminariConfig.load(null, Map.of(), env);
    assertThat(c.passThrough("spark.hadoop.fs.s3a.")).containsExactlyInAnyOrderEntriesOf(Map.of(
        "spark.hadoop.fs.s3a.access.key", "AKIA-EXAMPLE", "spark.hadoop.fs.s3a.secret.key", "secret-example",
        "spark.hadoop.fs.s3a.session.token", "token-example", "spark.hadoop.fs.s3a.endpoint.region", "eu-west-3",
        "spark.hadoop.fs.s3a.endpoint", "http://minio:9000"));
    String dump = c.dump();
    assertThat(dump).contains("spark.hadoop.fs.s3a.access.key: ****    # env AWS_ACCESS_KEY_ID")
        .contains("spark.hadoop.fs.s3a.secret.key: ****    # env AWS_SECRET_ACCESS_KEY")
        .contains("spark.hadoop.fs.s3a.session.token: ****    # env AWS_SESSION_TOKEN")
        .contains("spark.hadoop.fs.s3a.endpoint.region: eu-west-3    # env AWS_REGION")
        .doesNotContain("AKIA-EXAMPLE", "secret-example", "token-example");

    env.put("KAMINARI_SPARK_HADOOP_FS_S3A_ACCESS_KEY", "AKIA-KAMINARI");
    assertThat(KaminariConfig.load(null, Map.of(), env).passThrough("spark.hadoop.fs.s3a."))
        .as("KAMINARI_* over AWS_*").containsEntry("spark.hadoop.fs.s3a.access.key", "AKIA-KAMINARI");
  }

  /**
   * The manifests, DAGs and scripts of this repository set or read only variables that are settings or reserved: a
   * stray name there would make every command of that deployment fail at start.
   */
  @Test
  void theRepositoryUsesOnlyKnownVariables() throws Exception {
    Pattern variable = Pattern.compile("\\bKAMINARI_[A-Z0-9_]*[A-Z0-9]\\b");
    Set<String> found = new TreeSet<>();
    for (String root : List.of("dags", "k8s", "notebooks", "docker", "src/bench", ".ci", "compose",
        "docker-compose.yml")) {
      Path r = Path.of(root);
      if (!Files.exists(r)) continue;
      try (Stream<Path> files = Files.walk(r)) {
        for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.toString().matches(".*\\.(md|ipynb|json|tar)$"))
            .filter(p -> !p.toString().contains(".venv")).toList()) {
          Matcher m = variable.matcher(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1));
          while (m.find()) {
            found.add(m.group());
            String name = m.group();
            assertThatCode(() -> ConfigEnv.key(name)).as(name + " in " + f).doesNotThrowAnyException();
          }
        }
      }
    }
    assertThat(found).contains("KAMINARI_MODE", "KAMINARI_SECRETS_DIR", "KAMINARI_SCORER_MODEL", "KAMINARI_LOG_FORMAT");
  }
}
