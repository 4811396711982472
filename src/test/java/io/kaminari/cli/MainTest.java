package io.kaminari.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CLI's contract: subcommands listed, failures exit non-zero with the cause on stderr. */
class MainTest {
  @RegisterExtension final Console console = new Console();

  @Test
  void helpListsTheSubcommands() {
    assertThat(Main.run("--help")).isZero();
    assertThat(console.out())
        .contains("config", "init", "generate", "land", "compact", "demo", "bench", "models");
  }

  @Test
  void configDumpPrintsEffectiveValues() {
    assertThat(Main.run("config", "--dump", "--home", "/tmp/kh", "--set", "topics=x,y")).isZero();
    assertThat(console.out())
        .contains("home: /tmp/kh    # flag").contains("warehouse.dir: /tmp/kh/warehouse").contains("topics: x,y");
  }

  @Test
  void failuresExitNonZeroWithTheCause() {
    assertThat(Main.run("config", "--set", "no.such.key=1")).isEqualTo(1);
    assertThat(console.err()).contains("unknown configuration key 'no.such.key'");
    console.reset();
    assertThat(Main.run("config", "--config", "/nonexistent/k.yaml")).isEqualTo(1);
    assertThat(console.err()).contains("/nonexistent/k.yaml does not exist");
    console.reset();
    assertThat(Main.run("compact")).isEqualTo(2); // usage error: no window
    assertThat(console.err()).contains("--hour");
    assertThat(Main.run("no-such-command")).isEqualTo(2);
  }

  @Test
  void badHourIsRejectedBeforeSparkStarts() {
    assertThat(Main.run("compact", "--hour", "yesterday", "--home", "target/unused-home")).isEqualTo(1);
    assertThat(console.err()).contains("'yesterday' is not an hour of the form 2024-05-01T10");
    console.reset();
    assertThat(Main.run("features", "--after-compact", "yesterday", "--spec", "seed-global", "--home",
        "target/unused-home")).isEqualTo(1);
    assertThat(console.err()).contains("'yesterday' is not an hour of the form 2024-05-01T10");
    console.reset();
    assertThat(Main.run("score", "--after-compact", "yesterday", "--home", "target/unused-home")).isEqualTo(1);
    assertThat(console.err()).contains("'yesterday' is not an hour of the form 2024-05-01T10");
  }

  @Test
  void featuresAndScoreTakeARangeOfEventHoursOrTheHoursAfterACompactionNotBoth() {
    assertThat(Main.run("score", "--after-compact", "2024-05-01T10", "--from", "2024-05-01T10", "--to",
        "2024-05-01T11")).isEqualTo(2);
    assertThat(console.err()).contains("mutually exclusive");
    console.reset();
    assertThat(Main.run("features", "--spec", "seed-global")).isEqualTo(2);
    assertThat(console.err()).contains("--after-compact").contains("--from");
    console.reset();
    assertThat(Main.run("score", "--from", "2024-05-01T11", "--to", "2024-05-01T10", "--home", "target/unused-home"))
        .isEqualTo(1);
    assertThat(console.err()).contains("--from must be before --to");
  }
}
