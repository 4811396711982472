package io.kaminari.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CLI's contract: subcommands listed, failures exit non-zero with the cause on stderr. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  @Test
  void helpListsTheSubcommands() {
    assertThat(Main.run("--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("config", "init", "generate", "land", "compact", "demo", "bench", "models");
  }

  @Test
  void configDumpPrintsEffectiveValues() {
    assertThat(Main.run("config", "--dump", "--home", "/tmp/kh", "--set", "topics=x,y")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("home: /tmp/kh    # flag").contains("warehouse.dir: /tmp/kh/warehouse").contains("topics: x,y");
  }

  @Test
  void failuresExitNonZeroWithTheCause() {
    assertThat(Main.run("config", "--set", "no.such.key=1")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown configuration key 'no.such.key'");
    err.reset();
    assertThat(Main.run("config", "--config", "/nonexistent/k.yaml")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("/nonexistent/k.yaml does not exist");
    err.reset();
    assertThat(Main.run("compact")).isEqualTo(2); // usage error: no window
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--hour");
    assertThat(Main.run("no-such-command")).isEqualTo(2);
  }

  @Test
  void badHourIsRejectedBeforeSparkStarts() {
    assertThat(Main.run("compact", "--hour", "yesterday", "--home", "target/unused-home")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("'yesterday' is not an hour of the form 2024-05-01T10");
  }
}
