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
