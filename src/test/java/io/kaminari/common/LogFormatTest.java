package io.kaminari.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The two log formats of {@code log4j2.properties}, written by a real log4j in a fresh JVM, and how one is chosen. */
class LogFormatTest {
  private final String saved = System.getProperty(LogFormat.PROPERTY);

  @AfterEach
  void restore() {
    if (saved == null) System.clearProperty(LogFormat.PROPERTY);
    else System.setProperty(LogFormat.PROPERTY, saved);
  }

  @Test
  void optionBeatsPropertyBeatsEnvironment() {
    System.clearProperty(LogFormat.PROPERTY);
    assertThat(LogFormat.select(new String[] {"land"}, Map.of())).isEqualTo("text");
    System.clearProperty(LogFormat.PROPERTY);
    assertThat(LogFormat.select(new String[0], Map.of(LogFormat.ENV, "json"))).isEqualTo("json");
    assertThat(System.getProperty(LogFormat.PROPERTY)).isEqualTo("json");
    System.setProperty(LogFormat.PROPERTY, "text");
    assertThat(LogFormat.select(new String[0], Map.of(LogFormat.ENV, "json"))).isEqualTo("text");
    assertThat(LogFormat.select(new String[] {"--log-format", "json", "land"}, Map.of())).isEqualTo("json");
    assertThat(LogFormat.select(new String[] {"--log-format=text", "land"}, Map.of(LogFormat.ENV, "json")))
        .isEqualTo("text");
    System.clearProperty(LogFormat.PROPERTY);
    assertThat(LogFormat.select(new String[0], Map.of(LogFormat.ENV, ""))).as("empty = unset").isEqualTo("text");
  }

  @Test
  void unknownFormatsAreRefusedNamingTheirSource() {
    System.clearProperty(LogFormat.PROPERTY);
    assertThatThrownBy(() -> LogFormat.select(new String[0], Map.of(LogFormat.ENV, "JSON")))
        .isInstanceOf(ConfigException.class).hasMessage("KAMINARI_LOG_FORMAT must be one of [text, json], not 'JSON'");
    assertThatThrownBy(() -> LogFormat.select(new String[] {"--log-format=xml"}, Map.of()))
        .hasMessageContaining("--log-format must be one of");
  }

  @Test
  void jsonLinesCarryAFullUtcTimestampAndKeepStackTracesOnOneLine() throws Exception {
    Instant before = Instant.now().minusSeconds(1);
    List<String> lines = log("json");
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode info = json.readTree(lines.get(0));
    JsonNode error = json.readTree(lines.get(1));
    String ts = info.get("@timestamp").asText();
    assertThat(ts).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    assertThat(Duration.between(before, Instant.parse(ts))).isBetween(Duration.ZERO, Duration.ofMinutes(1));
    assertThat(info.get("log.level").asText()).isEqualTo("INFO");
    assertThat(info.get("log.logger").asText()).isEqualTo("io.kaminari.test.Logs");
    assertThat(info.get("message").asText()).isEqualTo("landed 3 rows into \"flows\"\nsecond line");
    assertThat(error.get("log.level").asText()).isEqualTo("ERROR");
    assertThat(error.get("error.type").asText()).isEqualTo(IllegalStateException.class.getName());
    assertThat(error.get("error.stack_trace").asText()).contains("LogFormatTest$Emit.main");
  }

  @Test
  void textIsTheShortDefault() throws Exception {
    List<String> lines = log("text");
    assertThat(lines.get(0)).matches("\\d{2}:\\d{2}:\\d{2} INFO Logs: landed 3 rows into \"flows\"");
    assertThat(lines).anyMatch(l -> l.startsWith("java.lang.IllegalStateException: boom"));
  }

  /** JsonTemplateLayout must be the release of the log4j-core it runs in (it uses core's internals). */
  @Test
  void layoutIsTheReleaseOfLog4jCore() {
    String core = LoggerContext.class.getPackage().getImplementationVersion();
    assertThat(core).isNotBlank();
    assertThat(JsonTemplateLayout.class.getPackage().getImplementationVersion()).isEqualTo(core);
  }

  /**
   * The stderr lines of {@link Emit} run in a fresh JVM on this class path, whose log4j configures itself from the
   * shipped {@code log4j2.properties}, with {@code KAMINARI_LOG_FORMAT=format}.
   */
  private static List<String> log(String format) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), Emit.class.getName());
    pb.environment().keySet().removeIf(k -> k.startsWith("KAMINARI_"));
    pb.environment().put(LogFormat.ENV, format);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return err.lines().toList();
  }

  /** Logs one multi-line info event and one error with a stack trace, as any Kaminari class would. */
  public static final class Emit {
    public static void main(String[] args) {
      Logger logger = LogManager.getLogger("io.kaminari.test.Logs");
      logger.info("landed 3 rows into \"flows\"\nsecond line");
      logger.error("failed", new IllegalStateException("boom"));
    }
  }
}
