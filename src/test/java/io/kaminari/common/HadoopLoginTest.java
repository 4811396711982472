package io.kaminari.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HadoopLogin}: the Hadoop settings a config carries, and the refusals of a half-configured login; the login
 * itself runs against a real KDC in {@code KerberizedRegistryIT}.
 */
class HadoopLoginTest {
  @TempDir Path dir;

  private static KaminariConfig flags(Map<String, String> flags) {
    return KaminariConfig.load(null, flags, Map.of());
  }

  @Test
  void theHadoopSettingsAreTheSparkHadoopOnesWithoutTheirPrefix() {
    KaminariConfig config = flags(Map.of("spark.hadoop.dfs.client.use.datanode.hostname", "true",
        "spark.executor.memory", "2g"));
    assertThat(HadoopLogin.configuration(config).get("dfs.client.use.datanode.hostname")).isEqualTo("true");
    assertThat(HadoopLogin.configuration(config).get("executor.memory")).isNull();
  }

  @Test
  void noKeysNoLoginAndHalfALoginIsRefused() {
    HadoopLogin.ensure(flags(Map.of())); // neither key: nothing to do, nothing thrown
    assertThatThrownBy(() -> HadoopLogin.ensure(flags(Map.of(HadoopLogin.PRINCIPAL, "kaminari/host@EXAMPLE.COM"))))
        .hasMessage("a Kerberos login needs both spark.kerberos.principal and"
        + " spark.kerberos.keytab (got spark.kerberos.principal only)");
    assertThatThrownBy(() -> HadoopLogin.ensure(flags(Map.of(HadoopLogin.KEYTAB, "/k.keytab"))))
        .hasMessageContaining("(got spark.kerberos.keytab only)");
    assertThatThrownBy(() -> HadoopLogin.ensure(flags(Map.of(HadoopLogin.PRINCIPAL, "k@R", HadoopLogin.KEYTAB,
        dir.resolve("absent.keytab").toString()))))
        .hasMessage("spark.kerberos.keytab " + dir.resolve("absent.keytab") + " is not a readable file");
  }
}
